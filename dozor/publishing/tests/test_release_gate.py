"""The release gate (issue 16, docs/decisions/0020-release-gate.md): the version of a visit report for
the authority is screened like the public version, approved by a second person, and is exactly what
``mark_sent`` sends and the liaison reads; consent withdrawn removes a quote from every version not
yet sent; press releases are screened before they are issued."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from docx import Document

from conftest import client_for, make_user
from dozor.accounts.models import AuditEvent, Role, User
from dozor.core.models import VisitType
from dozor.core.tests.pdf import pdf_plain
from dozor.people.tests.factories import PersonFactory
from dozor.publishing import services
from dozor.publishing.media import services as media
from dozor.publishing.models import PressRelease, PublicReport, Redaction
from dozor.recommendations.tests.factories import kuis_place
from dozor.standards.models import Theme
from dozor.visits.findings.services import finding_create
from dozor.visits.interviews import consent_services
from dozor.visits.interviews.services import interview_record
from dozor.visits.models import Consent, Finding, Interview, Report, ReportSection, TeamMember, Visit
from dozor.visits.reports import released
from dozor.visits.reports import services as reports
from dozor.visits.services import visit_create

pytestmark = pytest.mark.django_db

AUTHORITY = PublicReport.Audience.AUTHORITY
PUBLIC = PublicReport.Audience.PUBLIC
IIN = "900101300126"
PERSON = "Dana Zhakupova"  # in the registry
INTERVIEWEE = "Aidos Serikbayev"
LOCATION = "Block 2, cells 12-18"
SENSITIVE = "A detainee disclosed an HIV diagnosis to the group."
QUOTE_BOTH = "They take us out for thirty minutes at most."
QUOTE_PUBLIC_ONLY = "The parcels from our families are held back."
SUMMARY = f"The group met {INTERVIEWEE} (IIN {IIN}). {PERSON} of the regional office confirmed it."


@pytest.fixture
def visit(coordinator: User) -> Visit:
    return visit_create(
        actor=coordinator,
        facility=kuis_place(name_en="SIZO Gate"),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2025, 3, 1),
    )


@pytest.fixture
def approved_report(coordinator: User, visit: Visit) -> Report:
    PersonFactory(last_name="Zhakupova", first_name="Dana")
    interview_record(
        actor=coordinator,
        visit=visit,
        code="D-01",
        category=Interview.Category.DETAINEE,
        held_on=visit.started_on,
        excerpt=QUOTE_BOTH,
        identity=f"{INTERVIEWEE}, born 1990",
        consents=[Consent.Use.QUOTE_AUTHORITY, Consent.Use.QUOTE_PUBLIC],
    )
    interview_record(
        actor=coordinator,
        visit=visit,
        code="D-02",
        category=Interview.Category.DETAINEE,
        held_on=visit.started_on,
        excerpt=QUOTE_PUBLIC_ONLY,
        consents=[Consent.Use.QUOTE_PUBLIC],
    )
    theme = Theme.objects.get(code="treatment")
    for title, description, sensitive in (
        ("Overcrowding", "Eight people share a cell meant for four.", False),
        ("Health disclosure", SENSITIVE, True),
    ):
        finding = finding_create(
            actor=coordinator,
            visit=visit,
            theme=theme,
            severity=Finding.Severity.SERIOUS,
            title=title,
            location=LOCATION,
            description=description,
            sources=[Finding.Source.OBSERVATION, Finding.Source.DOCUMENTS],
            provisions=[],
        )
        if sensitive:
            Finding.objects.filter(pk=finding.pk).update(sensitive=True)
    report = reports.report_start(actor=coordinator, visit=visit)
    section = ReportSection.objects.get(report=report, key="summary")
    reports.section_save(actor=coordinator, section=section, body=SUMMARY, base_revision=section.revision)
    writer = make_user("writer", Role.MONITOR)
    TeamMember.objects.create(visit=visit, user=writer)
    reports.submit_for_review(actor=writer, report=report)
    return reports.approve(actor=coordinator, report=report)


@pytest.fixture
def second_coordinator(db) -> User:  # type: ignore[no-untyped-def]
    return make_user("colleague", Role.COORDINATOR)


def start(actor: User, report: Report, audience: str = AUTHORITY, lang: str = "en") -> PublicReport:
    return services.public_version_start(actor=actor, report=report, lang=lang, audience=audience)


def decide_all(actor: User, release: PublicReport, *, keep: str = "") -> None:
    """Accept every proposal, except those whose words are ``keep`` (rejected: the text stays)."""
    for redaction in Redaction.objects.filter(public_report=release, state=Redaction.State.PROPOSED):
        services.redaction_decide(actor=actor, redaction=redaction, accept=redaction.original != keep)


def approved_release(editor: User, approver: User, report: Report, **kwargs: str) -> PublicReport:
    release = start(editor, report, **kwargs)
    decide_all(editor, release)
    services.public_version_submit(actor=editor, public_report=release)
    return services.public_version_approve(actor=approver, public_report=release)


def send(coordinator: User, report: Report, lang: str = "en") -> Report:
    return reports.mark_sent(
        actor=coordinator, report=report, sent_on=datetime.date(2025, 4, 1), sent_to="KUIS", lang=lang
    )


# --- screening --------------------------------------------------------------------------------------


def test_the_version_for_the_authority_is_screened(coordinator: User, approved_report: Report) -> None:
    release = start(coordinator, approved_report)
    text = "\n".join(release.source.values())
    assert SENSITIVE not in text and "withheld to protect the people concerned" in text
    assert QUOTE_BOTH in text and QUOTE_PUBLIC_ONLY not in text  # quotes only with consent to the authority
    proposed = {(r.kind, r.original) for r in release.redactions.all()}
    assert ("iin", IIN) in proposed
    assert ("location", "cells 12-18") in proposed
    assert any(kind == "person_name" and "Serikbayev" in original for kind, original in proposed)
    assert any(kind == "person_name" and "Zhakupova" in original for kind, original in proposed)
    public = start(coordinator, approved_report, audience=PUBLIC)
    public_text = "\n".join(public.source.values())
    assert QUOTE_PUBLIC_ONLY in public_text and SENSITIVE not in public_text
    event = AuditEvent.objects.filter(
        object_type="publishing.publicreport", object_id=str(release.pk)
    ).first()
    assert event is not None and event.changes["audience"] == "authority"


def test_one_version_per_report_language_and_audience(coordinator: User, approved_report: Report) -> None:
    start(coordinator, approved_report)
    start(coordinator, approved_report, audience=PUBLIC)  # the public one is another release
    with pytest.raises(ValidationError, match="already exists"):
        start(coordinator, approved_report)


def test_the_authority_version_needs_an_approved_report(coordinator: User, visit: Visit) -> None:
    report = reports.report_start(actor=coordinator, visit=visit)
    with pytest.raises(ValidationError, match="approved report"):
        start(coordinator, report)
    assert not PublicReport.objects.exists()


# --- four eyes --------------------------------------------------------------------------------------


def test_four_eyes_the_approver_neither_started_nor_submitted_nor_redacted(
    coordinator: User, second_coordinator: User, council: User, approved_report: Report
) -> None:
    release = start(coordinator, approved_report)
    decide_all(second_coordinator, release)
    services.public_version_submit(actor=second_coordinator, public_report=release)
    for person in (coordinator, second_coordinator):  # who started; who redacted and submitted
        with pytest.raises(ValidationError) as caught:
            services.public_version_approve(actor=person, public_report=release)
        assert caught.value.code == "four_eyes"
    release.refresh_from_db()
    assert release.status == PublicReport.Status.SUBMITTED and released.approved_texts(approved_report) == {}
    services.public_version_approve(actor=council, public_report=release)
    assert released.approved_languages(approved_report) == ["en"]


def test_a_version_for_the_authority_is_never_published(
    coordinator: User, council: User, approved_report: Report
) -> None:
    release = approved_release(coordinator, council, approved_report)
    with pytest.raises(ValidationError, match="never published"):
        services.public_version_publish(actor=coordinator, public_report=release)


# --- sending ----------------------------------------------------------------------------------------


def test_mark_sent_refuses_without_an_approved_version_in_that_language(
    coordinator: User, council: User, approved_report: Report
) -> None:
    before = (approved_report.status, AuditEvent.objects.count())
    with pytest.raises(ValidationError) as caught:
        send(coordinator, approved_report)
    assert caught.value.code == "no_release"
    release = start(coordinator, approved_report)
    decide_all(coordinator, release)
    services.public_version_submit(actor=coordinator, public_report=release)
    with pytest.raises(ValidationError):  # submitted, not approved
        send(coordinator, approved_report)
    services.public_version_approve(actor=council, public_report=release)
    with pytest.raises(ValidationError):  # approved in English, sent in Russian
        send(coordinator, approved_report, lang="ru")
    approved_report.refresh_from_db()
    assert approved_report.status == before[0] and approved_report.sent_on is None
    send(coordinator, approved_report)
    approved_report.refresh_from_db()
    assert approved_report.status == Report.Status.SENT
    assert released.sent_release_id(approved_report) == release.pk


def test_a_sent_version_does_not_change(coordinator: User, council: User, approved_report: Report) -> None:
    release = approved_release(coordinator, council, approved_report)
    send(coordinator, approved_report)
    with pytest.raises(ValidationError, match="record of what the authority received"):
        services.public_version_return(actor=council, public_report=release, reason="again")
    assert released.sent_release_id(approved_report) == release.pk


def test_a_returned_version_is_no_longer_sendable(
    coordinator: User, council: User, approved_report: Report
) -> None:
    release = approved_release(coordinator, council, approved_report)
    services.public_version_return(actor=council, public_report=release, reason="One more name")
    with pytest.raises(ValidationError):
        send(coordinator, approved_report)


# --- what the liaison receives ------------------------------------------------------------------------


@pytest.fixture
def sent(coordinator: User, council: User, approved_report: Report) -> tuple[Report, PublicReport]:
    release = start(coordinator, approved_report)
    decide_all(coordinator, release, keep=PERSON)  # the editor keeps the official's name
    services.public_version_submit(actor=coordinator, public_report=release)
    services.public_version_approve(actor=council, public_report=release)
    return send(coordinator, approved_report), release


def test_the_liaison_gets_exactly_the_approved_text(
    sent: tuple[Report, PublicReport], liaison: User, as_liaison
) -> None:  # type: ignore[no-untyped-def]
    report, release = sent
    approved_text = services.public_text(release)
    assert released.sent_release(report)["sections"] == approved_text  # type: ignore[index]
    listing = as_liaison.get(reverse("recommendations:portal_reports")).content.decode()
    assert reverse("recommendations:portal_report", args=[report.pk]) in listing
    page = as_liaison.get(reverse("recommendations:portal_report", args=[report.pk])).content.decode()
    document = reverse("recommendations:portal_report_document", args=[report.pk])
    pdf = pdf_plain(as_liaison.get(document, {"format": "pdf"}).getvalue())
    docx = "\n".join(
        p.text
        for p in Document(io.BytesIO(as_liaison.get(document, {"format": "docx"}).getvalue())).paragraphs
    )
    for text in (page, pdf, docx):
        assert "Block 2" in text and "cells 12-18" not in text and "12-18" not in text
        assert IIN not in text and "Serikbayev" not in text and SENSITIVE not in text
        assert QUOTE_PUBLIC_ONLY not in text
        assert "Zhakupova" in text  # kept by the editor's decision, approved by the second person
    assert "thirty minutes" in page and "thirty minutes" in docx
    assert (
        AuditEvent.objects.filter(
            actor=liaison, object_type="visits.report", action=AuditEvent.Action.EXPORT
        ).count()
        == 2
    )


def test_other_personas_get_nothing(
    sent: tuple[Report, PublicReport], as_other_liaison, as_council, as_trainer, anonymous
) -> None:  # type: ignore[no-untyped-def]
    report, _release = sent
    page = reverse("recommendations:portal_report", args=[report.pk])
    document = reverse("recommendations:portal_report_document", args=[report.pk])
    assert as_other_liaison.get(page).status_code == 404
    assert as_other_liaison.get(document, {"format": "pdf"}).status_code == 404
    assert page not in as_other_liaison.get(reverse("recommendations:portal_reports")).content.decode()
    for client in (as_council, as_trainer):
        assert client.get(page).status_code == 403
        assert client.get(document, {"format": "docx"}).status_code == 403
    assert anonymous.get(page).status_code == 302


def test_a_report_sent_without_the_gate_is_not_shown(
    coordinator: User, approved_report: Report, as_liaison
) -> None:  # type: ignore[no-untyped-def]
    Report.objects.filter(pk=approved_report.pk).update(
        status=Report.Status.SENT, sent_on=datetime.date(2025, 4, 1)
    )
    assert (
        as_liaison.get(reverse("recommendations:portal_report", args=[approved_report.pk])).status_code == 404
    )
    listing = as_liaison.get(reverse("recommendations:portal_reports")).content.decode()
    assert 'data-testid="portal-report-row"' not in listing


# --- consent withdrawn ------------------------------------------------------------------------------


def test_withdrawing_consent_removes_the_quote_from_versions_not_yet_sent(
    coordinator: User, council: User, second_coordinator: User, approved_report: Report
) -> None:
    draft = start(coordinator, approved_report)  # for the authority, a draft
    public = approved_release(coordinator, council, approved_report, audience=PUBLIC)
    interview = Interview.objects.get(visit=approved_report.visit, code="D-01")
    for use in (Consent.Use.QUOTE_AUTHORITY, Consent.Use.QUOTE_PUBLIC):
        consent = Consent.objects.get(interview=interview, use=use, withdrawn_at__isnull=True)
        withdrawn = consent_services.consent_withdraw(
            actor=second_coordinator, consent=consent, note="By letter"
        )
        assert not withdrawn.task_open  # nothing had been sent with it
    assert QUOTE_BOTH not in "\n".join(services.public_text(draft).values())
    assert QUOTE_BOTH not in "\n".join(services.public_text(public).values())
    assert draft.redactions.filter(kind="consent", state="accepted").count() == 1
    public.refresh_from_db()
    assert public.status == PublicReport.Status.SUBMITTED  # a second person approves it again
    with pytest.raises(ValidationError):  # not the person who removed the quote
        services.public_version_approve(actor=second_coordinator, public_report=public)


def test_withdrawing_consent_after_sending_opens_the_task(
    sent: tuple[Report, PublicReport], second_coordinator: User
) -> None:
    report, release = sent
    interview = Interview.objects.get(visit=report.visit, code="D-01")
    consent = Consent.objects.get(
        interview=interview, use=Consent.Use.QUOTE_AUTHORITY, withdrawn_at__isnull=True
    )
    withdrawn = consent_services.consent_withdraw(actor=second_coordinator, consent=consent, note="In person")
    assert withdrawn.task_open
    assert not release.redactions.filter(kind="consent").exists()  # the record of what was sent stays
    event = AuditEvent.objects.filter(
        object_type="visits.consent", object_id=str(consent.pk), changes__has_key="sent_documents"
    ).last()
    assert event is not None and "Version for the authority" in event.changes["sent_documents"][0]


# --- press releases ---------------------------------------------------------------------------------


def test_a_press_release_is_screened_before_it_is_issued(
    coordinator: User, council: User, approved_report: Report
) -> None:
    public = approved_release(coordinator, council, approved_report, audience=PUBLIC)
    services.public_version_publish(actor=coordinator, public_report=public)
    release = media.press_release_draft(actor=coordinator, public_report=public, lang="en")
    media.press_release_update(
        actor=coordinator,
        press_release=release,
        title=release.title,
        body=f"{release.body}\nWe spoke to {INTERVIEWEE} in cell 14 (IIN {IIN}).",
    )
    release.refresh_from_db()
    kinds = {p["kind"] for p in release.screening if p["state"] == "proposed"}
    assert {"iin", "location", "person_name"} <= kinds
    with pytest.raises(ValidationError) as caught:
        media.press_release_issue(actor=coordinator, press_release=release)
    assert "screening" in caught.value.error_dict
    release.refresh_from_db()
    assert release.status == PressRelease.Status.DRAFT
    while media.undecided(release):
        index = next(n for n, p in enumerate(release.screening) if p["state"] == "proposed")
        media.press_release_decide(actor=coordinator, press_release=release, index=index, accept=True)
        release.refresh_from_db()
    assert IIN not in release.body and "Serikbayev" not in release.body and "cell 14" not in release.body
    media.press_release_issue(actor=coordinator, press_release=release)
    assert release.status == PressRelease.Status.ISSUED


def test_the_withheld_page_compares_the_three_texts(
    sent: tuple[Report, PublicReport], as_coordinator, as_council, as_liaison
) -> None:  # type: ignore[no-untyped-def]
    report, _release = sent
    url = reverse("publishing:withheld", args=[report.pk])
    page = as_coordinator.get(url, {"lang": "en"}).content.decode()
    assert 'data-testid="withheld-authority"' in page and "cells 12-18" in page  # struck through
    assert as_council.get(url).status_code == 403
    assert as_liaison.get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302


def test_a_report_sent_in_two_languages_is_read_in_each(
    coordinator: User, council: User, approved_report: Report, as_liaison
) -> None:  # type: ignore[no-untyped-def]
    english = approved_release(coordinator, council, approved_report, lang="en")
    russian = approved_release(coordinator, council, approved_report, lang="ru")
    with pytest.raises(ValidationError, match="kk"):  # no approved Kazakh version: nothing recorded
        reports.mark_sent(
            actor=coordinator,
            report=approved_report,
            sent_on=datetime.date(2025, 4, 1),
            sent_to="KUIS",
            lang="en",
            also=["kk"],
        )
    approved_report.refresh_from_db()
    assert approved_report.status == Report.Status.APPROVED
    report = reports.mark_sent(
        actor=coordinator,
        report=approved_report,
        sent_on=datetime.date(2025, 4, 1),
        sent_to="KUIS",
        lang="en",
        also=["ru"],
    )
    assert released.sent_languages(report) == ["en", "ru"]
    assert released.sent_release_ids(report) == {english.pk, russian.pk}
    assert services.release_sent(russian) and services.release_sent(english)
    page = reverse("recommendations:portal_report", args=[report.pk])
    for lang, release in (("ru", russian), ("en", english)):
        response = as_liaison.get(page, {"lang": lang})
        assert response.context["d"].lang == lang
        assert response.context["lang"] == lang
        sections = released.sent_release(report, lang)["sections"]  # type: ignore[index]
        assert sections == services.public_text(release)
    assert as_liaison.get(page, {"lang": "kk"}).status_code == 200  # not sent in kk: the first language
    assert 'data-testid="portal-report-languages"' in as_liaison.get(page).content.decode()
