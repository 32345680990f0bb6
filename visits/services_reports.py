"""Writes to visit reports: starting a report, editing its sections, versions, comments and the
workflow draft -> group review -> coordinator approval -> sent to the authority.

(``published`` is reached only through the publication workflow of the publishing issue, which
produces a redacted public version from an approved report.)

Every function is keyword-only, checks the actor's rights, validates everything before writing,
runs in one transaction and writes the audit log.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from visits.access import can_record
from visits.models import Report, ReportSection, Visit


@transaction.atomic
def report_start(*, actor: User, visit: Visit) -> Report:
    """The visit's report, created as an empty draft with one row per section if it has none."""
    existing = Report.objects.filter(visit=visit).first()
    if existing is not None:
        return existing
    if not can_record(actor, visit):
        raise PermissionDenied
    report = Report.objects.create(visit=visit, created_by=actor)
    ReportSection.objects.bulk_create(
        ReportSection(report=report, key=key, order=n) for n, key in enumerate(ReportSection.Key.values)
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=report, changes={"visit": visit.pk})
    return report
