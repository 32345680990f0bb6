from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema


def test_it_serves_a_valid_openapi_document(as_monitor):
    response = as_monitor.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in [
        "/api/v1/regions/",
        "/api/v1/authorities/{code}/",
        "/api/v1/facility-types/",
        "/api/v1/population-categories/",
        "/api/v1/visit-types/",
        "/api/v1/facilities/",
        "/api/v1/facilities/{id}/",
        "/api/v1/facilities/{id}/occupancy/",
        "/api/v1/occupancy/",
        "/api/v1/organisations/{id}/",
        "/api/v1/persons/",
    ]:
        assert path in paths
    detail = paths["/api/v1/facilities/{id}/"]
    assert {"get", "put", "patch"} <= set(detail)
    assert "delete" not in detail
    assert {"FacilityInRequest", "FacilityOut", "OccupancyInRequest", "PersonPrivateOut"} <= set(
        schema["components"]["schemas"]
    )
    params = {p["name"] for p in paths["/api/v1/facilities/"]["get"]["parameters"]}
    assert {"q", "region", "authority", "type", "status", "overcrowded", "page", "page_size"} <= params


def test_it_serves_the_schema_without_sign_in(anonymous, db):
    # The schema describes shapes only, never data; integrators need it before they have a token.
    assert anonymous.get("/api/schema/", {"format": "json"}).status_code == 200


def test_it_serves_the_docs_page_with_no_external_urls(anonymous, db):
    response = anonymous.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    external = re.findall(r"""(?:src|href)=["']?(?:https?:)?//[^"'\s>]+""", html) + re.findall(
        r"https?://(?!localhost|testserver)[\w.-]+", html
    )
    assert external == []
    assert "'unsafe-inline'" in response.headers["Content-Security-Policy"]


def test_it_finds_the_local_swagger_ui_files():
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
