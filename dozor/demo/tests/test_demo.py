"""dozor demo: the labelled synthetic demo data set and the demo logins."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from dozor.accounts.models import Role, User
from dozor.demo.base import DEMO_LOGINS
from dozor.facilities.models import Facility, Occupancy
from dozor.people.models import EligibilityDeclaration, Organisation, Participation, Person

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "facilities": Facility.objects.count(),
        "occupancy": Occupancy.objects.count(),
        "organisations": Organisation.objects.count(),
        "persons": Person.objects.count(),
        "participations": Participation.objects.count(),
        "declarations": EligibilityDeclaration.objects.count(),
        "users": User.objects.count(),
    }


def test_it_loads_a_labelled_data_set():
    output = run()
    assert "60 facilities" in output
    facilities = Facility.objects.all()
    assert facilities.count() == 60
    assert facilities.values("region").distinct().count() == 20
    assert all(f.is_demo and f.code.startswith("DEMO-") and f.name_en.startswith("Demo:") for f in facilities)
    assert all(f.search_text == f.build_search_text() != "" for f in facilities)
    assert facilities.filter(status=Facility.Status.CLOSED, closed_on__isnull=False).count() >= 3
    assert any(f.is_overcrowded for f in facilities)
    for facility in facilities:
        latest = facility.occupancy.order_by("-date").first()
        assert latest is not None and (latest.population, latest.date) == (
            facility.population,
            facility.population_date,
        )
        assert 3 <= facility.occupancy.count() <= 6
        assert facility.population_categories.exists()
    persons = Person.objects.all()
    assert persons.count() == 40
    assert all(p.is_demo and "Synthetic demo person" in p.notes and p.search_text for p in persons)
    assert (
        persons.filter(gender=Person.Gender.FEMALE).count()
        == persons.filter(gender=Person.Gender.MALE).count()
    )
    assert Organisation.objects.filter(is_demo=True).count() == 12
    assert sum(d.answer is True for d in EligibilityDeclaration.objects.all()) == 1  # encrypted: in Python


def test_it_is_idempotent():
    run()
    first = counts()
    output = run()
    assert counts() == first
    assert "0 rows created, 0 updated, 0 deleted" in output


def test_it_does_nothing_with_if_empty_when_present():
    run()
    assert "already present" in run("--if-empty")


def test_it_reloads_with_reset():
    run()
    first = counts()
    run("--reset")
    assert counts() == first


def test_it_creates_logins_with_the_demo_password(settings):
    run()
    for login in DEMO_LOGINS:
        # Through the sign-in page: django-axes needs the request that Client.login does not pass.
        response = Client().post(
            reverse("accounts:login"), {"username": login.username, "password": settings.DOZOR_DEMO_PASSWORD}
        )
        assert response.status_code == 302, login.username
    roles = dict(User.objects.values_list("username", "role"))
    assert roles["coordinator"] == Role.COORDINATOR
    assert roles["council"] == Role.COUNCIL
    assert roles["trainer"] == Role.TRAINER
    liaison = User.objects.get(username="liaison")
    assert liaison.role == Role.LIAISON and liaison.authority is not None and liaison.authority.code == "KUIS"
    monitor = User.objects.get(username="monitor")
    assert monitor.role == Role.MONITOR
    assert Person.objects.get(user=monitor).is_demo


def test_it_refuses_to_overwrite_a_real_user_with_a_demo_name():
    User.objects.create_user(username="coordinator", password="something-else", email="real@example.org")
    with pytest.raises(CommandError, match="not a demo login"):
        run()
    assert not Facility.objects.exists()


def test_it_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        run()
    with pytest.raises(CommandError, match="production"):
        run("--print-logins")
    assert not Facility.objects.exists()


def test_it_prints_the_logins_only(settings):
    output = run("--print-logins")
    for login in DEMO_LOGINS:
        assert login.username in output
    assert settings.DOZOR_DEMO_PASSWORD in output
    assert "http://127.0.0.1:8000/" in output
    assert not Facility.objects.exists()


def test_it_plans_demo_visits_with_the_demo_monitor_on_the_team():
    from dozor.visits.models import Visit

    run()
    visits = Visit.objects.filter(facility__code__startswith="DEMO-")
    assert visits.count() == 3  # the SIZO, the IVS, and the colony a protected person was moved to
    for visit in visits:
        assert visit.team.filter(user__username="monitor").exists()
        assert visit.template_version is not None and visit.template_version.status == "published"
    run()
    assert Visit.objects.filter(facility__code__startswith="DEMO-").count() == 3
    call_command("demo", "--reset", stdout=StringIO())
    assert Visit.objects.filter(facility__code__startswith="DEMO-").count() == 3


def test_it_adds_labelled_visit_content_and_recommendations():
    from dozor.recommendations.models import Recommendation
    from dozor.visits.models import Consent, Finding, Interview, Report

    run()
    recommendations = Recommendation.objects.all()
    assert recommendations.count() >= 30
    assert all(r.facility.code.startswith("DEMO-") and "[ДЕМО]" in r.text_ru for r in recommendations)
    assert recommendations.exclude(status__code="no_response").exists()
    findings = Finding.objects.all()
    assert findings.count() == 4 and all("[ДЕМО]" in f.title for f in findings)
    # consent as records: one detainee quotable, a staff refusal, a withdrawal before sending
    from dozor.visits.interviews.consent import quotable

    interviews = list(Interview.objects.prefetch_related("consents"))
    assert [i.code for i in quotable(interviews, "authority")] == ["D-01"]
    states = {
        (c.interview.code, c.use, c.granted, c.withdrawn_at is not None)
        for c in Consent.objects.select_related("interview")
    }
    assert ("S-01", "quote_authority", False, False) in states
    assert ("D-02", "quote_authority", True, True) in states
    # sent to KUIS through the release gate (dozor/demo/release.py): the liaison reads the approved text
    from dozor.visits.reports import released

    report = Report.objects.get()
    sent = released.sent_release(report)
    assert report.status == Report.Status.SENT and sent is not None and sent["lang"] == "ru"
    assert "12-18" not in str(sent["sections"]) and "Корпус 2" in str(sent["sections"])
    run("--reset")
    assert Recommendation.objects.count() == recommendations.count()
