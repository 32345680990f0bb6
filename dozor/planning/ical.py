"""The participant's own planned visits as an iCalendar file (RFC 5545), for a phone or desktop
calendar. Kept apart from the views like any file format; the caller chooses the visits (only the
user's own) and records the secret ones it hands out.

The file leaves Dozor (phone and cloud calendars sync it), so an unannounced visit not yet begun
(``is_secret``) goes out as a bare "Busy" block - no place, type, objectives, group or role - or
not at all, as ``DOZOR_ICAL_SECRET_VISITS`` says (decision 0023). Once it has begun, it is shown
in full."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from dozor.planning.access import is_secret
from dozor.planning.models import PlannedVisit

PRODID = "-//Dozor//NPM visit planning//EN"


def visit_uid(visit: PlannedVisit) -> str:
    return f"planned-visit-{visit.pk}@dozor"


def planned_visits_ical(
    visits: Iterable[PlannedVisit],
    *,
    roles: Mapping[int, str],
    stamp: datetime.datetime | None = None,
    today: datetime.date | None = None,
) -> bytes:
    """One all-day VEVENT per visit; DTEND is exclusive (the day after the visit's last day).

    ``visits`` need ``facility`` and ``visit_type`` loaded; ``roles`` maps a visit id to the user's
    role in its group (shown in the description). A secret visit (see the module docstring) is a
    bare busy block or left out."""
    stamp = stamp or timezone.now()
    today = today or timezone.localdate()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("My NPM visits"))
    for visit in visits:
        if is_secret(announced=visit.announced, starts_on=visit.starts_on, today=today):
            if settings.DOZOR_ICAL_SECRET_VISITS == "busy":
                cal.add_component(_busy_event(visit, stamp))
            continue
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


def _busy_event(visit: PlannedVisit, stamp: datetime.datetime) -> Event:
    """Only that the participant is busy on these days: the UID (to update the entry in place once
    the visit has begun) and the dates; nothing that names the place, the type or the group."""
    event = Event()
    event.add("uid", visit_uid(visit))
    event.add("dtstamp", stamp)
    event.add("dtstart", visit.starts_on)
    event.add("dtend", visit.ends_on + datetime.timedelta(days=1))
    event.add("summary", _("Busy"))
    event.add("class", "CONFIDENTIAL")
    event.add("transp", "OPAQUE")
    return event
