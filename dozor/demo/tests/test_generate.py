"""dozor generate: large synthetic data sets (tested at the tiny test scale)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dozor.facilities.models import Facility, Occupancy
from dozor.people.models import EligibilityRule, Participation, Person

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("generate", "--scale", "tiny", "--no-progress", *args, stdout=out)
    return out.getvalue()


def test_it_creates_the_tiny_scale():
    output = run("--seed", "7")
    assert "created 40 facilities" in output
    facilities = Facility.objects.all()
    assert facilities.count() == 40
    assert all(
        f.is_demo and f.code.startswith("GEN-") and f.name_en.startswith("Synthetic:") for f in facilities
    )
    assert all(f.search_text == f.build_search_text() != "" for f in facilities)
    assert Occupancy.objects.count() == 200
    assert Facility.population_categories.through.objects.count() > 0
    persons = Person.objects.all()
    assert persons.count() == 10
    assert all(p.is_demo and p.search_text for p in persons)
    assert Participation.objects.count() == 10
    assert Person.expertise.through.objects.count() >= 10


def test_it_is_deterministic_with_a_seed():
    run("--seed", "7")
    first = list(Facility.objects.order_by("code").values_list("code", "type__code", "capacity", "latitude"))
    names = list(Person.objects.order_by("email").values_list("last_name", "first_name"))
    run("--seed", "7", "--replace")
    assert (
        list(Facility.objects.order_by("code").values_list("code", "type__code", "capacity", "latitude"))
        == first
    )
    assert list(Person.objects.order_by("email").values_list("last_name", "first_name")) == names


def test_it_stops_when_the_scale_is_already_present():
    run()
    assert "already present" in run()
    assert Facility.objects.count() == 40


def test_it_replaces_generated_rows():
    run()
    run("--replace", "--seed", "2")
    assert Facility.objects.count() == 40
    assert Person.objects.count() == 10
    assert Occupancy.objects.count() == 200


def test_it_writes_nothing_on_a_dry_run():
    output = run("--dry-run")
    assert "would create 40 facilities" in output
    assert f"{10 * EligibilityRule.objects.filter(is_active=True).count()} declarations" in output
    assert not Facility.objects.exists()


def test_it_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        run()
    assert not Facility.objects.exists()
