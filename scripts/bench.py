"""make bench: measure Dozor on a generated data set (never a timed test; see docs/benchmarks.md).

Creates a throw-away SQLite database (or uses DATABASE_URL if set), loads the Kazakhstan pack,
generates `--scale kz10` data, then times the registry pages and API with Django's test client.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    scale = sys.argv[1] if len(sys.argv) > 1 else "kz10"
    if "DATABASE_URL" not in os.environ:
        os.environ["DOZOR_VAR_DIR"] = tempfile.mkdtemp(prefix="dozor-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dozor.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dozor.accounts.models import Role, User

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("pack", "load", "kz", verbosity=0)
    pack_seconds = time.perf_counter() - started
    started = time.perf_counter()
    call_command("generate", "--scale", scale, "--no-progress", verbosity=0)
    generate_seconds = time.perf_counter() - started

    user, _ = User.objects.get_or_create(username="bench", defaults={"role": Role.COORDINATOR})
    client = Client()
    client.force_login(user)
    rows = [
        ("migrate + pack load", f"{pack_seconds:.2f} s", ""),
        (f"generate --scale {scale}", f"{generate_seconds:.1f} s", ""),
    ]
    for label, url in (
        ("places list, page 1", "/places/"),
        ("places list, search 'sizo'", "/places/?q=sizo"),
        ("places list, overcrowded filter", "/places/?overcrowded=on"),
        ("places list, page 40", "/places/?page=40"),
        ("map of all places", "/places/map/"),
        ("API /api/v1/facilities/", "/api/v1/facilities/"),
        ("persons list", "/people/"),
    ):
        client.get(url)  # warm up
        times = []
        for _ in range(10):
            reset_queries()
            t0 = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        rows.append(
            (label, f"{statistics.median(times):.0f} ms median", f"{len(ctx.captured_queries)} queries")
        )
    started = time.perf_counter()
    response = client.get("/places/export.xlsx")
    rows.append(
        (
            "export all places to XLSX",
            f"{(time.perf_counter() - started):.1f} s",
            f"{len(response.content) // 1024} KiB",
        )
    )
    from bench_reports import measure  # scripts/ is on sys.path: this file's folder

    rows += measure()  # the visit report as PDF and DOCX (40 findings, Kazakh)
    from bench_recommendations import measure as measure_recommendations

    rows += measure_recommendations()  # the dashboard on 300,000 recommendations
    from bench_annual import measure as measure_annual

    rows += measure_annual()  # the annual report of the busiest year, PDF and DOCX
    print(f"\nDozor benchmark ({connection.vendor}, scale {scale})")
    for label, value, extra in rows:
        print(f"  {label:<36} {value:>18}  {extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
