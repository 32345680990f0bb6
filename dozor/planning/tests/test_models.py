"""The rules of one plan: ``Plan.clean`` words them for the services, the constraints hold the
database to them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dozor.accounts.models import AuditEvent
from dozor.planning import services
from dozor.planning.models import Plan
from dozor.planning.tests.factories import PlanFactory

pytestmark = pytest.mark.django_db


def test_a_change_is_checked_and_audited_on_the_locked_row(coordinator):
    plan = PlanFactory(title="Plan")
    plan.title = "Changed in memory only"
    with pytest.raises(ValidationError) as exc:
        services.plan_update(
            actor=coordinator, plan=plan, title=" ", budget=Decimal("0"), notes="", status="x"
        )
    assert exc.value.message_dict == {
        "title": ["Give the plan a title."],
        "budget": ["The budget must be more than zero"],
        "status": ["Unknown plan status."],
    }
    saved = services.plan_update(
        actor=coordinator, plan=plan, title="Plan", budget=plan.budget, notes="", status=Plan.Status.DRAFT
    )
    assert saved.title == "Plan"
    # The row had not changed (only the caller's instance had): nothing to save or audit.
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, object_id=str(plan.pk)).exists()


@pytest.mark.parametrize("change", [{"quarter": 5}, {"year": 1999}, {"budget": Decimal("0")}])
def test_the_database_holds_the_same_rules(change):
    plan = PlanFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.filter(pk=plan.pk).update(**change)
