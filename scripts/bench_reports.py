"""make bench (reports): render a large visit report as PDF and DOCX (see docs/benchmarks.md).

Creates a throw-away SQLite database (or uses DATABASE_URL if set), loads the Kazakhstan pack and
builds one visit whose report has 40 findings across every theme, each citing standards, a positive
practice, occupancy counts, 12 points of occupancy history, quotes and evidence. Then renders the
internal report in Kazakh as PDF (WeasyPrint) and DOCX (python-docx), three times each, and prints
the median time, the size and (for the PDF) the number of pages. ``scripts/bench.py`` calls
``measure`` on its own generated data set as well.

Usage: python scripts/bench_reports.py [--rounds N]
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from dozor.visits.models import Report

FINDINGS = 40


def build_report() -> Report:
    """A visit with a full report, at the first active SIZO (one is created if there is none)."""
    from dozor.accounts.models import Role, User
    from dozor.core.models import Authority, Region, VisitType
    from dozor.facilities.models import Facility, FacilityType, Occupancy
    from dozor.standards.models import Provision, Theme
    from dozor.visits.models import Consent, Evidence, Finding, Interview, OccupancyCount, ReportSection
    from dozor.visits.reports.services import report_start
    from dozor.visits.services import visit_create

    user, _ = User.objects.get_or_create(username="bench-reports", defaults={"role": Role.COORDINATOR})
    facility = (
        Facility.objects.filter(status=Facility.Status.ACTIVE, type__code="SIZO").order_by("pk").first()
    )
    if facility is None:
        kind = FacilityType.objects.get(code="SIZO")
        facility = Facility.objects.create(
            code="BENCH-1",
            name_kk="Қарағанды қаласындағы тергеу изоляторы",
            name_ru="Следственный изолятор г. Караганды",
            name_en="Karaganda pre-trial detention centre",
            type=kind,
            authority=Authority.objects.get(code="KUIS"),
            region=Region.objects.get(code="KGD"),
            capacity=600,
        )
    visit = visit_create(
        actor=user,
        facility=facility,
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2026, 3, 2),
    )
    report = report_start(actor=user, visit=visit)
    paragraph = (
        "Мониторингтік топ мекеменің барлық ғимараттарын аралап, ұсталғандармен және қызметкерлермен "
        "құпия әңгімелер өткізді. Группа осмотрела все помещения и провела конфиденциальные беседы. "
    ) * 4
    for key in ReportSection.Key.values:
        ReportSection.objects.filter(report=report, key=key).update(body=f"{paragraph}\n\n{paragraph}")
    themes = list(Theme.objects.order_by("sort_order", "code"))
    severities = [Finding.Severity.CRITICAL, Finding.Severity.SERIOUS, Finding.Severity.MODERATE]
    for n in range(FINDINGS):
        theme = themes[n % len(themes)]
        finding = Finding.objects.create(
            visit=visit,
            theme=theme,
            severity=Finding.Severity.POSITIVE if n % 10 == 9 else severities[n % 3],
            title=f"Анықталған жағдай № {n + 1}: камераларда табиғи жарық жеткіліксіз",
            location=f"Блок {n % 4 + 1}",
            description=paragraph,
            sources=[Finding.Source.OBSERVATION, Finding.Source.DETAINEES],
        )
        finding.provisions.set(Provision.objects.filter(theme=theme).order_by("pk")[n % 3 : n % 3 + 2])
    OccupancyCount.objects.create(visit=visit, category="men", capacity=500, population=560)
    OccupancyCount.objects.create(visit=visit, category="women", capacity=100, population=71)
    for month in range(1, 13):
        Occupancy.objects.create(
            facility=facility,
            date=datetime.date(2025, month, 15),
            capacity=600,
            population=560 + month * 7,
            source=Occupancy.Source.VISIT if month == 12 else Occupancy.Source.OFFICIAL,
        )
    for n in range(6):
        interview = Interview.objects.create(
            visit=visit,
            code=f"B-{n}",
            category=Interview.Category.DETAINEE,
            held_on=visit.started_on,
            excerpt="Серуендеуге аптасына бір рет қана шығарады.",
        )
        if n % 2 == 0:  # every other person consents to be quoted to the authority and in public
            Consent.objects.bulk_create(
                Consent(interview=interview, use=use, given_on=visit.started_on)
                for use in (Consent.Use.QUOTE_AUTHORITY, Consent.Use.QUOTE_PUBLIC)
            )
    for n in range(10):
        Evidence.objects.create(
            visit=visit,
            kind=Evidence.Kind.PHOTO,
            file=f"evidence/2026/03/bench-{n}.jpg",
            original_name=f"camera-{n}.jpg",
            content_type="image/jpeg",
            size=1000,
            sha256=f"{n:x}" * 64,
            description="Камера терезесі",
        )
    return report


def measure(rounds: int = 3) -> list[tuple[str, str, str]]:
    """(label, median time, detail) rows for the PDF and DOCX of a 40-finding report in Kazakh."""

    from dozor.visits.reports.documents import report_docx, report_pdf

    report = build_report()
    rows: list[tuple[str, str, str]] = []
    for label, render in (
        ("report PDF, kk, 40 findings", report_pdf),
        ("report DOCX, kk, 40 findings", report_docx),
    ):
        times = []
        data = b""
        for _ in range(rounds):
            started = time.perf_counter()
            data = render(report, "kk")
            times.append(time.perf_counter() - started)
        detail = f"{len(data) // 1024} KiB"
        if data.startswith(b"%PDF"):
            detail += f", {len(PdfReader(io.BytesIO(data)).pages)} pages"
        rows.append((label, f"{statistics.median(times):.2f} s median of {rounds}", detail))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        os.environ["DOZOR_VAR_DIR"] = tempfile.mkdtemp(prefix="dozor-bench-reports-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dozor.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("pack", "load", "kz", verbosity=0)
    print(f"\nVisit report documents ({connection.vendor}, {FINDINGS} findings, Kazakh)")
    for label, value, detail in measure(args.rounds):
        print(f"  {label:<36} {value:>22}  {detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
