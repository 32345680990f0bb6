"""Screening of the recommendations and letters the authority reads (docs/decisions/0030):
a hit withholds the text from the authority until edited away or cleared by a second person."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from conftest import client_for, make_user
from dozor.accounts.models import AuditEvent, Role, User
from dozor.core.models import Authority
from dozor.people.tests.factories import PersonFactory
from dozor.recommendations.access import letters_visible_to, recommendations_visible_to
from dozor.recommendations.letters.services import letter_register
from dozor.recommendations.models import Letter, Recommendation, ScreeningClearance
from dozor.recommendations.screening import services as screening
from dozor.recommendations.services import RecommendationData, recommendation_update
from dozor.recommendations.tests.factories import kuis_place, recommendation, report_for
from dozor.visits.interviews.services import interview_record
from dozor.visits.models import Interview, Report

pytestmark = pytest.mark.django_db

IIN = "900101300126"
INTERVIEWEE = "Aidos Serikbayev"
CELL = "cell 14"
CLEAN = "Ensure every newly admitted person is examined by a doctor within 24 hours."


@pytest.fixture
def second_coordinator(db) -> User:  # type: ignore[no-untyped-def]
    return make_user("colleague", Role.COORDINATOR)


@pytest.fixture
def report(coordinator: User) -> Report:
    """A report sent to KUIS (liaison lena's authority) whose visit interviewed a named person."""
    report = report_for(coordinator, kuis_place(), Report.Status.SENT)
    interview_record(
        actor=coordinator,
        visit=report.visit,
        code="D-01",
        category=Interview.Category.DETAINEE,
        held_on=report.visit.started_on,
        identity=f"{INTERVIEWEE}, born 1990",
    )
    return report


def _blocking(obj: Recommendation | Letter) -> list[tuple[str, str]]:
    return [(h.kind, h.text) for h in screening.hits(obj) if h.blocks]


def test_it_sends_a_clean_recommendation_at_once(coordinator: User, liaison: User, report: Report) -> None:
    issued = recommendation(coordinator, report, text=CLEAN)
    assert not issued.withheld and issued.screening == []
    assert recommendations_visible_to(liaison).filter(pk=issued.pk).exists()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (f"Protect {INTERVIEWEE} from any transfer.", "person_name"),
        (f"Return the documents of the detainee with IIN {IIN}.", "iin"),
        ("Call the family at +7 701 123 45 67 before any transfer.", "phone"),
        (f"Repair the window of {CELL} in block 2.", "location"),
    ],
)
def test_it_withholds_a_recommendation_with_a_hit(
    coordinator: User, liaison: User, as_liaison, report: Report, text: str, kind: str
) -> None:
    issued = recommendation(coordinator, report, text=text)
    assert issued.withheld
    assert kind in [k for k, _ in _blocking(issued)]
    # the authority sees nothing of it: its pages, its list, its API
    assert not recommendations_visible_to(liaison).filter(pk=issued.pk).exists()
    assert (
        as_liaison.get(reverse("recommendations:portal_recommendation", args=[issued.pk])).status_code == 404
    )
    assert as_liaison.get(f"/api/v1/recommendations/{issued.pk}/").status_code == 404
    page = as_liaison.get(reverse("recommendations:portal_recommendations")).content.decode()
    assert text not in page


def test_it_names_a_registry_person(coordinator: User, report: Report) -> None:
    PersonFactory(last_name="Zhakupova", first_name="Dana")
    issued = recommendation(coordinator, report, text="Dana Zhakupova must be heard by the prosecutor.")
    assert ("person_name", "Dana Zhakupova") in _blocking(issued)


def test_the_page_lists_each_hit_with_a_translated_message(
    coordinator: User, as_coordinator, report: Report, settings
) -> None:
    issued = recommendation(coordinator, report, text=f"Protect {INTERVIEWEE} held in {CELL}.")
    page = as_coordinator.get(reverse("recommendations:detail", args=[issued.pk])).content.decode()
    assert 'data-testid="screening-withheld"' in page
    assert "Not sent to the authority" in page and INTERVIEWEE in page and CELL in page
    assert page.count('data-testid="screening-hit"') == 2
    # the author may not clear them
    assert 'data-testid="screening-clear"' not in page
    as_coordinator.cookies["django_language"] = "ru"
    settings.LANGUAGE_CODE = "ru"
    ru = as_coordinator.get(reverse("recommendations:detail", args=[issued.pk]), HTTP_ACCEPT_LANGUAGE="ru")
    # the kinds read in the reader's language (the whole message is in /work/helpers/po/h5.*.po)
    assert "Имя лица" in ru.content.decode()


def test_four_eyes_the_author_cannot_clear(coordinator: User, report: Report) -> None:
    issued = recommendation(coordinator, report, text=f"Protect {INTERVIEWEE}.")
    hit = screening.hits(issued)[0]
    with pytest.raises(ValidationError) as refused:
        screening.screening_clear(
            actor=coordinator, obj=issued, field=hit.field, kind=hit.kind, start=hit.start
        )
    assert refused.value.code == "four_eyes"
    assert not ScreeningClearance.objects.exists()
    issued.refresh_from_db()
    assert issued.withheld


def test_whoever_edited_the_text_cannot_clear_either(
    coordinator: User, second_coordinator: User, report: Report
) -> None:
    issued = recommendation(second_coordinator, report, text=CLEAN)
    data = RecommendationData(
        theme=issued.theme, addressee=issued.addressee, issued_on=issued.issued_on, report=report,
        facility=issued.facility, text_en=f"{CLEAN} Protect {INTERVIEWEE}.",
    )  # fmt: skip
    edited = recommendation_update(actor=coordinator, recommendation=issued, data=data)
    assert edited.withheld
    hit = screening.hits(edited)[0]
    for author in (coordinator, second_coordinator):
        with pytest.raises(ValidationError):
            screening.screening_clear(
                actor=author, obj=edited, field=hit.field, kind=hit.kind, start=hit.start
            )


def test_a_second_person_clears_each_hit_and_it_is_audited(
    coordinator: User, second_coordinator: User, liaison: User, report: Report
) -> None:
    issued = recommendation(coordinator, report, text=f"Protect {INTERVIEWEE} held in {CELL}.")
    first, second = screening.hits(issued)
    screening.screening_clear(
        actor=second_coordinator,
        obj=issued,
        field=first.field,
        kind=first.kind,
        start=first.start,
        reason="agreed",
    )
    assert issued.withheld  # one hit is left
    assert not recommendations_visible_to(liaison).filter(pk=issued.pk).exists()
    screening.screening_clear(
        actor=second_coordinator, obj=issued, field=second.field, kind=second.kind, start=second.start
    )
    issued.refresh_from_db()
    assert not issued.withheld
    assert recommendations_visible_to(liaison).filter(pk=issued.pk).exists()
    events = AuditEvent.objects.filter(object_type="recommendations.screeningclearance")
    assert events.count() == 2 and all(e.actor_id == second_coordinator.pk for e in events)
    # the audit log and the row keep no text of the hit
    for row in (*events.values_list("changes", flat=True), issued.screening):
        assert INTERVIEWEE not in str(row) and "14" not in str(
            row.get("text", "") if isinstance(row, dict) else ""
        )
    assert INTERVIEWEE not in str(list(ScreeningClearance.objects.values()))


def test_editing_the_hit_away_releases_it(coordinator: User, liaison: User, report: Report) -> None:
    issued = recommendation(coordinator, report, text=f"Return the documents of IIN {IIN}.")
    assert issued.withheld
    data = RecommendationData(
        theme=issued.theme, addressee=issued.addressee, issued_on=issued.issued_on, report=report,
        facility=issued.facility, text_en="Return the documents of the detainee concerned.",
    )  # fmt: skip
    edited = recommendation_update(actor=coordinator, recommendation=issued, data=data)
    assert not edited.withheld and edited.screening == []
    assert recommendations_visible_to(liaison).filter(pk=issued.pk).exists()


def test_a_changed_hit_needs_a_new_clearance(
    coordinator: User, second_coordinator: User, report: Report
) -> None:
    issued = recommendation(coordinator, report, text=f"Repair the window of {CELL}.")
    hit = screening.hits(issued)[0]
    screening.screening_clear(
        actor=second_coordinator, obj=issued, field=hit.field, kind=hit.kind, start=hit.start
    )
    issued.refresh_from_db()
    assert not issued.withheld
    data = RecommendationData(
        theme=issued.theme, addressee=issued.addressee, issued_on=issued.issued_on, report=report,
        facility=issued.facility, text_en="Repair the window of cell 15.",
    )  # fmt: skip
    assert recommendation_update(actor=coordinator, recommendation=issued, data=data).withheld


def test_the_clear_page_four_eyes_and_personas(
    coordinator: User, second_coordinator: User, report: Report, as_coordinator, as_council, as_liaison
) -> None:
    issued = recommendation(coordinator, report, text=f"Protect {INTERVIEWEE}.")
    hit = screening.hits(issued)[0]
    url = reverse("recommendations:recommendation_screening_clear", args=[issued.pk])
    post = {"field": hit.field, "kind": hit.kind, "start": hit.start, "reason": "public figure"}
    refused = as_coordinator.post(url, post, follow=True)
    assert "other than the author" in refused.content.decode()
    assert as_liaison.post(url, post).status_code == 404
    assert as_council.post(url, post).status_code == 403
    assert not ScreeningClearance.objects.exists()
    colleague = client_for(second_coordinator)
    page = colleague.get(reverse("recommendations:detail", args=[issued.pk])).content.decode()
    assert 'data-testid="screening-clear"' in page
    done = colleague.post(url, post, follow=True)
    assert done.status_code == 200 and 'data-testid="screening-cleared"' in done.content.decode()
    issued.refresh_from_db()
    assert not issued.withheld


def test_the_api_gives_the_same_refusal(coordinator: User, report: Report) -> None:
    issued = recommendation(coordinator, report, text=f"Protect {INTERVIEWEE}.")
    body = client_for(coordinator).get(f"/api/v1/recommendations/{issued.pk}/").json()
    assert body["authority_screening"]["withheld"] is True
    assert body["authority_screening"]["message"] == screening.withheld_message(issued)
    assert [h["text"] for h in body["authority_screening"]["hits"]] == [INTERVIEWEE]


# --- letters --------------------------------------------------------------------------------------


def _letter(actor: User, **overrides: object) -> Letter:
    values: dict[str, object] = {
        "direction": Letter.Direction.OUTGOING,
        "number": "04-12/100",
        "registered_on": datetime.date(2025, 4, 2),
        "authority": Authority.objects.get(code="KUIS"),
        "subject": "Recommendations after the visit",
        **overrides,
    }
    return letter_register(actor=actor, **values)  # type: ignore[arg-type]


def test_a_clean_letter_reaches_the_liaison(coordinator: User, liaison: User) -> None:
    letter = _letter(coordinator, summary="We ask for an answer within ten working days.")
    assert not letter.withheld and letters_visible_to(liaison).filter(pk=letter.pk).exists()


def test_a_letter_with_a_hit_is_withheld_until_cleared(
    coordinator: User, second_coordinator: User, liaison: User, as_liaison, report: Report
) -> None:
    letter = _letter(coordinator, report=report, summary=f"About {INTERVIEWEE}, held in {CELL}.")
    letter.refresh_from_db()
    assert letter.withheld
    assert sorted(k for k, _ in _blocking(letter)) == ["location", "person_name"]
    assert not letters_visible_to(liaison).filter(pk=letter.pk).exists()
    assert as_liaison.get(reverse("recommendations:letter_detail", args=[letter.pk])).status_code == 404
    assert INTERVIEWEE not in as_liaison.get(reverse("recommendations:letter_list")).content.decode()
    assert INTERVIEWEE not in as_liaison.get("/api/v1/letters/").content.decode()
    page = client_for(coordinator).get(reverse("recommendations:letter_detail", args=[letter.pk]))
    assert "Not sent to the authority" in page.content.decode()
    with pytest.raises(ValidationError):
        hit = screening.hits(letter)[0]
        screening.screening_clear(
            actor=coordinator, obj=letter, field=hit.field, kind=hit.kind, start=hit.start
        )
    colleague = client_for(second_coordinator)
    url = reverse("recommendations:letter_screening_clear", args=[letter.pk])
    for hit in screening.hits(letter):
        colleague.post(url, {"field": hit.field, "kind": hit.kind, "start": hit.start})
    letter.refresh_from_db()
    assert not letter.withheld and letters_visible_to(liaison).filter(pk=letter.pk).exists()


def test_only_letter_managers_clear(council: User, coordinator: User) -> None:
    letter = _letter(coordinator, subject=f"IIN {IIN}")
    hit = screening.hits(letter)[0]
    with pytest.raises(PermissionDenied):
        screening.screening_clear(actor=council, obj=letter, field=hit.field, kind=hit.kind, start=hit.start)


def test_hits_are_frozen_values() -> None:
    hit = screening.Hit("text_en", "iin", 0, 12, IIN, None)
    assert hit.blocks and hit.kind_label == "IIN (individual identification number)"
    with pytest.raises(dataclasses.FrozenInstanceError):
        hit.kind = "phone"  # type: ignore[misc]


def test_the_api_clears_with_four_eyes(coordinator: User, second_coordinator: User, report: Report) -> None:
    issued = recommendation(coordinator, report, text=f"Protect {INTERVIEWEE}.")
    hit = screening.hits(issued)[0]
    url = f"/api/v1/recommendations/{issued.pk}/screening-clear/"
    body = {"field": hit.field, "kind": hit.kind, "start": hit.start, "reason": "public figure"}
    refused = client_for(coordinator).post(url, body, content_type="application/json")
    assert refused.status_code == 400 and "other than the author" in refused.content.decode()
    done = client_for(second_coordinator).post(url, body, content_type="application/json")
    assert done.status_code == 200
    assert done.json()["authority_screening"]["withheld"] is False
    assert done.json()["authority_screening"]["hits"][0]["cleared"] is True


def test_the_api_refuses_the_liaison_and_council(
    council: User, liaison: User, coordinator: User, report: Report
) -> None:
    issued = recommendation(coordinator, report, text=f"Protect {INTERVIEWEE}.")
    url = f"/api/v1/recommendations/{issued.pk}/screening-clear/"
    body = {"field": "text_en", "kind": "person_name", "start": 8}
    assert client_for(council).post(url, body, content_type="application/json").status_code == 403
    assert client_for(liaison).post(url, body, content_type="application/json").status_code in (403, 404)
    assert not ScreeningClearance.objects.exists()
