"""make bench (recommendations): the dashboard on 300,000 recommendations (see docs/benchmarks.md).

Creates a throw-away SQLite database (or uses DATABASE_URL if set - the target is measured on
PostgreSQL), loads the Kazakhstan pack, makes sure there are places to address (3,600 are created
when the database has fewer than 500), then bulk-creates ``--count`` recommendations spread over
eight years of issue, the places' authorities, ministries, the Government, every theme and status
(about 40% implemented, as the NPM reports), deadlines 3-24 months after issue and 8% repeats of
earlier recommendations. Then it builds the whole dashboard context for a coordinator (and with the
year and authority filters, and for a liaison) ``--rounds`` times and prints the median server time
and the number of queries; the whole page (with template rendering) through Django's test client too.

Usage: python scripts/bench_recommendations.py [--count N] [--rounds N]
``scripts/bench.py`` calls ``measure`` on its own database as well.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNT = 300_000
BATCH = 5_000
PLACES = 3_600
# status code -> share of recommendations (the practice the Commissioner's reports describe)
STATUS_WEIGHTS = {
    "implemented": 40,
    "partially_implemented": 15,
    "in_progress": 12,
    "no_response": 13,
    "not_implemented": 8,
    "rejected": 7,
    "no_longer_relevant": 5,
}
TEXT_RU = (
    "Обеспечить медицинское освидетельствование каждого вновь поступившего лица в течение 24 часов, "
    "фиксировать телесные повреждения в журнале и сообщать о них прокурору (рекомендация № {n})."
)
TEXT_KK = (
    "Жаңадан түскен әрбір адамды 24 сағат ішінде медициналық куәландыруды қамтамасыз ету, дене "
    "жарақаттарын журналға тіркеу және прокурорға хабарлау (№ {n} ұсыным)."
)


def _places() -> list[Any]:
    """The active places, creating 3,600 spread over types and regions if there are too few."""
    from dozor.core.models import Region
    from dozor.facilities.models import Facility, FacilityType

    existing = list(Facility.objects.only("pk", "authority_id"))
    if len(existing) >= 500:
        return existing
    types = list(FacilityType.objects.all())
    regions = list(Region.objects.all())
    Facility.objects.bulk_create(
        [
            Facility(
                code=f"BENCH-REC-{n}",
                name_ru=f"Учреждение {n}",
                name_kk=f"Мекеме {n}",
                name_en=f"Place {n}",
                type=types[n % len(types)],
                authority_id=types[n % len(types)].authority_id,
                region=regions[n % len(regions)],
                capacity=100 + n % 900,
            )
            for n in range(PLACES)
        ],
        batch_size=1000,
    )
    return list(Facility.objects.only("pk", "authority_id"))


def populate(count: int = COUNT, *, seed: int = 7) -> int:
    """Bulk-create recommendations until there are ``count``; returns how many were created."""
    from dozor.accounts.models import Role, User
    from dozor.core.models import Authority
    from dozor.recommendations.models import Recommendation, Status
    from dozor.standards.models import Theme

    have = Recommendation.objects.count()
    if have >= count:
        return 0
    rng = random.Random(seed)
    user, _ = User.objects.get_or_create(username="bench-recs", defaults={"role": Role.COORDINATOR})
    places = _places()
    ministries = list(Authority.objects.values_list("pk", flat=True))
    themes = list(Theme.objects.values_list("pk", flat=True))
    statuses = dict(Status.objects.values_list("code", "pk"))
    codes = [code for code in STATUS_WEIGHTS if code in statuses]
    weights = [STATUS_WEIGHTS[code] for code in codes]
    earlier: list[int] = list(Recommendation.objects.values_list("pk", flat=True)[:50_000])
    start = datetime.date(2019, 1, 1)
    span = (datetime.date(2026, 10, 31) - start).days
    made = 0
    while have + made < count:
        size = min(BATCH, count - have - made)
        batch = []
        for i in range(size):
            n = have + made + i
            issued = start + datetime.timedelta(days=rng.randrange(span))
            roll = rng.random()
            if roll < 0.80:
                place = rng.choice(places)
                addressee, facility_id, authority_id = "facility", place.pk, place.authority_id
            elif roll < 0.95:
                addressee, facility_id, authority_id = "authority", None, rng.choice(ministries)
            else:
                addressee, facility_id, authority_id = rng.choice(["government", "parliament"]), None, None
            text_ru, text_kk = TEXT_RU.format(n=n), TEXT_KK.format(n=n)
            deadline = (
                issued + datetime.timedelta(days=rng.randrange(90, 730)) if rng.random() < 0.9 else None
            )
            batch.append(
                Recommendation(
                    source="visit_report" if facility_id else "annual",
                    addressee=addressee,
                    facility_id=facility_id,
                    authority_id=authority_id,
                    theme_id=rng.choice(themes),
                    text_ru=text_ru,
                    text_kk=text_kk,
                    priority=rng.choice(["high", "medium", "low"]),
                    term=rng.choice(["short", "medium", "long"]),
                    systemic=rng.random() < 0.2,
                    issued_on=issued,
                    deadline=deadline,
                    status_id=statuses[rng.choices(codes, weights)[0]],
                    status_changed_on=issued,
                    repeat_of_id=rng.choice(earlier) if earlier and rng.random() < 0.08 else None,
                    search_text=f"{text_kk} | {text_ru}".casefold(),
                    created_by=user,
                )
            )
        created = Recommendation.objects.bulk_create(batch)
        earlier.extend(r.pk for r in created[:1000] if r.pk is not None)
        made += size
        print(f"  {have + made:>9,} recommendations", end="\r", flush=True)
    print()
    # Bulk inserts send no signals: store the places' and reports' derived facts once.
    from dozor.recommendations.services import recommendation_facts_refresh_all

    recommendation_facts_refresh_all()
    return made


def _timed(fn: Any, rounds: int) -> tuple[float, int]:
    """Median milliseconds of ``rounds`` calls (after one warm-up) and the queries of the last."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()
    times = []
    queries = 0
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        queries = len(ctx.captured_queries)
    return statistics.median(times), queries


def measure(count: int = COUNT, rounds: int = 5) -> list[tuple[str, str, str]]:
    """(label, value, detail) rows: data creation, then the dashboard for several users/filters."""
    from django.db import connection
    from django.test import Client

    from dozor.accounts.models import Role, User
    from dozor.core.models import Authority
    from dozor.recommendations.dashboard.selectors import dashboard_build

    started = time.perf_counter()
    made = populate(count)
    rows = [(f"bulk-create {made:,} recommendations", f"{time.perf_counter() - started:.1f} s", "")]
    if connection.vendor == "postgresql":
        # what autovacuum does soon after a bulk load; index-only scans need the visibility map
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE recommendations_recommendation")
    coordinator, _ = User.objects.get_or_create(username="bench-recs", defaults={"role": Role.COORDINATOR})
    kuis = Authority.objects.get(code="KUIS")
    liaison, _ = User.objects.get_or_create(
        username="bench-recs-liaison", defaults={"role": Role.LIAISON, "authority": kuis}
    )
    latest_year = 2025
    for label, fn in (
        ("dashboard, coordinator, all", lambda: dashboard_build(coordinator)),
        (f"dashboard, coordinator, {latest_year}", lambda: dashboard_build(coordinator, year=latest_year)),
        ("dashboard, coordinator, KUIS", lambda: dashboard_build(coordinator, authority=kuis)),
        ("dashboard, liaison of KUIS", lambda: dashboard_build(liaison)),
    ):
        median, queries = _timed(fn, rounds)
        rows.append((label, f"{median:.0f} ms median of {rounds}", f"{queries} queries"))
    client = Client()
    client.force_login(coordinator)

    def page() -> None:
        response = client.get("/recommendations/dashboard/")
        assert response.status_code == 200, response.status_code

    median, queries = _timed(page, rounds)
    rows.append(
        ("dashboard page (with rendering)", f"{median:.0f} ms median of {rounds}", f"{queries} queries")
    )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        os.environ["DOZOR_VAR_DIR"] = tempfile.mkdtemp(prefix="dozor-bench-recs-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dozor.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("pack", "load", "kz", verbosity=0)
    rows = measure(args.count, args.rounds)
    print(f"\nRecommendations dashboard ({connection.vendor}, {args.count:,} recommendations)")
    for label, value, detail in rows:
        print(f"  {label:<36} {value:>22}  {detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
