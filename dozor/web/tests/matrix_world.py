"""One of each object a URL of Dozor can name, for the permission matrix (test_permission_matrix.py).

Everything hangs off one place of the Penal Correction System Committee (KUIS, under the Interior
Ministry MVD): a visit whose team is the ``monitor`` persona, with an interview, evidence, a finding
and a report sent to the authority; a recommendation from that report with the KUIS liaison's
response; a letter, a reprisal case, a published public version with a press release; training,
planning and methodology objects; and the reference rows the API names by code. Built with the
apps' services and test factories where they exist, so the objects are in the states pages expect.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dozor.accounts.models import User
from dozor.core.jobs.models import Job
from dozor.core.jobs.services import job_done
from dozor.core.models import Authority, PopulationCategory, Region, VisitType
from dozor.core.outbox.models import Notification
from dozor.methodology.models import ChecklistTemplate, TemplateVersion
from dozor.methodology.services import version_new_draft
from dozor.people.tests.factories import (
    ConflictFactory,
    OrganisationFactory,
    ParticipationFactory,
    PersonFactory,
)
from dozor.planning.models import CostRate, Incident, Proposal, Unavailability
from dozor.planning.tests.factories import PlanFactory, planned_visit
from dozor.publishing import services as publishing
from dozor.publishing.media import services as media
from dozor.publishing.models import PublicReport, Redaction
from dozor.recommendations.letters.services import letter_register
from dozor.recommendations.models import Letter, Status
from dozor.recommendations.portal.services import response_submit
from dozor.recommendations.reprisals.services import reprisal_action_add, reprisal_open
from dozor.recommendations.tests.factories import kuis_place, recommendation
from dozor.standards.models import Instrument, Provision, Theme
from dozor.training.models import Certificate, Competency, Material
from dozor.training.tests.factories import EnrolmentFactory, EventFactory, SessionFactory
from dozor.visits.evidence.services import evidence_upload
from dozor.visits.findings.services import finding_create
from dozor.visits.interviews.services import interview_record
from dozor.visits.models import Evidence, Finding, Interview, Phase, Report
from dozor.visits.reports.content import build
from dozor.visits.reports.services import comment_add, report_start, version_save
from dozor.visits.services import visit_create

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def build_world(*, coordinator: User, monitor: User, liaison: User) -> dict[str, Any]:
    """Every object a URL argument of the matrix names, by the name the matrix uses."""
    w: dict[str, Any] = {}
    kuis = Authority.objects.get(code="KUIS")
    w["authority"] = kuis
    w["facility"] = facility = kuis_place()
    w["region"] = Region.objects.order_by("code").first()
    w["facility_type"] = facility.type
    w["population_category"] = PopulationCategory.objects.order_by("code").first()
    w["visit_type"] = VisitType.objects.get(code="periodic")
    w["theme"] = Theme.objects.get(code="safeguards")
    w["instrument"] = Instrument.objects.order_by("code").first()
    w["provision"] = Provision.objects.order_by("code").first()
    w["competency"] = Competency.objects.order_by("code").first()
    w["status"] = Status.objects.order_by("code").first()

    # People.
    w["organisation"] = OrganisationFactory()
    w["person"] = person = PersonFactory(organisation=w["organisation"])
    w["participation"] = ParticipationFactory(person=person)
    w["conflict"] = ConflictFactory(person=person, authority=kuis)

    # Methodology: the pack's first template and a draft of it (editable routes need a draft).
    template = ChecklistTemplate.objects.order_by("code").first()
    assert template is not None
    w["template"] = template
    w["version"] = draft = version_new_draft(actor=coordinator, template=template)
    w["section"] = section = draft.sections.order_by("order", "id").first()
    w["question"] = section.questions.order_by("order", "id").first()
    w["published_version"] = template.versions.filter(status=TemplateVersion.Status.PUBLISHED).first()

    # A visit with the monitor on its team, and its confidential material.
    w["visit"] = visit = visit_create(
        actor=coordinator,
        facility=facility,
        visit_type=w["visit_type"],
        started_on=datetime.date(2025, 3, 1),
        team=[monitor],
    )
    w["interview"] = interview = interview_record(
        actor=monitor,
        visit=visit,
        code="MX-1",
        category=Interview.Category.DETAINEE,
        held_on=datetime.date(2025, 3, 1),
        consents=["quote_authority", "quote_public", "follow_up"],
        at_risk=True,
        notes="Notes",
        identity="Identity",
    )
    w["consent"] = interview.consents.order_by("pk").first()
    w["evidence"] = evidence = evidence_upload(
        actor=monitor,
        visit=visit,
        uploaded_file=SimpleUploadedFile("act.pdf", PDF, content_type="application/pdf"),
        kind=Evidence.Kind.DOCUMENT,
        description="Register of injuries",
    )
    w["finding"] = finding_create(
        actor=monitor,
        visit=visit,
        theme=w["theme"],
        severity=Finding.Severity.SERIOUS,
        title="Injuries not registered",
        description="The register of injuries is not kept.",
        sources=[Finding.Source.DOCUMENTS, Finding.Source.DETAINEES],
        evidence=[evidence],
    )
    w["phase"] = Phase.objects.create(
        visit=visit, kind=Phase._meta.get_field("kind").choices[0][0], started_at=timezone.now()
    )
    w["report"] = report = report_start(actor=coordinator, visit=visit)
    w["report_version"] = version_save(actor=coordinator, report=report, reason="matrix")
    w["report_section"] = report_section = report.sections.order_by("id").first()
    w["comment"] = comment_add(actor=coordinator, section=report_section, body="Shorten it.")
    # Sent to the authority: the liaison portal shows it and recommendations from it.
    # As if sent through the release gate (decision 0020): the approved version for the authority
    # is stored on the report, and it is what the liaison reads.
    sections = build(report, lang="ru", internal=False, audience="authority").as_text(quotes=True)
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.SENT,
        sent_on=datetime.date(2025, 4, 1),
        authority_release={
            "texts": {"ru": {"release": 0, "sections": sections, "approved_at": None, "approved_by": None}},
            "sent": {"lang": "ru", "release": 0, "sent_on": "2025-04-01"},
        },
    )
    report.refresh_from_db()

    # Recommendations, the KUIS liaison's response, a letter, a reprisal case.
    w["recommendation"] = rec = recommendation(coordinator, report, facility=facility)
    w["response"] = response = response_submit(
        actor=liaison,
        recommendation=rec,
        text="Measures taken.",
        files=[SimpleUploadedFile("answer.pdf", PDF, content_type="application/pdf")],
    )
    w["attachment"] = response.attachments.get()
    w["letter"] = letter_register(
        actor=coordinator,
        direction=Letter.Direction.OUTGOING,
        number="M-1",
        registered_on=datetime.date(2025, 4, 2),
        subject="Recommendations of the visit",
        authority=kuis,
        facility=facility,
        answer_within=10,
    )
    w["reprisal"] = reprisal_open(
        actor=coordinator,
        facility=facility,
        kind="at_risk",
        raised_on=datetime.date(2025, 3, 2),
        summary="Follow up.",
        interview=interview,
    )
    w["reprisal_person"] = w["reprisal"].person
    w["reprisal_action"] = reprisal_action_add(
        actor=coordinator, case=w["reprisal"], kind="letter", taken_on=datetime.date(2025, 3, 3)
    )

    # Publishing: a published public version (written directly, as the portal tests do).
    now = timezone.now()
    w["public_report"] = public = PublicReport.objects.create(
        report=report,
        lang="en",
        source=build(report, lang="en", internal=False, evidence=False).as_text(),
        status=PublicReport.Status.PUBLISHED,
        published_at=now,
    )
    w["redaction"] = Redaction.objects.create(
        public_report=public, section="summary", start=0, end=1, original="x", kind="manual"
    )
    assert publishing  # the services module is the one the pages use; imported for the reader
    w["media_contact"] = media.media_contact_create(
        actor=coordinator, name="Aigerim N.", outlet="Radio", email="press@example.org"
    )
    w["press_release"] = media.press_release_draft(actor=coordinator, public_report=public, lang="en")

    # Training.
    w["event"] = event = EventFactory()
    w["programme"] = event.programme
    w["session"] = session = SessionFactory(event=event)
    w["enrolment"] = enrolment = EnrolmentFactory(event=event, person=person)
    material = Material(session=session, title="Slides", content_type="application/pdf", size=len(PDF))
    material.sha256 = "0" * 64
    material.file.save("slides.pdf", SimpleUploadedFile("slides.pdf", PDF), save=False)
    material.save()
    w["material"] = material
    w["certificate"] = Certificate.objects.create(
        enrolment=enrolment, code="MATRIX-0001", issued_on=datetime.date(2025, 9, 5), issued_by=coordinator
    )

    # Planning: an announced planned visit at the place, a proposal, an absence, a cost rate.
    w["plan"] = plan = PlanFactory()
    w["planned_visit"] = planned_visit(plan, facility=facility, announced=True)
    w["proposal"] = Proposal.objects.create(
        plan=plan,
        method=Proposal.Method.GREEDY,
        budget=plan.budget,
        summary={"visits": 0, "cost": 0, "risk_covered": 0},
        payload=[],
    )
    w["unavailability"] = Unavailability.objects.create(
        person=person, starts_on=datetime.date(2027, 4, 1), ends_on=datetime.date(2027, 4, 2)
    )
    w["incident"] = Incident.objects.create(
        facility=facility,
        kind=Incident.Kind.COMPLAINT,
        serious=True,  # in the register of deaths and serious incidents too
        occurred_on=datetime.date(2025, 5, 2),
        summary="x",
    )
    w["cost_rate"] = CostRate.objects.order_by("pk").first() or CostRate.objects.create(
        kind=CostRate._meta.get_field("kind").choices[0][0], amount=Decimal("1000")
    )

    # Accounts, background jobs and the outbox.
    w["user"] = monitor  # the account a coordinator manages
    w["proposal_job"] = Job.objects.create(
        kind=Job.Kind.PROPOSAL, owner=coordinator, params={"plan": plan.pk}, status=Job.Status.DONE
    )
    w["annual_job"] = annual = Job.objects.create(
        kind=Job.Kind.ANNUAL_REPORT, owner=coordinator, params={"year": 2025, "lang": "en"}
    )
    job_done(job=annual, result={"bytes": len(PDF)}, output=PDF, filename="annual-2025-en.pdf")
    w["outbox"] = Notification.objects.create(
        kind=Notification.Kind.URGENT_FINDING,
        recipient=coordinator,
        address="alice@example.org",
        subject="Urgent alert",
        body="x",
        status=Notification.Status.FAILED,
        attempts=5,
        next_attempt_at=timezone.now(),
        last_error="550 refused",
    )
    return w
