"""Must hold (issue 16): over generated visits, no registry name, interview identity, exact cell or
room location or IIN reaches the document the authority receives (portal page, PDF, DOCX) or the
public artefacts (portal page, DOCX) unless the approved release kept it - the editor rejected that
proposal and a second person approved the text. Sensitive findings' descriptions never leave, and
a quote reaches an audience only with the person's consent for it.

The same over generated recommendations and letters (docs/decisions/0030): none of these reaches
the liaison's recommendation pages, letter pages, API or exports unless every hit of the text was
cleared by a second person."""

from __future__ import annotations

import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document
from hypothesis import HealthCheck, Phase, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from conftest import client_for, make_user
from dozor.accounts.models import Role, User
from dozor.core.detectors import iin_check_digit
from dozor.core.models import Authority, VisitType
from dozor.core.tests.pdf import pdf_plain
from dozor.people.models import Person
from dozor.publishing import services
from dozor.publishing.models import PublicReport, Redaction
from dozor.recommendations.letters.services import letter_register
from dozor.recommendations.models import Letter
from dozor.recommendations.screening import services as screening
from dozor.recommendations.tests.factories import kuis_place, recommendation, report_for
from dozor.standards.models import Theme
from dozor.visits.findings.services import finding_create
from dozor.visits.interviews.services import interview_record
from dozor.visits.models import Consent, Finding, Interview, Report, ReportSection, TeamMember
from dozor.visits.reports import services as reports
from dozor.visits.services import visit_create

pytestmark = pytest.mark.django_db

NAME = st.text(alphabet="бвгдклмнпрстхшәғқңөұү", min_size=7, max_size=10).map(str.capitalize)
LATIN = st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=7, max_size=10).map(str.capitalize)
SENSITIVE = "zebrasensitive"


@st.composite
def iins(draw: st.DrawFn) -> str:
    """A valid IIN: a birth date, the century digit, a serial number and the check digit."""
    born = draw(st.dates(datetime.date(1950, 1, 1), datetime.date(2005, 12, 31)))
    century = draw(st.sampled_from("3456"))
    first11 = f"{born:%y%m%d}{century}{draw(st.integers(0, 9999)):04d}"
    check = iin_check_digit(first11)
    assume(check is not None)
    return f"{first11}{check}"


@st.composite
def locations(draw: st.DrawFn) -> tuple[str, str]:
    """(the finding's location, its exact part that must not leave)."""
    block, first = draw(st.integers(1, 9)), draw(st.integers(1, 60))
    last = first + draw(st.integers(1, 9))
    exact = draw(
        st.sampled_from(
            [
                f"камеры {first}-{last}",
                f"камера № {first}",
                f"cells {first}-{last}",
                f"room {first}",
                f"{first}-камера",
            ]
        )
    )
    return f"Корпус {block}, {exact}", exact


def flat(text: str) -> str:
    return " ".join(text.split()).lower()


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


@hypothesis_settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking re-renders PDFs for minutes
)
@given(
    registry=st.tuples(NAME, NAME),
    interviewee=st.tuples(LATIN, NAME).map(" ".join),
    iin=iins(),
    places=st.lists(locations(), min_size=1, max_size=3),
    sensitive=st.lists(st.booleans(), min_size=1, max_size=3),
    consents=st.sets(st.sampled_from([Consent.Use.QUOTE_AUTHORITY, Consent.Use.QUOTE_PUBLIC])),
    keep_every=st.integers(0, 4),
)
def test_nothing_identifying_leaves_unless_the_approved_release_kept_it(
    coordinator: User,
    council: User,
    liaison: User,
    registry: tuple[str, str],
    interviewee: str,
    iin: str,
    places: list[tuple[str, str]],
    sensitive: list[bool],
    consents: set[str],
    keep_every: int,
) -> None:
    person = Person.objects.create(last_name=registry[0], first_name=registry[1])
    official = f"{person.last_name} {person.first_name}"
    visit = visit_create(
        actor=coordinator,
        facility=kuis_place(),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2025, 3, 1),
    )
    quote = f"zebraquote {visit.pk} they hold the parcels back"
    interview_record(
        actor=coordinator,
        visit=visit,
        code="D-1",
        category=Interview.Category.DETAINEE,
        held_on=visit.started_on,
        identity=f"{interviewee}, born 1990",
        excerpt=f"{quote}, said {interviewee}.",
        consents=sorted(consents),
    )
    theme = Theme.objects.get(code="treatment")
    for n, (location, _exact) in enumerate(places):
        finding = finding_create(
            actor=coordinator,
            visit=visit,
            theme=theme,
            severity=Finding.Severity.SERIOUS,
            title=f"Finding {n}",
            location=location,
            description=f"{SENSITIVE} {n}" if sensitive[n % len(sensitive)] else f"Plain zebrafinding {n}.",
            sources=[Finding.Source.OBSERVATION, Finding.Source.DOCUMENTS],
            provisions=[],
        )
        Finding.objects.filter(pk=finding.pk).update(sensitive=sensitive[n % len(sensitive)])
    report = reports.report_start(actor=coordinator, visit=visit)
    section = ReportSection.objects.get(report=report, key="summary")
    reports.section_save(
        actor=coordinator,
        section=section,
        body=f"The group met {official} (IIN {iin}) and {interviewee}. Zebracontrol stays.",
        base_revision=section.revision,
    )
    writer = make_user(f"writer{visit.pk}", Role.MONITOR)
    TeamMember.objects.create(visit=visit, user=writer)
    reports.submit_for_review(actor=writer, report=report)
    reports.approve(actor=coordinator, report=report)

    kept: list[str] = []
    releases = {}
    for audience in PublicReport.Audience.values:
        release = services.public_version_start(
            actor=coordinator, report=report, lang="ru", audience=audience
        )
        proposals = Redaction.objects.filter(public_report=release).order_by("section", "start")
        for n, redaction in enumerate(proposals, 1):
            keep = bool(keep_every) and n % keep_every == 0
            if keep:
                kept.append(redaction.original)
            services.redaction_decide(actor=coordinator, redaction=redaction, accept=not keep)
        services.public_version_submit(actor=coordinator, public_report=release)
        releases[audience] = services.public_version_approve(actor=council, public_report=release)
    reports.mark_sent(
        actor=coordinator, report=report, sent_on=datetime.date(2025, 4, 1), sent_to="KUIS", lang="ru"
    )
    services.public_version_publish(actor=coordinator, public_report=releases["public"])

    as_liaison, anonymous = client_for(liaison), Client()
    document = reverse("recommendations:portal_report_document", args=[report.pk])
    authority = {
        "page": as_liaison.get(reverse("recommendations:portal_report", args=[report.pk])).content.decode(),
        "pdf": pdf_plain(as_liaison.get(document, {"format": "pdf"}).getvalue()),
        "docx": docx_text(as_liaison.get(document, {"format": "docx"}).getvalue()),
    }
    public = {
        "page": anonymous.get(reverse("public:report", args=["ru", report.pk])).content.decode(),
        "docx": docx_text(anonymous.get(reverse("public:document", args=["ru", report.pk, "docx"])).content),
    }
    needles = [
        official,
        person.last_name,
        iin,
        interviewee,
        *interviewee.split(),
        *(exact for _loc, exact in places),
    ]
    for audience, artefacts in (("authority", authority), ("public", public)):
        for where, text in artefacts.items():
            folded = flat(text)
            assert "zebracontrol" in folded, (audience, where)  # the approved text did arrive
            assert SENSITIVE not in folded, (audience, where)
            for needle in needles:
                allowed = any(flat(needle) in flat(k) or flat(k) in flat(needle) for k in kept)
                assert allowed or flat(needle) not in folded, (audience, where, needle)
        use = Consent.Use.QUOTE_AUTHORITY if audience == "authority" else Consent.Use.QUOTE_PUBLIC
        if use not in consents:
            assert all("zebraquote" not in flat(text) for text in artefacts.values()), audience
    assert Report.objects.get(pk=report.pk).status in (Report.Status.SENT, Report.Status.PUBLISHED)


@pytest.fixture
def colleague(db) -> User:  # type: ignore[no-untyped-def]
    return make_user("colleague", Role.COORDINATOR)


@hypothesis_settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(
    registry=st.tuples(NAME, NAME),
    interviewee=st.tuples(LATIN, NAME).map(" ".join),
    iin=iins(),
    place=locations(),
    parts=st.sets(st.sampled_from(["registry", "interviewee", "iin", "location"]), min_size=1),
    cleared=st.sampled_from(["none", "some", "all"]),
)
def test_no_recommendation_or_letter_reaches_the_authority_unless_cleared(
    coordinator: User,
    colleague: User,
    liaison: User,
    registry: tuple[str, str],
    interviewee: str,
    iin: str,
    place: tuple[str, str],
    parts: set[str],
    cleared: str,
) -> None:
    person = Person.objects.create(last_name=registry[0], first_name=registry[1])
    official = f"{person.last_name} {person.first_name}"
    report = report_for(coordinator, kuis_place(), Report.Status.SENT)
    interview_record(
        actor=coordinator,
        visit=report.visit,
        code="D-1",
        category=Interview.Category.DETAINEE,
        held_on=report.visit.started_on,
        identity=f"{interviewee}, born 1990",
    )
    pieces = {
        "registry": (f"Let {official} answer.", [official, person.last_name]),
        "interviewee": (f"Protect {interviewee} from transfer.", [interviewee, *interviewee.split()]),
        "iin": (f"Return the passport of IIN {iin}.", [iin]),
        "location": (f"Repair {place[0]}.", [place[1]]),
    }
    control = f"zebrarec{report.pk}"
    text = f"{control} " + " ".join(pieces[p][0] for p in sorted(parts))
    needles = [needle for p in sorted(parts) for needle in pieces[p][1]]
    issued = recommendation(coordinator, report, text=text)
    letter = letter_register(
        actor=coordinator,
        direction=Letter.Direction.OUTGOING,
        number=f"04-{report.pk}",
        registered_on=datetime.date(2025, 4, 2),
        authority=Authority.objects.get(code="KUIS"),
        subject=f"zebraletter{report.pk}",
        summary=text,
        report=report,
    )
    assert issued.withheld and Letter.objects.get(pk=letter.pk).withheld  # every part is a hit
    for obj in (issued, letter):
        hits = screening.hits(obj)
        chosen = {"none": [], "some": hits[:-1], "all": hits}[cleared]
        for hit in chosen:
            screening.screening_clear(
                actor=colleague, obj=obj, field=hit.field, kind=hit.kind, start=hit.start
            )
    arrives = cleared == "all"

    as_liaison = client_for(liaison)
    portal_page = as_liaison.get(reverse("recommendations:portal_recommendation", args=[issued.pk]))
    letter_page = as_liaison.get(reverse("recommendations:letter_detail", args=[letter.pk]))
    assert (portal_page.status_code == 200) is arrives and (letter_page.status_code == 200) is arrives
    export = as_liaison.get(reverse("recommendations:export_csv"))
    assert export.status_code == 200
    artefacts = {
        "portal list": as_liaison.get(reverse("recommendations:portal_recommendations")).content.decode(),
        "portal page": portal_page.content.decode(),
        "letter list": as_liaison.get(reverse("recommendations:letter_list")).content.decode(),
        "letter page": letter_page.content.decode(),
        "api recommendations": as_liaison.get("/api/v1/recommendations/").content.decode(),
        "api letters": as_liaison.get("/api/v1/letters/").content.decode(),
        "csv export": export.getvalue().decode("utf-8-sig"),
    }
    for where, content in artefacts.items():
        folded = flat(content)
        if arrives:
            if where not in ("letter list", "letter page", "api letters"):
                assert control in folded, where  # the text did arrive, as written
            continue
        for needle in needles:
            assert flat(needle) not in folded, (where, needle)
        assert control not in folded, where
