"""The participant's own planned visits as an iCalendar file (RFC 5545), for a phone or desktop
calendar. Kept apart from the views like any file format; the caller chooses the visits (only the
user's own) and records the secret ones it hands out."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from dozor.planning.models import PlannedVisit

PRODID = "-//Dozor//NPM visit planning//EN"


def visit_uid(visit: PlannedVisit) -> str:
    return f"planned-visit-{visit.pk}@dozor"


def planned_visits_ical(
    visits: Iterable[PlannedVisit], *, roles: Mapping[int, str], stamp: datetime.datetime | None = None
) -> bytes:
    """One all-day VEVENT per visit; DTEND is exclusive (the day after the visit's last day).

    ``visits`` need ``facility`` and ``visit_type`` loaded; ``roles`` maps a visit id to the user's
    role in its group (shown in the description)."""
    stamp = stamp or timezone.now()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("My NPM visits"))
    for visit in visits:
        facility = visit.facility
        event = Event()
        event.add("uid", visit_uid(visit))
        event.add("dtstamp", stamp)
        event.add("dtstart", visit.starts_on)
        event.add("dtend", visit.ends_on + datetime.timedelta(days=1))
        event.add("summary", f"{facility.name} — {visit.visit_type.name}")
        location = ", ".join(part for part in (facility.settlement, facility.address) if part)
        if location:
            event.add("location", location)
        description = [visit.objectives.strip()] if visit.objectives.strip() else []
        role = roles.get(visit.pk)
        if role:
            description.append(_("Your role: %(role)s") % {"role": role})
        if not visit.announced:
            description.append(_("Unannounced visit: do not share these dates."))
        if description:
            event.add("description", "\n\n".join(description))
        event.add("class", "CONFIDENTIAL" if not visit.announced else "PRIVATE")
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    return cal.to_ical()
