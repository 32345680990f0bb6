"""The media work (dozor.publishing.media.services, views_media): the register of media contacts, press
releases drafted from a published report's public text only, and the log of media interactions."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dozor.accounts.models import AuditEvent, User
from dozor.core.models import Language, Region, VisitType
from dozor.facilities.tests.factories import FacilityFactory
from dozor.publishing import services
from dozor.publishing.media import services as services_media
from dozor.publishing.models import MediaContact, MediaInteraction, PressRelease, PublicReport, Redaction
from dozor.recommendations.tests.factories import recommendation
from dozor.standards.models import Provision, Theme
from dozor.visits.findings.services import finding_create
from dozor.visits.models import Finding, Report, ReportSection, Visit
from dozor.visits.reports import services as reports
from dozor.visits.services import visit_create

pytestmark = pytest.mark.django_db

NAME = "Gulnara Temirbekova"  # said in the report, redacted from the public version
FIRST_LINE = f"{NAME}, the deputy head, told the group that the admission unit keeps no register of injuries."
SUMMARY = f"{FIRST_LINE}\nDetainees described being held for days without a medical examination."
Status = PublicReport.Status


# --- test data ------------------------------------------------------------------------------------


def _finding(actor: User, visit: Visit, severity: str, title: str) -> Finding:
    return finding_create(
        actor=actor,
        visit=visit,
        theme=Theme.objects.get(code="treatment"),
        severity=severity,
        title=title,
        location="Admission unit",
        description="Seen by the group.",
        sources=[Finding.Source.DOCUMENTS, Finding.Source.DETAINEES],
        provisions=[p.pk for p in Provision.objects.order_by("pk")[:1]],
    )


def make_public_version(coordinator: User) -> PublicReport:
    """A draft public version of an approved report whose summary names a person; every proposal
    accepted and the name removed (by the detectors or by hand)."""
    visit = visit_create(
        actor=coordinator,
        facility=FacilityFactory(),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2025, 3, 1),
    )
    report = reports.report_start(actor=coordinator, visit=visit)
    _finding(coordinator, visit, Finding.Severity.SERIOUS, "No register of injuries")
    _finding(coordinator, visit, Finding.Severity.SERIOUS, "No medical examination on admission")
    _finding(coordinator, visit, Finding.Severity.CRITICAL, "Beatings in the admission unit")
    section = ReportSection.objects.get(report=report, key="summary")
    reports.section_save(actor=coordinator, section=section, body=SUMMARY, base_revision=section.revision)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.APPROVED)
    recommendation(coordinator, report, text="Keep a register of injuries seen on admission.")
    public = services.public_version_start(actor=coordinator, report=report, lang="en")
    for redaction in Redaction.objects.filter(public_report=public, state=Redaction.State.PROPOSED):
        if redaction.original not in FIRST_LINE or "Temirbekova" in redaction.original:
            services.redaction_decide(actor=coordinator, redaction=redaction, accept=True)
        else:
            services.redaction_decide(actor=coordinator, redaction=redaction, accept=False)
    if NAME in services.public_text(public)["summary"]:
        services.redaction_add_text(actor=coordinator, public_report=public, section="summary", text=NAME)
    assert Redaction.objects.filter(
        public_report=public, state=Redaction.State.ACCEPTED, original__contains="Temirbekova"
    ).exists()
    return public


def publish(coordinator: User, council: User, public: PublicReport) -> PublicReport:
    services.public_version_submit(actor=coordinator, public_report=public)
    services.public_version_approve(actor=council, public_report=public)
    return services.public_version_publish(actor=coordinator, public_report=public)


@pytest.fixture
def draft_version(coordinator: User) -> PublicReport:
    return make_public_version(coordinator)


@pytest.fixture
def published(coordinator: User, council: User, draft_version: PublicReport) -> PublicReport:
    return publish(coordinator, council, draft_version)


@pytest.fixture
def release(coordinator: User, published: PublicReport) -> PressRelease:
    return services_media.press_release_draft(actor=coordinator, public_report=published, lang="en")


@pytest.fixture
def contact(coordinator: User) -> MediaContact:
    return services_media.media_contact_create(
        actor=coordinator,
        name="Aigerim Nurlanova",
        outlet="Vlast.kz",
        email="aigerim@vlast.kz",
        languages=Language.objects.filter(code__in=["kk", "ru"]),
        region=Region.objects.order_by("sort_order").first(),
        topics="prisons, police",
    )


def footprint() -> tuple[int, int, int, int]:
    """What a refused step must leave untouched."""
    return (
        PressRelease.objects.count(),
        MediaContact.objects.count(),
        MediaInteraction.objects.count(),
        AuditEvent.objects.count(),
    )


# --- press releases -----------------------------------------------------------------------------


def test_it_drafts_a_press_release_from_the_public_text(coordinator, published):
    release = services_media.press_release_draft(actor=coordinator, public_report=published, lang="en")
    assert release.status == PressRelease.Status.DRAFT and release.issued_on is None
    assert release.public_report == published and release.created_by == coordinator
    facility = published.report.visit.facility
    assert facility.name_en in release.title
    body = release.body
    assert "the deputy head, told the group that the admission unit keeps no register" in body
    assert "3 findings" in body and "- Critical: 1" in body and "- Serious: 2" in body
    assert "1 recommendation to the authorities" in body
    assert "01.03.2025" in body and facility.region.name_en in body
    assert reverse("public:report", kwargs={"lang": "en", "report_id": published.report_id}) in body
    assert AuditEvent.objects.filter(object_type="publishing.pressrelease", action="create").exists()


def test_it_never_puts_a_redacted_string_into_a_press_release(coordinator, published):
    assert NAME in published.source["summary"]  # the internal text names her
    for lang in ("en", "ru", "kk"):
        release = services_media.press_release_draft(actor=coordinator, public_report=published, lang=lang)
        for secret in ("Temirbekova", "Gulnara"):
            assert secret not in release.body and secret not in release.title
            assert secret not in services_media.press_release_text(release)


def test_it_counts_only_what_the_public_text_still_says(coordinator, council, draft_version):
    # a finding line whose severity label was redacted is no longer counted as that severity
    findings = draft_version.source["findings"]
    label = "[Critical]"
    start = findings.index(label)
    services.redaction_add(
        actor=coordinator,
        public_report=draft_version,
        section="findings",
        start=start,
        end=start + len(label),
    )
    publish(coordinator, council, draft_version)
    release = services_media.press_release_draft(actor=coordinator, public_report=draft_version, lang="en")
    assert "Critical" not in release.body and "- Serious: 2" in release.body


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.WITHDRAWN])
def test_it_refuses_a_press_release_for_an_unpublished_report(coordinator, draft_version, status):
    PublicReport.objects.filter(pk=draft_version.pk).update(status=status)
    before = footprint()
    with pytest.raises(ValidationError) as refused:
        services_media.press_release_draft(actor=coordinator, public_report=draft_version, lang="en")
    assert "press release for an unpublished report is refused" in refused.value.messages[0]
    assert footprint() == before


def test_it_refuses_a_press_release_after_withdrawal(coordinator, published):
    services.public_version_withdraw(actor=coordinator, public_report=published, reason="A name was left.")
    before = footprint()
    with pytest.raises(ValidationError):
        services_media.press_release_draft(actor=coordinator, public_report=published, lang="en")
    assert footprint() == before


def test_it_refuses_an_unknown_language(coordinator, published):
    with pytest.raises(ValidationError) as refused:
        services_media.press_release_draft(actor=coordinator, public_report=published, lang="de")
    assert "lang" in refused.value.message_dict
    assert not PressRelease.objects.exists()


def test_it_lets_only_coordinators_draft(council, monitor, published):
    for actor in (council, monitor):
        with pytest.raises(PermissionDenied):
            services_media.press_release_draft(actor=actor, public_report=published, lang="en")
    assert not PressRelease.objects.exists()


def test_it_edits_and_issues_a_draft(coordinator, release):
    services_media.press_release_update(
        actor=coordinator, press_release=release, title="  New   title ", body="Text."
    )
    release.refresh_from_db()
    assert release.title == "New title" and release.body == "Text.\n"
    services_media.press_release_issue(actor=coordinator, press_release=release)
    release.refresh_from_db()
    assert release.status == PressRelease.Status.ISSUED and release.issued_on == timezone.localdate()
    before = footprint()
    with pytest.raises(ValidationError):  # only drafts are issued
        services_media.press_release_issue(actor=coordinator, press_release=release)
    with pytest.raises(ValidationError):  # an issued release is not changed
        services_media.press_release_update(actor=coordinator, press_release=release, title="X", body="Y")
    assert footprint() == before


def test_it_refuses_bad_edits_and_dates(coordinator, release):
    before = footprint()
    with pytest.raises(ValidationError) as refused:
        services_media.press_release_update(actor=coordinator, press_release=release, title=" ", body="")
    assert set(refused.value.message_dict) == {"title", "body"}
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services_media.press_release_issue(actor=coordinator, press_release=release, issued_on=tomorrow)
    assert "issued_on" in refused.value.message_dict
    assert footprint() == before
    release.refresh_from_db()
    assert release.status == PressRelease.Status.DRAFT


def test_it_refuses_to_issue_a_release_whose_report_was_withdrawn(coordinator, published, release):
    services.public_version_withdraw(actor=coordinator, public_report=published)
    with pytest.raises(ValidationError) as refused:
        services_media.press_release_issue(actor=coordinator, press_release=release)
    assert "unpublished report" in refused.value.messages[0]
    release.refresh_from_db()
    assert release.status == PressRelease.Status.DRAFT and release.issued_on is None


# --- contacts ---------------------------------------------------------------------------------------


def test_it_keeps_a_register_of_media_contacts(coordinator, contact):
    assert contact.active and sorted(contact.languages.values_list("code", flat=True)) == ["kk", "ru"]
    services_media.media_contact_update(
        actor=coordinator,
        contact=contact,
        name="Aigerim Nurlanova",
        outlet="Azattyq",
        email="AIGERIM@vlast.kz",  # its own address, in other case: not a duplicate
        phone="+7 701 000 00 00",
        languages=[],
        topics="prisons",
    )
    contact.refresh_from_db()
    assert contact.outlet == "Azattyq" and not contact.languages.exists()
    event = AuditEvent.objects.filter(object_type="publishing.mediacontact", action="update").latest("id")
    assert event.changes["outlet"] == {"before": "Vlast.kz", "after": "Azattyq"}
    services_media.media_contact_deactivate(actor=coordinator, contact=contact)
    contact.refresh_from_db()
    assert not contact.active


def test_it_refuses_a_contact_without_email_or_phone(coordinator):
    before = footprint()
    with pytest.raises(ValidationError) as refused:
        services_media.media_contact_create(actor=coordinator, name="A. B.", outlet="KTK")
    assert "e-mail address or a phone number" in refused.value.message_dict["email"][0]
    with pytest.raises(ValidationError) as refused:
        services_media.media_contact_create(actor=coordinator, name="", outlet="", email="not-an-address")
    assert set(refused.value.message_dict) == {"name", "outlet", "email"}
    assert footprint() == before


def test_it_refuses_a_duplicate_email(coordinator, contact):
    before = footprint()
    with pytest.raises(ValidationError) as refused:
        services_media.media_contact_create(
            actor=coordinator, name="Someone else", outlet="KTK", email="Aigerim@Vlast.KZ"
        )
    assert "already has this e-mail" in refused.value.message_dict["email"][0]
    assert footprint() == before


def test_it_lets_only_coordinators_keep_contacts(council, monitor, contact):
    for actor in (council, monitor):
        with pytest.raises(PermissionDenied):
            services_media.media_contact_create(actor=actor, name="X", outlet="Y", phone="+77010000000")
        with pytest.raises(PermissionDenied):
            services_media.media_contact_deactivate(actor=actor, contact=contact)


# --- interactions -----------------------------------------------------------------------------------


def test_it_records_an_interaction(coordinator, contact, release):
    services_media.press_release_issue(actor=coordinator, press_release=release)
    interaction = services_media.media_interaction_record(
        actor=coordinator,
        contact=contact,
        press_release=release,
        kind=MediaInteraction.Kind.INTERVIEW,
        happened_on=timezone.localdate(),
        summary="Interview about the report.",
        link="https://vlast.kz/article",
    )
    assert interaction.recorded_by == coordinator and interaction.press_release == release


def test_it_refuses_a_bad_interaction(coordinator, contact, release):
    before = footprint()
    with pytest.raises(ValidationError) as refused:
        services_media.media_interaction_record(
            actor=coordinator,
            contact=None,
            press_release=release,  # still a draft
            kind="gossip",
            happened_on=timezone.localdate() + datetime.timedelta(days=2),
            summary=" ",
            link="javascript:alert(1)",
        )
    assert set(refused.value.message_dict) == {
        "contact",
        "press_release",
        "kind",
        "happened_on",
        "summary",
        "link",
    }
    assert footprint() == before


# --- pages ------------------------------------------------------------------------------------------


def test_it_lists_and_filters_contacts(as_coordinator, coordinator, contact):
    services_media.media_contact_create(
        actor=coordinator, name="Ivan Petrov", outlet="KTK", phone="+7 727 000 00 00", topics="courts"
    )
    other = services_media.media_contact_create(
        actor=coordinator, name="Old Contact", outlet="Gone", phone="+7 727 111 11 11"
    )
    services_media.media_contact_deactivate(actor=coordinator, contact=other)
    url = reverse("publishing:media_contacts")
    with CaptureQueriesContext(connection) as queries:
        page = as_coordinator.get(url)
    assert page.status_code == 200 and len(queries) <= 12
    text = page.content.decode()
    assert "Aigerim Nurlanova" in text and "Ivan Petrov" in text and "Old Contact" not in text
    region = contact.region
    assert region is not None
    for query, expected, absent in (
        ({"outlet": "vlast"}, "Aigerim", "Ivan Petrov"),
        ({"language": "kk"}, "Aigerim", "Ivan Petrov"),
        ({"region": region.code}, "Aigerim", "Ivan Petrov"),
        ({"q": "courts"}, "Ivan Petrov", "Aigerim"),
        ({"active": "inactive"}, "Old Contact", "Aigerim"),
    ):
        text = as_coordinator.get(url, query).content.decode()
        assert expected in text and absent not in text, query


def test_it_creates_edits_and_deactivates_a_contact_through_the_pages(as_coordinator):
    response = as_coordinator.post(
        reverse("publishing:media_contact_create"),
        {"name": "Dana K.", "outlet": "Tengrinews", "email": "", "phone": "", "active": "on"},
    )
    assert response.status_code == 400 and "e-mail address or a phone number" in response.content.decode()
    assert not MediaContact.objects.exists()
    response = as_coordinator.post(
        reverse("publishing:media_contact_create"),
        {"name": "Dana K.", "outlet": "Tengrinews", "email": "dana@tengri.kz", "active": "on"},
    )
    contact = MediaContact.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "publishing:media_contact", args=[contact.pk]
    )
    assert as_coordinator.get(reverse("publishing:media_contact_edit", args=[contact.pk])).status_code == 200
    response = as_coordinator.post(
        reverse("publishing:media_contact_edit", args=[contact.pk]),
        {"name": "Dana K.", "outlet": "Orda.kz", "email": "dana@tengri.kz", "active": "on"},
    )
    assert response.status_code == 302
    as_coordinator.post(reverse("publishing:media_contact_deactivate", args=[contact.pk]))
    contact.refresh_from_db()
    assert contact.outlet == "Orda.kz" and not contact.active


def test_it_drafts_edits_and_issues_a_press_release_through_the_pages(as_coordinator, published):
    page = as_coordinator.get(reverse("publishing:press_release_create"), {"public": published.pk})
    assert page.status_code == 200
    response = as_coordinator.post(
        reverse("publishing:press_release_create"), {"public_report": published.pk, "lang": "en"}
    )
    release = PressRelease.objects.get()
    assert response.status_code == 302
    detail = as_coordinator.get(reverse("publishing:press_release", args=[release.pk]))
    assert detail.status_code == 200 and "Temirbekova" not in detail.content.decode()
    response = as_coordinator.post(
        reverse("publishing:press_release_edit", args=[release.pk]), {"title": "", "body": ""}
    )
    assert response.status_code == 400
    as_coordinator.post(
        reverse("publishing:press_release_edit", args=[release.pk]),
        {"title": "Report out", "body": "Read it."},
    )
    response = as_coordinator.post(reverse("publishing:press_release_issue", args=[release.pk]), {})
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.title == "Report out" and release.status == PressRelease.Status.ISSUED
    download = as_coordinator.get(reverse("publishing:press_release_text", args=[release.pk]))
    assert download["Content-Type"].startswith("text/plain") and download.content.decode().startswith(
        "Report out\n"
    )
    listing = as_coordinator.get(reverse("publishing:press_releases"), {"status": "issued"})
    assert "Report out" in listing.content.decode()


def test_the_page_refuses_a_press_release_for_an_unpublished_report(as_coordinator, draft_version):
    response = as_coordinator.post(
        reverse("publishing:press_release_create"), {"public_report": draft_version.pk, "lang": "en"}
    )
    assert response.status_code == 400
    assert "press release for an unpublished report is refused" in response.content.decode()
    assert not PressRelease.objects.exists()


def test_it_logs_interactions_and_shows_a_contacts_history(as_coordinator, coordinator, contact, release):
    services_media.press_release_issue(actor=coordinator, press_release=release)
    response = as_coordinator.post(
        reverse("publishing:media_interaction_create"),
        {
            "contact": contact.pk,
            "press_release": release.pk,
            "kind": "interview",
            "happened_on": "2025-05-02",
            "summary": "Radio interview on the findings.",
            "link": "https://example.org/radio",
        },
    )
    assert response.status_code == 302
    services_media.media_interaction_record(
        actor=coordinator,
        contact=contact,
        kind=MediaInteraction.Kind.REQUEST,
        happened_on=datetime.date(2024, 11, 5),
        summary="Asked about a hunger strike.",
    )
    history = as_coordinator.get(reverse("publishing:media_contact", args=[contact.pk])).content.decode()
    assert "Radio interview" in history and "hunger strike" in history
    url = reverse("publishing:media_interactions")
    with CaptureQueriesContext(connection) as queries:
        everything = as_coordinator.get(url)
    assert everything.status_code == 200 and len(queries) <= 12
    by_kind = as_coordinator.get(url, {"kind": "request"}).content.decode()
    assert "hunger strike" in by_kind and "Radio interview" not in by_kind
    by_year = as_coordinator.get(url, {"year": "2025"}).content.decode()
    assert "Radio interview" in by_year and "hunger strike" not in by_year
    by_contact = as_coordinator.get(url, {"contact": contact.pk}).content.decode()
    assert "Radio interview" in by_contact and "hunger strike" in by_contact
    response = as_coordinator.post(
        reverse("publishing:media_interaction_create"),
        {"contact": contact.pk, "kind": "interview", "happened_on": "", "summary": ""},
    )
    assert response.status_code == 400 and MediaInteraction.objects.count() == 2


# --- access -----------------------------------------------------------------------------------------


def _urls(contact: MediaContact, release: PressRelease) -> dict[str, list[tuple[str, str]]]:
    """Every media URL, by who may use it, with its method."""
    return {
        "contacts": [
            ("get", reverse("publishing:media_contacts")),
            ("get", reverse("publishing:media_contact_create")),
            ("post", reverse("publishing:media_contact_create")),
            ("get", reverse("publishing:media_contact", args=[contact.pk])),
            ("get", reverse("publishing:media_contact_edit", args=[contact.pk])),
            ("post", reverse("publishing:media_contact_edit", args=[contact.pk])),
            ("post", reverse("publishing:media_contact_deactivate", args=[contact.pk])),
            ("get", reverse("publishing:media_interactions")),
            ("get", reverse("publishing:media_interaction_create")),
            ("post", reverse("publishing:media_interaction_create")),
        ],
        "read": [
            ("get", reverse("publishing:press_releases")),
            ("get", reverse("publishing:press_release", args=[release.pk])),
            ("get", reverse("publishing:press_release_text", args=[release.pk])),
        ],
        "write": [
            ("get", reverse("publishing:press_release_create")),
            ("post", reverse("publishing:press_release_create")),
            ("post", reverse("publishing:press_release_edit", args=[release.pk])),
            ("post", reverse("publishing:press_release_issue", args=[release.pk])),
        ],
    }


def _all(urls: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str]]:
    return [item for group in urls.values() for item in group]


@pytest.mark.parametrize("persona", ["as_monitor", "as_liaison", "as_trainer"])
def test_outsiders_get_404_on_every_media_url(request: Any, persona, contact, release):
    client: Client = request.getfixturevalue(persona)
    before = footprint()
    for method, url in _all(_urls(contact, release)):
        assert getattr(client, method)(url).status_code == 404, (persona, method, url)
    assert footprint() == before


def test_anonymous_visitors_are_sent_to_sign_in(anonymous, contact, release):
    for method, url in _all(_urls(contact, release)):
        response = getattr(anonymous, method)(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"], url


def test_council_reads_press_releases_but_not_contacts(as_council, contact, release):
    urls = _urls(contact, release)
    before = footprint()
    for method, url in urls["contacts"]:
        assert getattr(as_council, method)(url).status_code == 404, url
    for method, url in urls["read"]:
        assert getattr(as_council, method)(url).status_code == 200, url
    for method, url in urls["write"]:
        assert getattr(as_council, method)(url).status_code == 403, url
    assert footprint() == before
    detail = as_council.get(reverse("publishing:press_release", args=[release.pk])).content.decode()
    assert "Aigerim" not in detail and 'data-testid="release-edit"' not in detail


def test_coordinators_reach_every_media_page(as_coordinator, contact, release):
    for method, url in _all(_urls(contact, release)):
        if method == "get":
            assert as_coordinator.get(url).status_code == 200, url


def test_the_menu_offers_media_to_coordinators_and_council_only(as_coordinator, as_council, as_monitor):
    link = f'href="{reverse("publishing:press_releases")}"'
    assert link in as_coordinator.get(reverse("web:home")).content.decode()
    assert link in as_council.get(reverse("web:home")).content.decode()
    assert link not in as_monitor.get(reverse("web:home")).content.decode()
