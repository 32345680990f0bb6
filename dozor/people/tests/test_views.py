from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dozor.core.models import Authority
from dozor.facilities.tests.factories import FacilityFactory, health_facility
from dozor.people.models import (
    ConflictOfInterest,
    EligibilityDeclaration,
    EligibilityRule,
    Organisation,
    Participation,
    Person,
)
from dozor.people.tests.factories import (
    ConflictFactory,
    OrganisationFactory,
    ParticipationFactory,
    PersonFactory,
    declare_all,
)

pytestmark = pytest.mark.django_db

EMAIL = "aigerim.private@example.org"
READERS = ["as_monitor", "as_council", "as_trainer"]


@pytest.fixture
def aigerim() -> Person:
    """A candidate participant with private data: contacts, declarations, a conflict of interest."""
    person = PersonFactory(
        last_name="Seitkali",
        first_name="Aigerim",
        email=EMAIL,
        phone="+7 701 555 12 34",
        organisation=OrganisationFactory(name_en="Charter for Human Rights"),
        expertise=["lawyer"],
        languages=["kk", "ru"],
    )
    ParticipationFactory(person=person)
    declare_all(person)
    ConflictFactory(person=person, authority=Authority.objects.get(code="KUIS"), reason="Brother is a guard")
    return person


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# Person list


def test_it_lists_persons_with_create_button_for_coordinator(as_coordinator, aigerim):
    response = as_coordinator.get(reverse("people:person_list"))

    assert response.status_code == 200
    assert response.context["section"] == "persons"
    assert "Seitkali Aigerim" in response.text
    assert reverse("people:person_create") in response.text


@pytest.mark.parametrize("client_name", READERS)
def test_it_shows_the_roster_read_only_without_contacts(client_name, request, aigerim):
    client = request.getfixturevalue(client_name)

    response = client.get(reverse("people:person_list"))

    assert response.status_code == 200
    assert "Seitkali Aigerim" in response.text
    assert "Lawyer" in response.text
    assert EMAIL not in response.text
    assert reverse("people:person_create") not in response.text


def test_it_refuses_the_person_list_to_a_liaison(as_liaison, aigerim):
    response = as_liaison.get(reverse("people:person_list"))

    assert response.status_code == 403
    assert "Seitkali" not in response.text


def test_it_sends_anonymous_visitors_to_sign_in(anonymous):
    assert_login_redirect(anonymous.get(reverse("people:person_list")))
    assert_login_redirect(anonymous.get(reverse("people:organisation_list")))


def test_it_returns_only_the_results_fragment_to_htmx(as_monitor, aigerim):
    response = as_monitor.get(reverse("people:person_list"), {"q": "seitk"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Seitkali Aigerim" in response.text


def test_it_filters_persons(as_coordinator, aigerim):
    PersonFactory(last_name="Doctorov", expertise=["doctor"], region=None)

    by_expertise = as_coordinator.get(reverse("people:person_list"), {"expertise": "doctor"})
    by_status = as_coordinator.get(reverse("people:person_list"), {"status": "candidate"})
    by_region = as_coordinator.get(reverse("people:person_list"), {"region": "KGD"})

    assert "Doctorov" in by_expertise.text and "Seitkali" not in by_expertise.text
    assert "Seitkali" in by_status.text and "Doctorov" not in by_status.text
    assert "Seitkali" in by_region.text and "Doctorov" not in by_region.text


def test_it_finds_by_email_only_for_coordinators(as_coordinator, as_monitor, aigerim):
    assert "Seitkali" in as_coordinator.get(reverse("people:person_list"), {"q": "aigerim.private"}).text
    assert "Seitkali" not in as_monitor.get(reverse("people:person_list"), {"q": "aigerim.private"}).text


def _make_persons(count: int) -> None:
    for _ in range(count):
        person = PersonFactory(expertise=["lawyer", "doctor"], languages=["kk", "ru"])
        ParticipationFactory(person=person)


@pytest.mark.parametrize("count", [3, 30])
def test_it_lists_persons_in_a_bounded_number_of_queries(
    count, as_coordinator, django_assert_max_num_queries
):
    _make_persons(count)

    with django_assert_max_num_queries(11):
        response = as_coordinator.get(reverse("people:person_list"))

    assert response.context["page"].paginator.count == count


@pytest.mark.parametrize("count", [3, 30])
def test_it_lists_organisations_in_a_bounded_number_of_queries(
    count, as_coordinator, django_assert_max_num_queries
):
    _make_persons(count)  # one organisation per person

    with django_assert_max_num_queries(8):
        response = as_coordinator.get(reverse("people:organisation_list"))

    assert response.context["page"].paginator.count == count


# Person detail


def test_it_shows_private_data_to_the_coordinator(as_coordinator, aigerim):
    response = as_coordinator.get(reverse("people:person_detail", args=[aigerim.pk]))

    assert response.status_code == 200
    assert EMAIL in response.text
    assert "Brother is a guard" in response.text
    assert "Eligible" in response.text
    assert reverse("people:person_edit", args=[aigerim.pk]) in response.text


@pytest.mark.parametrize("client_name", READERS)
def test_it_hides_private_data_from_readers(client_name, request, aigerim):
    client = request.getfixturevalue(client_name)

    response = client.get(reverse("people:person_detail", args=[aigerim.pk]))

    assert response.status_code == 200
    assert "Seitkali Aigerim" in response.text
    assert "Charter for Human Rights" in response.text
    assert "Candidate" in response.text
    for private in (EMAIL, "+7 701 555 12 34", "Brother is a guard", "Eligible", "Conflicts of interest"):
        assert private not in response.text
    assert reverse("people:person_edit", args=[aigerim.pk]) not in response.text


def test_it_hides_a_person_from_a_liaison(as_liaison, anonymous, aigerim):
    url = reverse("people:person_detail", args=[aigerim.pk])

    assert as_liaison.get(url).status_code == 404
    assert_login_redirect(anonymous.get(url))


def test_it_warns_when_an_active_participant_is_no_longer_eligible(as_coordinator, aigerim):
    Participation.objects.filter(person=aigerim).update(status=Participation.Status.ACTIVE)
    EligibilityDeclaration.objects.filter(person=aigerim, rule__code="judge").update(answer=True)

    response = as_coordinator.get(reverse("people:person_detail", args=[aigerim.pk]))

    assert "is not eligible on their current declarations" in response.text


# Person create / edit


def test_it_creates_a_person(as_coordinator):
    response = as_coordinator.post(
        reverse("people:person_create"),
        {"last_name": "Nurlanova", "first_name": "Saule", "gender": "female", "expertise": ["1"]},
    )

    person = Person.objects.get(last_name="Nurlanova")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:person_detail", args=[person.pk])
    assert person.search_text == "nurlanova | saule"


def test_it_shows_a_clear_message_for_a_missing_name(as_coordinator):
    response = as_coordinator.post(reverse("people:person_create"), {"last_name": "", "first_name": "Saule"})

    assert response.status_code == 400
    assert "This field is required." in response.text
    assert not Person.objects.exists()


def test_it_labels_every_input_on_the_person_form(as_coordinator):
    response = as_coordinator.get(reverse("people:person_create"))

    assert response.status_code == 200
    for name in ("last_name", "first_name", "email", "phone", "organisation", "region"):
        assert f'<label for="id_{name}"' in response.text
    assert "<legend>Expertise</legend>" in response.text


@pytest.mark.parametrize("client_name", READERS)
def test_it_refuses_person_forms_to_readers(client_name, request, aigerim):
    client = request.getfixturevalue(client_name)

    assert client.get(reverse("people:person_create")).status_code == 403
    assert (
        client.post(reverse("people:person_create"), {"last_name": "X", "first_name": "Y"}).status_code == 403
    )
    response = client.post(
        reverse("people:person_edit", args=[aigerim.pk]), {"last_name": "X", "first_name": "Y"}
    )
    assert response.status_code == 403
    aigerim.refresh_from_db()
    assert aigerim.last_name == "Seitkali"


def test_it_hides_person_forms_from_a_liaison(as_liaison, anonymous, aigerim):
    assert as_liaison.get(reverse("people:person_create")).status_code == 403
    assert as_liaison.get(reverse("people:person_edit", args=[aigerim.pk])).status_code == 404
    assert_login_redirect(anonymous.get(reverse("people:person_edit", args=[aigerim.pk])))


def test_it_edits_a_person(as_coordinator, aigerim):
    response = as_coordinator.post(
        reverse("people:person_edit", args=[aigerim.pk]),
        {"last_name": "Seitkali-Nur", "first_name": "Aigerim", "gender": "female", "email": EMAIL},
    )

    assert response.status_code == 302
    aigerim.refresh_from_db()
    assert aigerim.last_name == "Seitkali-Nur"
    assert aigerim.search_text.startswith("seitkali nur")  # dashes fold to spaces (search_fold)
    assert not aigerim.expertise.exists()  # the form sends the full list: none ticked


# Participation


def test_it_refuses_to_activate_an_excluded_person_with_a_message(as_coordinator, aigerim):
    EligibilityDeclaration.objects.filter(person=aigerim, rule__code="judge").update(answer=True)
    participation = aigerim.participations.get()

    response = as_coordinator.post(
        reverse("people:participation_edit", args=[participation.pk]),
        {"term_start": "2025-01-01", "status": "active"},
    )

    assert response.status_code == 400
    assert "This person cannot be made active: excluded by the rules (Serving judge)." in response.text
    participation.refresh_from_db()
    assert participation.status == Participation.Status.CANDIDATE


def test_it_refuses_to_activate_an_incomplete_person_with_a_message(as_coordinator):
    person = PersonFactory()

    response = as_coordinator.post(
        reverse("people:participation_add", args=[person.pk]),
        {"term_start": "2025-01-01", "status": "active"},
    )

    assert response.status_code == 400
    assert "eligibility questions are not answered yet" in response.text
    assert not Participation.objects.filter(person=person).exists()


def test_it_activates_an_eligible_person(as_coordinator, aigerim):
    participation = aigerim.participations.get()

    response = as_coordinator.post(
        reverse("people:participation_edit", args=[participation.pk]),
        {"term_start": "2025-01-01", "status": "active", "decision_ref": "CC-2025/4"},
    )

    assert response.status_code == 302
    participation.refresh_from_db()
    assert (participation.status, participation.decision_ref) == ("active", "CC-2025/4")


def test_it_refuses_a_term_ending_before_it_starts(as_coordinator, aigerim):
    response = as_coordinator.post(
        reverse("people:participation_add", args=[aigerim.pk]),
        {"term_start": "2025-06-01", "term_end": "2025-01-01", "status": "candidate"},
    )

    assert response.status_code == 400
    assert "The term cannot end before it starts." in response.text
    assert aigerim.participations.count() == 1


@pytest.mark.parametrize("client_name", READERS)
def test_it_refuses_participation_forms_to_readers(client_name, request, aigerim):
    client = request.getfixturevalue(client_name)
    participation = aigerim.participations.get()

    assert client.get(reverse("people:participation_add", args=[aigerim.pk])).status_code == 403
    response = client.post(
        reverse("people:participation_edit", args=[participation.pk]),
        {"term_start": "2025-01-01", "status": "active"},
    )
    assert response.status_code == 403


def test_it_hides_participation_forms_from_a_liaison(as_liaison, anonymous, aigerim):
    participation = aigerim.participations.get()

    assert as_liaison.get(reverse("people:participation_add", args=[aigerim.pk])).status_code == 404
    assert as_liaison.get(reverse("people:participation_edit", args=[participation.pk])).status_code == 404
    assert_login_redirect(anonymous.get(reverse("people:participation_add", args=[aigerim.pk])))


# Eligibility


def test_it_shows_every_question_and_the_result(as_coordinator, aigerim):
    EligibilityDeclaration.objects.filter(person=aigerim, rule__code="military").delete()

    response = as_coordinator.get(reverse("people:eligibility", args=[aigerim.pk]))

    assert response.status_code == 200
    for rule in EligibilityRule.objects.filter(is_active=True):
        assert rule.question_en in response.text
    assert "Incomplete" in response.text
    assert 'type="radio"' in response.text


def test_it_shows_questions_in_the_current_language(as_coordinator, aigerim):
    response = as_coordinator.get(reverse("people:eligibility", args=[aigerim.pk]), HTTP_ACCEPT_LANGUAGE="ru")
    judge = EligibilityRule.objects.get(code="judge")

    assert judge.question_ru in response.text
    assert judge.question_en not in response.text


def test_it_records_a_declaration(as_coordinator):
    person = PersonFactory()
    data = {f"rule_{rule.pk}": "no" for rule in EligibilityRule.objects.filter(is_active=True)}
    data["declared_on"] = "2025-03-01"
    judge = EligibilityRule.objects.get(code="judge")
    data[f"rule_{judge.pk}"] = "yes"

    response = as_coordinator.post(reverse("people:eligibility", args=[person.pk]), data)

    assert response.status_code == 302
    assert EligibilityDeclaration.objects.get(person=person, rule=judge).answer is True
    assert "Excluded" in as_coordinator.get(response["Location"]).text


def test_it_refuses_an_incomplete_declaration_with_a_message(as_coordinator):
    person = PersonFactory()

    response = as_coordinator.post(
        reverse("people:eligibility", args=[person.pk]), {"declared_on": "2025-03-01"}
    )

    assert response.status_code == 400
    assert "Answer this question." in response.text
    assert not EligibilityDeclaration.objects.filter(person=person).exists()


@pytest.mark.parametrize("client_name", READERS)
def test_it_keeps_eligibility_from_readers(client_name, request, aigerim):
    client = request.getfixturevalue(client_name)
    url = reverse("people:eligibility", args=[aigerim.pk])

    response = client.get(url)
    assert response.status_code == 403
    assert EligibilityRule.objects.get(code="judge").question_en not in response.text
    assert client.post(url, {"declared_on": "2025-03-01"}).status_code == 403


def test_it_hides_eligibility_from_a_liaison(as_liaison, anonymous, aigerim):
    url = reverse("people:eligibility", args=[aigerim.pk])

    assert as_liaison.get(url).status_code == 404
    assert_login_redirect(anonymous.get(url))


# Conflicts of interest


def test_it_records_a_conflict_with_a_facility(as_coordinator, aigerim):
    facility = FacilityFactory()

    response = as_coordinator.post(
        reverse("people:conflict_add", args=[aigerim.pk]),
        {"facility": facility.pk, "reason": "Cousin detained there", "declared_on": "2025-02-01"},
    )

    assert response.status_code == 302
    assert ConflictOfInterest.objects.filter(person=aigerim, facility=facility).exists()


def test_it_refuses_a_conflict_without_a_target(as_coordinator, aigerim):
    response = as_coordinator.post(
        reverse("people:conflict_add", args=[aigerim.pk]),
        {"reason": "Something", "declared_on": "2025-02-01"},
    )

    assert response.status_code == 400
    assert "Choose the authority or the facility the person must not visit." in response.text
    assert aigerim.conflicts.count() == 1


def test_it_offers_the_facilities_the_user_may_see(as_coordinator, aigerim):
    kuis_place = FacilityFactory(name_en="Colony No. 7")
    health_place = health_facility(name_en="Regional psychiatric hospital")

    response = as_coordinator.get(reverse("people:conflict_add", args=[aigerim.pk]))

    choices = {c.pk for c in response.context["form"].fields["facility"].queryset}
    assert {kuis_place.pk, health_place.pk} <= choices
    assert '<label for="id_facility"' in response.text


def test_it_ends_a_conflict(as_coordinator, aigerim):
    conflict = aigerim.conflicts.get()

    response = as_coordinator.post(
        reverse("people:conflict_end", args=[conflict.pk]), {"ended_on": "2025-03-01"}
    )

    assert response.status_code == 302
    conflict.refresh_from_db()
    assert conflict.ended_on == datetime.date(2025, 3, 1)


def test_it_explains_why_a_conflict_cannot_end_then(as_coordinator, aigerim):
    conflict = aigerim.conflicts.get()

    response = as_coordinator.post(
        reverse("people:conflict_end", args=[conflict.pk]), {"ended_on": "2020-01-01"}, follow=True
    )

    assert "The end date cannot be before the date it was declared." in response.text
    conflict.refresh_from_db()
    assert conflict.ended_on is None


@pytest.mark.parametrize("client_name", READERS)
def test_it_refuses_conflict_forms_to_readers(client_name, request, aigerim):
    client = request.getfixturevalue(client_name)
    conflict = aigerim.conflicts.get()

    assert client.get(reverse("people:conflict_add", args=[aigerim.pk])).status_code == 403
    assert (
        client.post(
            reverse("people:conflict_end", args=[conflict.pk]), {"ended_on": "2025-03-01"}
        ).status_code
        == 404
    )
    conflict.refresh_from_db()
    assert conflict.ended_on is None


def test_it_hides_conflict_forms_from_a_liaison(as_liaison, anonymous, aigerim):
    conflict = aigerim.conflicts.get()

    assert as_liaison.get(reverse("people:conflict_add", args=[aigerim.pk])).status_code == 404
    assert as_liaison.post(reverse("people:conflict_end", args=[conflict.pk])).status_code == 404
    assert_login_redirect(anonymous.get(reverse("people:conflict_add", args=[aigerim.pk])))


# Organisations


def test_it_lists_organisations_for_coordinator(as_coordinator, aigerim):
    response = as_coordinator.get(reverse("people:organisation_list"), {"kind": "ngo"})

    assert response.status_code == 200
    assert response.context["section"] == "organisations"
    assert "Charter for Human Rights" in response.text
    assert reverse("people:organisation_create") in response.text


@pytest.mark.parametrize("client_name", READERS)
def test_it_shows_organisations_read_only(client_name, request, aigerim):
    client = request.getfixturevalue(client_name)
    organisation = aigerim.organisation

    listing = client.get(reverse("people:organisation_list"))
    detail = client.get(reverse("people:organisation_detail", args=[organisation.pk]))

    assert listing.status_code == detail.status_code == 200
    assert "Charter for Human Rights" in listing.text
    assert "Seitkali Aigerim" in detail.text
    assert EMAIL not in detail.text
    assert reverse("people:organisation_create") not in listing.text
    assert reverse("people:organisation_edit", args=[organisation.pk]) not in detail.text
    assert client.get(reverse("people:organisation_create")).status_code == 403
    assert client.get(reverse("people:organisation_edit", args=[organisation.pk])).status_code == 403


def test_it_hides_organisations_from_a_liaison(as_liaison, anonymous, aigerim):
    organisation = aigerim.organisation

    assert as_liaison.get(reverse("people:organisation_list")).status_code == 403
    assert as_liaison.get(reverse("people:organisation_create")).status_code == 403
    assert as_liaison.get(reverse("people:organisation_detail", args=[organisation.pk])).status_code == 404
    assert as_liaison.get(reverse("people:organisation_edit", args=[organisation.pk])).status_code == 404
    assert_login_redirect(anonymous.get(reverse("people:organisation_detail", args=[organisation.pk])))


def test_it_creates_and_edits_an_organisation(as_coordinator):
    response = as_coordinator.post(
        reverse("people:organisation_create"), {"name_en": "Kazakhstan Bureau", "kind": "ngo"}
    )
    organisation = Organisation.objects.get(name_en="Kazakhstan Bureau")
    assert response["Location"] == reverse("people:organisation_detail", args=[organisation.pk])

    response = as_coordinator.post(
        reverse("people:organisation_edit", args=[organisation.pk]),
        {"name_en": "Kazakhstan International Bureau", "kind": "ngo", "website": "https://bureau.example.kz"},
    )

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.search_text == "kazakhstan international bureau"


def test_it_refuses_an_organisation_without_a_name(as_coordinator):
    response = as_coordinator.post(reverse("people:organisation_create"), {"kind": "ngo"})

    assert response.status_code == 400
    assert "Give the name in at least one language." in response.text
    assert not Organisation.objects.exists()


def test_it_dates_forms_today_by_default(as_coordinator, aigerim):
    response = as_coordinator.get(reverse("people:conflict_add", args=[aigerim.pk]))

    assert timezone.localdate().isoformat() in response.text
