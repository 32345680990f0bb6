"""make bench (annual report): the annual consolidated report of the busiest year, PDF and DOCX
(see docs/benchmarks.md; targets: PDF under 20 s, DOCX under 10 s).

Creates a throw-away SQLite database (or uses DATABASE_URL if set), loads the Kazakhstan pack,
generates `--scale kz10` data (3,600 places, 600 persons), which has no activity yet, so adds
three years of it at a busy NPM's pace: 600 / 900 / 1,500 visits (2023-2025) to the generated
places with six findings each on average, 40,000 recommendations over eight years
(``bench_recommendations.populate``), 80 reprisal cases a year, 30 training events a year with
20 participants each and certificates, and a plan a year with a planned visit and three expenses
per visit. Then finds the busiest year (most visits) and renders its report in Kazakh: the
figures alone, then PDF and DOCX, ``--rounds`` times each, printing the median and the size.

Usage: python scripts/bench_annual.py [--scale kz10] [--rounds N]
``scripts/bench.py`` calls ``measure`` on its own database as well.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VISITS_PER_YEAR = {2023: 600, 2024: 900, 2025: 1500}
RECOMMENDATIONS = 40_000


def populate(seed: int = 11) -> None:
    """Add the activity of three years to the generated places (once: skipped when visits exist)."""
    from bench_recommendations import _places
    from bench_recommendations import populate as populate_recommendations

    from dozor.core.models import Region, VisitType
    from dozor.people.models import Person
    from dozor.planning.models import Expense, Plan, PlannedVisit
    from dozor.recommendations.models import ReprisalCase
    from dozor.standards.models import Theme
    from dozor.training.models import Certificate, Enrolment, Event, Programme
    from dozor.visits.models import Finding, Visit

    if Visit.objects.exists():
        return
    rng = random.Random(seed)
    places = _places()
    types = list(VisitType.objects.all())
    themes = list(Theme.objects.values_list("pk", flat=True))
    severities = ["critical", "serious", "serious", "moderate", "moderate", "positive"]
    persons = list(Person.objects.values_list("pk", flat=True))
    region_ids = list(Region.objects.values_list("pk", flat=True))
    programme = Programme.objects.create(
        title_en="Bench programme", title_ru="Программа", title_kk="Бағдарлама"
    )
    tz = datetime.timezone(datetime.timedelta(hours=5))
    for year, count in VISITS_PER_YEAR.items():
        plan = Plan.objects.create(year=year, title=f"План {year}", budget=Decimal("400000000"))
        visits = Visit.objects.bulk_create(
            Visit(
                facility_id=rng.choice(places).pk,
                visit_type=rng.choice(types),
                started_on=datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(360)),
                announced=rng.random() < 0.3,
                status="completed",
            )
            for _ in range(count)
        )
        Finding.objects.bulk_create(
            Finding(
                visit=visit,
                theme_id=rng.choice(themes),
                severity=rng.choice(severities),
                title=f"Finding {n}",
                description="Описание",
                possible_ill_treatment=rng.random() < 0.05,
            )
            for visit in visits
            for n in range(rng.randrange(2, 11))
        )
        planned = PlannedVisit.objects.bulk_create(
            PlannedVisit(
                plan=plan,
                facility_id=v.facility_id,
                visit_type=v.visit_type,
                starts_on=v.started_on,
                ends_on=v.started_on,
                status="done",
                estimated_cost=Decimal(rng.randrange(100_000, 400_000)),
            )
            for v in visits
        )
        Expense.objects.bulk_create(
            Expense(
                planned_visit=p,
                category=category,
                amount=Decimal(rng.randrange(10_000, 150_000)),
                spent_on=p.starts_on,
            )
            for p in planned
            for category in ("travel", "per_diem", "accommodation")
        )
        ReprisalCase.objects.bulk_create(
            ReprisalCase(
                facility_id=rng.choice(places).pk,
                kind=rng.choice(["at_risk", "allegation"]),
                raised_on=datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(360)),
                state=rng.choice(["open", "monitoring", "closed"]),
            )
            for _ in range(80)
        )
        for n in range(30):
            start = datetime.date(year, 1, 15) + datetime.timedelta(days=11 * n)
            event = Event.objects.create(
                programme=programme,
                title_kk=f"Семинар {n}",
                title_ru=f"Семинар {n}",
                title_en=f"Seminar {n}",
                city="Астана",
                region_id=rng.choice(region_ids),
                starts_on=start,
                ends_on=start + datetime.timedelta(days=2),
                capacity=30,
                status="held" if n < 27 else "cancelled",
            )
            enrolments = Enrolment.objects.bulk_create(
                Enrolment(event=event, person_id=pk, registered_at=datetime.datetime(year, 1, 1, tzinfo=tz))
                for pk in rng.sample(persons, min(20, len(persons)))
            )
            if event.status == "held":
                Certificate.objects.bulk_create(
                    Certificate(
                        enrolment=e,
                        code=f"B{year}-{n}-{i}",
                        issued_on=event.ends_on + datetime.timedelta(days=3),
                    )
                    for i, e in enumerate(enrolments[:15])
                )
    populate_recommendations(RECOMMENDATIONS)
    # Bulk inserts send no signals: store the places' latest visits once.
    from dozor.facilities.models import Facility
    from dozor.visits.services import visit_facts_refresh

    visit_facts_refresh(facility_ids=Facility.objects.values_list("pk", flat=True))


def busiest_year() -> int:
    from django.db.models import Count
    from django.db.models.functions import ExtractYear

    from dozor.visits.models import Visit

    top = (
        Visit.objects.order_by()
        .annotate(year=ExtractYear("started_on"))
        .values("year")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return int(top["year"]) if top else max(VISITS_PER_YEAR)


def _median(fn: Callable[[], Any], rounds: int) -> tuple[float, Any]:
    times: list[float] = []
    result: Any = None
    for _ in range(rounds):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure(rounds: int = 3, lang: str = "kk") -> list[tuple[str, str, str]]:
    """Populate (once), then time the report of the busiest year; rows for scripts/bench.py."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dozor.publishing.annual.documents import annual_docx, annual_pdf
    from dozor.publishing.annual.figures import build
    from dozor.visits.models import Visit

    started = time.perf_counter()
    populate()
    populated = time.perf_counter() - started
    year = busiest_year()
    visits = Visit.objects.filter(started_on__year=year).count()
    with CaptureQueriesContext(connection) as ctx:
        build(year, lang)
    figures, _ = _median(lambda: build(year, lang), rounds)
    pdf_s, pdf = _median(lambda: annual_pdf(build(year, lang)), rounds)
    docx_s, docx = _median(lambda: annual_docx(build(year, lang)), rounds)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)  # pypdf (a dev dependency) counts the pages
    return [
        ("annual report: add 3 years of activity", f"{populated:.1f} s", ""),
        (
            f"annual {year} ({visits} visits): figures",
            f"{figures:.2f} s",
            f"{len(ctx.captured_queries)} queries",
        ),
        (f"annual {year}: PDF ({lang})", f"{pdf_s:.1f} s", f"{len(pdf) // 1024} KiB, {pages} pages"),
        (f"annual {year}: DOCX ({lang})", f"{docx_s:.1f} s", f"{len(docx) // 1024} KiB"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="kz10")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lang", default="kk")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        os.environ["DOZOR_VAR_DIR"] = tempfile.mkdtemp(prefix="dozor-bench-annual-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dozor.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("pack", "load", "kz", verbosity=0)
    call_command("generate", "--scale", args.scale, "--no-progress", verbosity=0)
    print(
        f"annual report benchmark ({connection.vendor}, scale {args.scale}): setup {time.perf_counter() - started:.1f} s"
    )
    for label, value, extra in measure(args.rounds, args.lang):
        print(f"  {label:<44} {value:>10}  {extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
