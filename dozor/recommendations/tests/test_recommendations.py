"""The NPM's recommendation pages: list and filters, detail, issuing with repeat detection,
correcting, changing the status, and the visit page's open recommendations (dozor.recommendations.views)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from dozor.accounts.models import User
from dozor.recommendations.models import Letter, Recommendation, Response, Status, StatusChange
from dozor.recommendations.services import status_change
from dozor.recommendations.tests.factories import health_place, kuis_place, recommendation, report_for
from dozor.standards.models import Theme
from dozor.visits.models import Report, TeamMember

pytestmark = pytest.mark.django_db

LIST = reverse("recommendations:list")


def _detail(rec: Recommendation) -> str:
    return reverse("recommendations:detail", args=[rec.pk])


def _form_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "source": Recommendation.Source.OTHER,
        "source_reference": "Annual report 2024, para. 12",
        "addressee": Recommendation.Addressee.FACILITY,
        "theme": Theme.objects.get(code="safeguards").pk,
        "text_en": "Every person admitted must be examined by a doctor within 24 hours of arrival.",
        "priority": Recommendation.Priority.HIGH,
        "term": Recommendation.Term.SHORT,
        "issued_on": "2025-06-01",
    }
    data.update(overrides)
    return data


# --- access -----------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(anonymous: Client, coordinator: User):
    rec = recommendation(coordinator, facility=kuis_place())
    for url in (
        LIST,
        _detail(rec),
        reverse("recommendations:create"),
        reverse("recommendations:status_change", args=[rec.pk]),
        reverse("recommendations:export_csv"),
    ):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


def test_a_trainer_sees_nothing(as_trainer: Client, coordinator: User):
    rec = recommendation(coordinator, facility=kuis_place())
    assert as_trainer.get(LIST).status_code == 403
    assert as_trainer.get(_detail(rec)).status_code == 404
    assert as_trainer.get(reverse("recommendations:status_change", args=[rec.pk])).status_code == 404
    assert as_trainer.get(reverse("recommendations:export_csv")).status_code == 403


def test_a_liaison_of_another_authority_gets_404(as_other_liaison: Client, coordinator: User):
    rec = recommendation(coordinator, report_for(coordinator, kuis_place()))
    for url in (
        _detail(rec),
        reverse("recommendations:edit", args=[rec.pk]),
        reverse("recommendations:status_change", args=[rec.pk]),
    ):
        assert as_other_liaison.get(url).status_code == 404, url
    assert as_other_liaison.post(reverse("recommendations:repeat", args=[rec.pk])).status_code == 404


def test_a_liaison_never_gets_the_npm_forms_and_is_sent_to_the_portal(as_liaison: Client, coordinator: User):
    rec = recommendation(coordinator, report_for(coordinator, kuis_place()))
    assert as_liaison.get(reverse("recommendations:create")).status_code == 403
    assert as_liaison.get(reverse("recommendations:status_change", args=[rec.pk])).status_code == 403
    assert as_liaison.get(reverse("recommendations:edit", args=[rec.pk])).status_code == 403
    try:
        portal = reverse("recommendations:portal")
    except NoReverseMatch:  # without the portal the list shows only what the liaison sees
        response = as_liaison.get(LIST)
        assert list(response.context["page"]) == [rec]
    else:
        assert as_liaison.get(LIST)["Location"] == portal
        assert as_liaison.get(_detail(rec))["Location"] == reverse(
            "recommendations:portal_recommendation", args=[rec.pk]
        )


def test_a_council_member_reads_but_does_not_write(as_council: Client, coordinator: User):
    rec = recommendation(coordinator, facility=kuis_place())
    response = as_council.get(_detail(rec))
    assert response.status_code == 200
    assert b'data-testid="change-status"' not in response.content
    assert b'data-testid="new-recommendation"' not in as_council.get(LIST).content
    assert as_council.get(reverse("recommendations:create")).status_code == 403
    assert as_council.post(reverse("recommendations:create"), _form_data()).status_code == 403
    assert as_council.post(reverse("recommendations:status_change", args=[rec.pk]), {}).status_code == 403
    assert as_council.post(reverse("recommendations:repeat", args=[rec.pk]), {}).status_code == 403
    assert not Recommendation.objects.exclude(pk=rec.pk).exists()


# --- list -------------------------------------------------------------------------------------------


def test_the_list_filters(as_coordinator: Client, coordinator: User):
    kuis, hospital = kuis_place(), health_place()
    doctor = recommendation(coordinator, facility=kuis, deadline=datetime.date(2025, 5, 1))
    water = recommendation(
        coordinator,
        facility=hospital,
        text="Provide drinking water at all times.",
        theme="conditions" if Theme.objects.filter(code="conditions").exists() else "safeguards",
        issued_on=datetime.date(2024, 2, 1),
    )
    repeat = recommendation(
        coordinator, facility=kuis, repeat_of=doctor, source=Recommendation.Source.THEMATIC
    )
    Recommendation.objects.filter(pk=repeat.pk).update(status=Status.objects.get(code="implemented"))

    def found(**params: object) -> set[Recommendation]:
        response = as_coordinator.get(LIST, params)
        assert response.status_code == 200
        return set(response.context["page"])

    assert found() == {doctor, water, repeat}
    assert found(q="DRINKING water") == {water}
    assert found(authority="MZ") == {water}
    assert found(authority="MVD") == {doctor, repeat}  # KUIS is under the Interior Ministry
    assert found(region=hospital.region.code) >= {water}
    assert found(facility_type="PSYCH_HOSPITAL") == {water}
    assert found(year=2024) == {water}
    assert found(status="implemented") == {repeat}
    assert found(source="thematic") == {repeat}
    assert found(overdue="on") == {doctor}
    assert found(repeated="on") == {repeat}
    assert found(theme="safeguards") >= {doctor, repeat}
    assert found(year="not a year") == {doctor, water, repeat}  # a bad filter is ignored


def test_the_list_reads_a_bounded_number_of_queries(
    as_coordinator: Client, coordinator: User, django_assert_max_num_queries
):
    kuis, hospital = kuis_place(), health_place()
    first = recommendation(coordinator, facility=kuis)
    for i in range(29):
        recommendation(
            coordinator,
            facility=kuis if i % 2 else hospital,
            text=f"Recommendation number {i}",
            repeat_of=first if i % 3 == 0 else None,
            deadline=datetime.date(2025, 5, 1),
        )
    with django_assert_max_num_queries(12):
        response = as_coordinator.get(LIST)
    assert response.status_code == 200
    assert len(response.context["page"]) == 30
    assert response.content.count(b'data-testid="recommendation-row"') == 30


# --- detail -----------------------------------------------------------------------------------------


def test_the_detail_shows_texts_history_repeats_and_the_report_to_those_who_see_it(
    as_coordinator: Client, as_monitor: Client, coordinator: User
):
    place = kuis_place()
    report = report_for(coordinator, place)
    earlier = recommendation(coordinator, report, issued_on=datetime.date(2024, 1, 10))
    rec = recommendation(
        coordinator,
        report,
        text_ru="Обеспечить осмотр врачом.",
        repeat_of=earlier,
        text="Examine by a doctor.",
    )
    later = recommendation(coordinator, report, repeat_of=rec)
    status_change(
        actor=coordinator,
        recommendation=rec,
        status=Status.objects.get(code="partially_implemented"),
        changed_on=datetime.date(2025, 5, 2),
        verification=StatusChange.Verification.ON_SITE,
        visit=report.visit,
        evidence="Medical register checked on site",
    )
    answer = Response.objects.create(
        recommendation=rec,
        authority=place.authority,
        text="A doctor now works every day.",
        submitted_by=coordinator,
    )
    letter = Letter.objects.create(
        direction=Letter.Direction.OUTGOING,
        number="04-12/345",
        registered_on=datetime.date(2025, 4, 3),
        authority=place.authority,
        subject="Visit report",
    )
    letter.recommendations.add(rec)
    response = as_coordinator.get(_detail(rec))
    content = response.content.decode()
    assert "A doctor now works every day." in content and "04-12/345" in content
    assert response.context["responses"] == [answer] and response.context["letters"] == [letter]
    assert "Обеспечить осмотр врачом." in content and "Examine by a doctor." in content
    assert response.context["repeats_of"] == [earlier]
    assert response.context["repeated_by"] == [later]
    assert "Medical register checked on site" in content and "Verified on site" in content
    assert 'data-testid="report-link"' in content
    # a monitor not on the visit's team reads the recommendation but not the report
    response = as_monitor.get(_detail(rec))
    assert response.status_code == 200 and 'data-testid="report-link"' not in response.content.decode()


def test_the_detail_suggests_similar_recommendations_and_links_a_repeat(
    as_coordinator: Client, coordinator: User
):
    place = kuis_place()
    earlier = recommendation(coordinator, facility=place, issued_on=datetime.date(2024, 1, 10))
    rec = recommendation(
        coordinator,
        facility=place,
        text="Every person admitted must be examined by a doctor within 24 hours.",
    )
    response = as_coordinator.get(_detail(rec))
    assert [other for other, _score in response.context["similar"]] == [earlier]
    response = as_coordinator.post(
        reverse("recommendations:repeat", args=[rec.pk]), {"repeat_of": earlier.pk}
    )
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.repeat_of == earlier
    response = as_coordinator.post(
        reverse("recommendations:repeat", args=[rec.pk]), {"repeat_of": 99999}, follow=True
    )
    assert "There is no recommendation no. 99999." in response.content.decode()
    response = as_coordinator.post(
        reverse("recommendations:repeat", args=[rec.pk]), {"repeat_of": rec.pk}, follow=True
    )
    assert "cannot repeat itself" in response.content.decode()
    rec.refresh_from_db()
    assert rec.repeat_of == earlier
    as_coordinator.post(reverse("recommendations:repeat", args=[rec.pk]), {"repeat_of": ""})
    rec.refresh_from_db()
    assert rec.repeat_of is None


# --- issuing with repeat detection --------------------------------------------------------------------


def test_issuing_shows_similar_recommendations_and_links_the_chosen_repeat(
    as_coordinator: Client, coordinator: User
):
    place = kuis_place()
    earlier = recommendation(coordinator, facility=place, issued_on=datetime.date(2024, 1, 10))
    url = reverse("recommendations:create")
    data = _form_data(facility=place.pk)
    response = as_coordinator.post(url, data)
    assert response.status_code == 200
    assert [other for other, _score in response.context["similar"]] == [earlier]
    assert b'data-testid="similar-recommendations"' in response.content
    assert Recommendation.objects.count() == 1
    checked = response.context["choice"]["checked"].value()
    response = as_coordinator.post(url, {**data, "repeat_choice": str(earlier.pk), "checked": checked})
    assert response.status_code == 302
    made = Recommendation.objects.exclude(pk=earlier.pk).get()
    assert made.repeat_of == earlier and made.facility == place and made.authority == place.authority


def test_issuing_confirmed_as_new_and_a_changed_text_is_checked_again(
    as_coordinator: Client, coordinator: User
):
    place = kuis_place()
    recommendation(coordinator, facility=place, issued_on=datetime.date(2024, 1, 10))
    url = reverse("recommendations:create")
    data = _form_data(facility=place.pk)
    checked = as_coordinator.post(url, data).context["choice"]["checked"].value()
    # the text changed after the check: the choice does not count, the check runs again
    reworded = {
        **data,
        "text_en": data["text_en"] + " Keep a register.",
        "repeat_choice": "new",
        "checked": checked,
    }
    assert as_coordinator.post(url, reworded).status_code == 200
    assert Recommendation.objects.count() == 1
    response = as_coordinator.post(url, {**data, "repeat_choice": "new", "checked": checked})
    assert response.status_code == 302
    assert Recommendation.objects.filter(repeat_of__isnull=True).count() == 2


def test_issuing_without_similar_recommendations_saves_at_once(as_coordinator: Client, coordinator: User):
    recommendation(coordinator, facility=health_place())  # same text, another authority
    place = kuis_place()
    response = as_coordinator.post(reverse("recommendations:create"), _form_data(facility=place.pk))
    assert response.status_code == 302
    assert Recommendation.objects.filter(facility=place).count() == 1


def test_issuing_reports_every_problem(as_coordinator: Client):
    response = as_coordinator.post(
        reverse("recommendations:create"),
        _form_data(
            text_en="",
            addressee=Recommendation.Addressee.AUTHORITY,
            source=Recommendation.Source.VISIT_REPORT,
        ),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"text_ru", "authority", "report"} <= set(errors)
    assert not Recommendation.objects.exists()


def test_a_coordinator_edits_a_recommendation(as_coordinator: Client, coordinator: User):
    place = kuis_place()
    rec = recommendation(coordinator, facility=place)
    url = reverse("recommendations:edit", args=[rec.pk])
    assert as_coordinator.get(url).status_code == 200
    response = as_coordinator.post(
        url, _form_data(facility=place.pk, text_kk="Дәрігер тексеруі", issued_on="2025-04-01")
    )
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.text_kk == "Дәрігер тексеруі" and rec.priority == Recommendation.Priority.HIGH


# --- status ---------------------------------------------------------------------------------------------


def test_the_status_form_needs_a_verification_and_records_the_change(
    as_coordinator: Client, coordinator: User
):
    place = kuis_place()
    report = report_for(coordinator, place)
    rec = recommendation(coordinator, report)
    url = reverse("recommendations:status_change", args=[rec.pk])
    implemented = Status.objects.get(code="implemented")
    response = as_coordinator.post(
        url, {"status": implemented.pk, "changed_on": "2025-06-01", "verification": ""}
    )
    assert response.status_code == 400 and "verification" in response.context["form"].errors
    response = as_coordinator.post(
        url,
        {
            "status": implemented.pk,
            "changed_on": "2025-06-01",
            "verification": StatusChange.Verification.ON_SITE,
            "visit": report.visit.pk,
            "evidence": "Checked the medical register",
        },
    )
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.status == implemented
    assert rec.history.get().visit == report.visit


def test_the_status_form_offers_only_visits_to_the_place(as_coordinator: Client, coordinator: User):
    place = kuis_place()
    report = report_for(coordinator, place)
    other = report_for(coordinator, health_place())
    rec = recommendation(coordinator, report)
    response = as_coordinator.get(
        reverse("recommendations:status_change", args=[rec.pk]),
        {"verification": "on_site", "visit": report.visit.pk},
    )
    form = response.context["form"]
    assert list(form.fields["visit"].queryset) == [report.visit]
    assert other.visit not in form.fields["visit"].queryset
    assert form.initial["verification"] == "on_site" and form.initial["visit"] == report.visit.pk


# --- the visit page -----------------------------------------------------------------------------------


def test_the_next_visit_starts_with_the_open_recommendations_of_the_place(
    as_coordinator: Client, as_monitor: Client, coordinator: User, monitor: User
):
    place = kuis_place()
    first = report_for(coordinator, place)
    open_rec = recommendation(coordinator, first, deadline=datetime.date(2025, 5, 1))
    closed = recommendation(coordinator, first, text="Repair the roof of the kitchen.", status="implemented")
    elsewhere = recommendation(coordinator, report_for(coordinator, health_place()), text="Elsewhere")
    next_visit = report_for(coordinator, place, Report.Status.DRAFT).visit
    response = as_coordinator.get(reverse("visits:detail", args=[next_visit.pk]))
    content = response.content.decode()
    assert 'data-testid="open-recommendations"' in content
    section = next(
        s for s in response.context["extra_sections"] if s["template"] == "recommendations/_visit_open.html"
    )
    assert section["recommendations"] == [open_rec]
    assert closed not in section["recommendations"] and elsewhere not in section["recommendations"]
    change_url = reverse("recommendations:status_change", args=[open_rec.pk])
    assert f"{change_url}?verification=on_site&amp;visit={next_visit.pk}" in content
    TeamMember.objects.create(visit=next_visit, user=monitor)
    response = as_monitor.get(reverse("visits:detail", args=[next_visit.pk]))
    assert 'data-testid="open-recommendation"' in response.content.decode()
    assert 'data-testid="verify-on-site"' not in response.content.decode()


def test_the_audit_log_reads_a_status_change_in_the_readers_language(coordinator, as_coordinator):
    """Issue 14: a status change was shown with raw keys and ids ("visit", "status: 1; ...")."""
    from django.utils import translation

    place = kuis_place()
    report = report_for(coordinator, place)
    rec = recommendation(coordinator, report)
    status_change(
        actor=coordinator,
        recommendation=rec,
        status=Status.objects.get(code="partially_implemented"),
        changed_on=datetime.date(2025, 5, 2),
        verification=StatusChange.Verification.ON_SITE,
        visit=report.visit,
        evidence="Checked",
    )
    page = as_coordinator.get(reverse("accounts:audit"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    with translation.override("ru"):
        verification = str(StatusChange._meta.get_field("verification").verbose_name)
        on_site = str(StatusChange.Verification.ON_SITE.label)
        status = str(Status.objects.get(code="partially_implemented"))
        visit_label = str(StatusChange._meta.get_field("visit").verbose_name)
    assert f"<strong>{verification}</strong>: {on_site}" in page
    assert status in page and f"<strong>{visit_label}</strong>: {report.visit}" in page
    assert "status: " not in page and "<strong>visit</strong>" not in page and "None" not in page
