from __future__ import annotations

import datetime

import pytest

from dozor.people.eligibility import evaluate_eligibility
from dozor.people.models import EligibilityRule
from dozor.people.tests.factories import PersonFactory, declare_all

pytestmark = pytest.mark.django_db


def test_it_finds_a_person_who_answered_no_to_everything_eligible():
    person = PersonFactory()
    declare_all(person)

    result = evaluate_eligibility(person)

    assert result.status == "eligible"
    assert result.is_eligible
    assert result.excluded_by == [] and result.missing == []


def test_it_excludes_on_any_yes_and_names_the_rule():
    person = PersonFactory()
    declare_all(person, yes=("judge",))

    result = evaluate_eligibility(person)

    assert result.status == "excluded"
    assert [rule.code for rule in result.excluded_by] == ["judge"]


def test_it_reports_unanswered_rules_as_incomplete():
    person = PersonFactory()
    declare_all(person, skip=("advocate", "military"))

    result = evaluate_eligibility(person)

    assert result.status == "incomplete"
    assert sorted(rule.code for rule in result.missing) == ["advocate", "military"]


def test_it_treats_a_person_with_no_answers_as_incomplete():
    result = evaluate_eligibility(PersonFactory())

    assert result.status == "incomplete"
    assert len(result.missing) == EligibilityRule.objects.filter(is_active=True).count()


def test_it_excludes_even_when_other_answers_are_missing():
    person = PersonFactory()
    declare_all(person, yes=("judge",), skip=("advocate",))

    result = evaluate_eligibility(person)

    assert result.status == "excluded"
    assert [rule.code for rule in result.missing] == ["advocate"]


def test_it_ignores_rules_no_longer_in_force():
    person = PersonFactory()
    declare_all(person, yes=("judge",), skip=("advocate",))
    EligibilityRule.objects.filter(code__in=["judge", "advocate"]).update(is_active=False)

    assert evaluate_eligibility(person).status == "eligible"


def test_it_applies_a_rule_added_as_data():
    person = PersonFactory()
    declare_all(person)
    EligibilityRule.objects.create(code="new_rule", name_en="New rule", question_en="Are you new?")

    result = evaluate_eligibility(person)

    assert result.status == "incomplete"
    assert [rule.code for rule in result.missing] == ["new_rule"]


def test_it_counts_only_answers_declared_by_the_given_date():
    person = PersonFactory()
    declare_all(person)  # declared on 2025-01-05

    assert evaluate_eligibility(person, on=datetime.date(2025, 1, 4)).status == "incomplete"
    assert evaluate_eligibility(person, on=datetime.date(2025, 1, 5)).status == "eligible"
