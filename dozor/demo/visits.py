"""Demo content of the past demo visit: phases, occupancy on the day, findings, two interviews and a
draft report. Everything is synthetic and labelled as demo data; no real person or real event.

Called by ``dozor.demo.base.demo_load`` for the demo SIZO visit (last month, the demo monitor on the
team). Idempotent: a visit that already has findings is left as it is.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from dozor.accounts.models import User
from dozor.standards.models import Provision, Theme
from dozor.visits.findings import services as services_findings
from dozor.visits.interviews import consent_services
from dozor.visits.interviews import services as services_interviews
from dozor.visits.models import Consent, Finding, Interview, Phase, ReportSection, Visit
from dozor.visits.record import services as services_record
from dozor.visits.reports import services as services_reports

SUMMARY = (
    "[ДЕМО] Синтетические данные для обучения. Группа НПМ посетила учреждение без предупреждения, "
    "беседовала наедине с содержащимися и персоналом, осмотрела камеры, медицинскую часть и журналы. "
    "Основные проблемы: переполненность камер, отсутствие записи о медицинском осмотре при поступлении, "
    "ограниченные прогулки."
)
METHODOLOGY = (
    "[ДЕМО] Визит проведён по методике НПМ: вступительная беседа с руководством, обход помещений, "
    "конфиденциальные беседы, изучение документов, заключительная беседа."
)

FINDINGS = [
    (
        "material_conditions",
        Finding.Severity.SERIOUS,
        "[ДЕМО] Переполненность камер",
        "Корпус 2, камеры 12–18",
        "В камерах площадью 12 м² содержатся по 8 человек; нормы жилой площади не соблюдаются.",
        [Finding.Source.OBSERVATION, Finding.Source.DOCUMENTS],
        ["MANDELA-13"],
    ),
    (
        "safeguards",
        Finding.Severity.SERIOUS,
        "[ДЕМО] Нет записи о медицинском осмотре при поступлении",
        "Медицинская часть",
        "В журнале поступлений за месяц у 9 из 40 человек нет отметки о медицинском осмотре.",
        [Finding.Source.DOCUMENTS, Finding.Source.DETAINEES],
        ["MANDELA-30", "CPT-3-HEALTH"],
    ),
    (
        "regime_contact",
        Finding.Severity.MODERATE,
        "[ДЕМО] Прогулки короче одного часа",
        "Прогулочные дворики",
        "По словам содержащихся, прогулки длятся 30–40 минут.",
        [Finding.Source.DETAINEES],
        ["MANDELA-23"],
    ),
    (
        "health_care",
        Finding.Severity.POSITIVE,
        "[ДЕМО] Телемедицина с областной больницей",
        "Медицинская часть",
        "Консультации специалистов проводятся по видеосвязи в тот же день.",
        [Finding.Source.OBSERVATION],
        [],
    ),
]


def _moment(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def demo_visit_content(*, coordinator: User, monitor: User, visit: Visit) -> bool:
    """Fill the demo visit; False if it already had content."""
    if Finding.objects.filter(visit=visit).exists():
        return False
    day = visit.started_on
    if not Phase.objects.filter(visit=visit).exists():
        for kind, start, end in (
            (Phase.Kind.OPENING, (9, 30), (9, 50)),
            (Phase.Kind.TOUR, (9, 50), (11, 30)),
            (Phase.Kind.INTERVIEWS, (11, 30), (15, 0)),
            (Phase.Kind.DOCUMENTS, (15, 0), (16, 10)),
            (Phase.Kind.CLOSING, (16, 10), (16, 40)),
        ):
            services_record.phase_add(
                actor=monitor,
                visit=visit,
                kind=kind,
                started_at=_moment(day, *start),
                ended_at=_moment(day, *end),
            )
    services_record.occupancy_counts_save(
        actor=monitor,
        visit=visit,
        counts=[("men", 120, 131), ("women", 20, 14), ("boys", 6, 3)],
    )
    provisions = {p.code: p for p in Provision.objects.filter(code__in=[c for f in FINDINGS for c in f[6]])}
    themes = {t.code: t for t in Theme.objects.all()}
    for theme, severity, title, location, description, sources, codes in FINDINGS:
        if theme not in themes:
            continue
        services_findings.finding_create(
            actor=monitor,
            visit=visit,
            theme=themes[theme],
            severity=severity,
            title=title,
            location=location,
            description=description,
            sources=sources,
            provisions=[provisions[c] for c in codes if c in provisions],
        )
    # Consent as records (docs/decisions/0021-consent-records.md): the detainee agreed to be quoted
    # and followed up, the staff member refused to be quoted, and a second detainee withdrew the
    # consent to be quoted before the report was sent (so it is not quoted and no task is open).
    quick = [Consent.Use.QUOTE_AUTHORITY, Consent.Use.QUOTE_PUBLIC, Consent.Use.FOLLOW_UP]
    interviews = {}
    for code, category, consents, excerpt in (
        (
            "D-01",
            Interview.Category.DETAINEE,
            quick,
            "[ДЕМО] Нас выводят гулять минут на тридцать, не больше.",
        ),
        ("S-01", Interview.Category.STAFF, [], ""),
        (
            "D-02",
            Interview.Category.DETAINEE,
            [Consent.Use.QUOTE_AUTHORITY],
            "[ДЕМО] Передачи от родных задерживают.",
        ),
    ):
        interviews[code] = services_interviews.interview_record(
            actor=monitor,
            visit=visit,
            code=code,
            category=category,
            held_on=day,
            notes="[ДЕМО] Синтетическая запись беседы.",
            excerpt=excerpt,
            consents=consents,
            consent_method=Consent.Method.ORAL,
        )
    consent_services.consent_record(
        actor=monitor,
        interview=interviews["S-01"],
        use=Consent.Use.QUOTE_AUTHORITY,
        granted=False,
        given_on=day,
        note="[ДЕМО] Не хочет, чтобы его слова приводились.",
    )
    consent_services.consent_withdraw(
        actor=monitor,
        consent=interviews["D-02"].consents.get(use=Consent.Use.QUOTE_AUTHORITY),
        note="[ДЕМО] Попросил не цитировать его, при повторном посещении.",
    )
    report = services_reports.report_start(actor=monitor, visit=visit)
    for key, body in ((ReportSection.Key.SUMMARY, SUMMARY), (ReportSection.Key.METHODOLOGY, METHODOLOGY)):
        section = report.sections.get(key=key)
        services_reports.section_save(
            actor=monitor, section=section, body=body, base_revision=section.revision
        )
    return True
