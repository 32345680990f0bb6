"""Whether a person may be an NPM participant, judged from their declarations against the rules.

The rules are data (``EligibilityRule`` rows loaded from the country pack); nothing here knows a
rule's code. A rule that is no longer in force is ignored, and so is an answer to it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Literal

from dozor.people.models import EligibilityDeclaration, EligibilityRule, Person

Status = Literal["eligible", "excluded", "incomplete"]


@dataclass(frozen=True)
class Eligibility:
    status: Status
    excluded_by: list[EligibilityRule] = field(default_factory=list)
    missing: list[EligibilityRule] = field(default_factory=list)

    @property
    def is_eligible(self) -> bool:
        return self.status == "eligible"


def evaluate_eligibility(person: Person, *, on: datetime.date | None = None) -> Eligibility:
    """Evaluate the person against every rule in force.

    Any "yes" to a rule in force excludes, even when other answers are missing: the exclusion is
    already certain. Otherwise an unanswered rule makes the result incomplete. With ``on``, only
    answers declared on or before that date count (what was known then).
    """
    rules = list(EligibilityRule.objects.filter(is_active=True).order_by("sort_order", "code"))
    declarations = EligibilityDeclaration.objects.filter(person=person, rule__is_active=True)
    if on is not None:
        declarations = declarations.filter(declared_on__lte=on)
    answers = dict(declarations.values_list("rule_id", "answer"))
    excluded_by = [rule for rule in rules if answers.get(rule.pk) is True]
    missing = [rule for rule in rules if rule.pk not in answers]
    if excluded_by:
        return Eligibility("excluded", excluded_by, missing)
    if missing:
        return Eligibility("incomplete", [], missing)
    return Eligibility("eligible")
