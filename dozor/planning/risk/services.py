"""Writes behind the risk score: incidents recorded about a place and the factors' weights. Each
function checks access, validates before saving, writes atomically and audits."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.access import require
from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.facilities.models import Facility
from dozor.planning.models import Incident, RiskFactor
from dozor.planning.risk.scores import MAX_WEIGHT


@transaction.atomic
def incident_record(
    *,
    actor: User,
    facility: Facility,
    kind: str,
    occurred_on: datetime.date | None,
    summary: str,
    source: str = "",
    serious: bool = False,
) -> Incident:
    """Record a risk signal about a place. Refused: an unknown kind, no date or a date in the
    future, an empty summary."""
    staff = require(actor, "planning.manage")
    summary, source = (summary or "").strip(), (source or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in Incident.Kind.values:
        errors["kind"] = [_("Choose the kind of incident.")]
    if occurred_on is None:
        errors["occurred_on"] = [_("Give the date of the incident.")]
    elif occurred_on > timezone.localdate():
        errors["occurred_on"] = [_("The date of the incident is in the future.")]
    if not summary:
        errors["summary"] = [_("Describe the incident in a few words.")]
    elif len(summary) > 400:
        errors["summary"] = [_("Keep the summary under 400 characters.")]
    if len(source) > 200:
        errors["source"] = [_("Keep the source under 200 characters.")]
    if errors:
        raise ValidationError(errors)
    assert occurred_on is not None
    incident = Incident.objects.create(
        facility=facility,
        kind=kind,
        occurred_on=occurred_on,
        summary=summary,
        source=source,
        # a death is always in the register of deaths and serious incidents
        serious=serious or kind == Incident.Kind.DEATH,
        recorded_by=staff,
    )
    audit_record(
        actor=staff, action=AuditEvent.Action.CREATE, obj=incident, changes=diff({}, snapshot(incident))
    )
    return incident


def _weight(value: Any) -> Decimal:
    try:
        weight = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError({"weight": [_("Give the weight as a number from 0 to 100.")]}) from exc
    if not weight.is_finite() or weight < 0 or weight > MAX_WEIGHT:
        raise ValidationError({"weight": [_("The weight must be between 0 and 100 points.")]})
    return weight.quantize(Decimal("0.01"))


@transaction.atomic
def risk_factor_update(*, actor: User, factor: RiskFactor, weight: Decimal | float | int | str) -> RiskFactor:
    """Change the most points a factor may add (0-100)."""
    staff = require(actor, "planning.manage")
    value = _weight(weight)
    if value == factor.weight:
        return factor
    before = snapshot(factor, ["weight"])
    factor.weight = value
    factor.save(update_fields=["weight"])
    audit_record(
        actor=staff,
        action=AuditEvent.Action.UPDATE,
        obj=factor,
        changes=diff(before, snapshot(factor, ["weight"])),
    )
    return factor


@transaction.atomic
def risk_factor_weights_update(
    *, actor: User, weights: Mapping[str, Decimal | float | int | str]
) -> list[RiskFactor]:
    """Change several factors' weights at once (by code): all are checked before any is saved.
    Returns the factors that changed."""
    require(actor, "planning.manage")
    factors = {f.code: f for f in RiskFactor.objects.select_for_update().filter(code__in=list(weights))}
    unknown = sorted(set(weights) - set(factors))
    if unknown:
        raise ValidationError(_("Unknown risk factor: %(codes)s") % {"codes": ", ".join(unknown)})
    values = {}
    for code, value in weights.items():
        try:
            values[code] = _weight(value)
        except ValidationError as exc:
            raise ValidationError(
                {"weight": [f"{factors[code].name}: {message}" for message in exc.messages]}
            ) from exc
    changed = []
    for code, value in values.items():
        factor = factors[code]
        if factor.weight != value:
            changed.append(risk_factor_update(actor=actor, factor=factor, weight=value))
    return changed
