"""Reminder digests: one e-mail per person and day about follow-up deadlines due soon or overdue.

Who gets what ("soon" = within ``soon_days`` working days on the country pack's calendar):

- **Liaisons** (active, with an e-mail address and an authority): the open recommendations (status
  not closed) they see on the portal (``access.recommendations_visible_to``: their authority
  subtree, released reports only) whose deadline is overdue or soon; and the NPM's outgoing letters
  to their authority subtree (``access.letters_visible_to``) waiting for an answer that is overdue or
  due soon - it is their authority that must answer them.
- **Coordinators** (active, with an e-mail address): every overdue open recommendation, and every
  outgoing letter without a reply whose answer is overdue or due soon.
- Nobody else, and nobody with nothing due.

Each digest lists at most ``LIST_LIMIT`` items per section (with the full count), in the
recipient's preferred language (the site's language when none is set), through Django's mail
settings (``EMAIL_BACKEND``, ``DEFAULT_FROM_EMAIL``); links are absolute when the optional setting
``DOZOR_SITE_URL`` is set (e.g. ``https://dozor.example.kz``), site paths otherwise.

Once a day: ``ReminderLog(user, day)`` is unique. For each recipient the log row is inserted and
the digest put in the outbox (``dozor.core.outbox``) inside one transaction, and the unique row
serialises two runs started at the same time (the second one finds the row and skips the person).
The outbox then delivers the digests (task ``outbox_deliver``): one the mail server refuses is
retried with back-off and shown to the coordinators when it keeps failing, so no digest is lost
and a second run the same day never sends it twice. A failure for one person does not stop the
others; the command then exits with an error so that cron reports it.

The task worker (``dozor worker``) queues the day's digests itself every day at
``DOZOR_REMINDERS_AT`` (08:00 by default); ``dozor reminders send`` does the same by hand or from
cron (the log row makes a second run the same day harmless).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from dozor.accounts.access import users_with
from dozor.accounts.models import User
from dozor.core.outbox.models import Notification
from dozor.core.outbox.services import notification_queue
from dozor.core.outbox.tasks import outbox_deliver
from dozor.core.workdays import Calendar, add_working_days, calendar
from dozor.recommendations.access import is_liaison, letters_visible_to, recommendations_visible_to
from dozor.recommendations.letters.services import letters_due_by
from dozor.recommendations.models import Letter, Recommendation, ReminderLog
from dozor.recommendations.services import reminder_log_record

logger = logging.getLogger(__name__)

LIST_LIMIT = 50


@dataclass
class Section:
    """Part of a digest: the first ``LIST_LIMIT`` items and how many there are in all."""

    items: list[Any]
    total: int

    @classmethod
    def of(cls, queryset: QuerySet[Any]) -> Section:
        items = list(queryset[:LIST_LIMIT])
        total = len(items) if len(items) < LIST_LIMIT else queryset.count()
        return cls(items=items, total=total)

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass
class Digest:
    user: User
    today: datetime.date
    until: datetime.date
    overdue_recommendations: Section
    soon_recommendations: Section
    overdue_letters: Section
    soon_letters: Section

    @property
    def total(self) -> int:
        return (
            self.overdue_recommendations.total
            + self.soon_recommendations.total
            + self.overdue_letters.total
            + self.soon_letters.total
        )


@dataclass
class Summary:
    day: datetime.date
    dry_run: bool = False
    sent: list[tuple[str, int]] = field(default_factory=list)  # (username, items)
    already_sent: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def items(self) -> int:
        return sum(count for _name, count in self.sent)

    def __str__(self) -> str:
        verb = "would send" if self.dry_run else "queued"
        text = f"reminders {self.day:%Y-%m-%d}: {verb} {len(self.sent)} digests ({self.items} items)"
        if self.already_sent:
            text += f", {self.already_sent} already sent today"
        if self.failed:
            text += f", {len(self.failed)} failed ({', '.join(self.failed)})"
        return text + (" (dry run: nothing sent or written)" if self.dry_run else "")


def _open_recommendations(user: User) -> QuerySet[Recommendation]:
    return (
        recommendations_visible_to(user)
        .filter(status__closed=False, deadline__isnull=False)
        .select_related("status", "facility", "authority")
        .order_by("deadline", "pk")
    )


def _waiting_letters(user: User, until: datetime.date) -> QuerySet[Letter]:
    return (
        letters_due_by(until, letters_visible_to(user))
        .select_related("authority", "facility")
        .order_by("due_on", "pk")
    )


def digest_for(user: User, *, today: datetime.date, until: datetime.date) -> Digest:
    """What ``user`` is reminded of: overdue = deadline before ``today``; soon = up to ``until``."""
    recommendations = _open_recommendations(user)
    letters = _waiting_letters(user, until)
    liaison = is_liaison(user)
    empty = Section(items=[], total=0)
    return Digest(
        user=user,
        today=today,
        until=until,
        overdue_recommendations=Section.of(recommendations.filter(deadline__lt=today)),
        soon_recommendations=(
            Section.of(recommendations.filter(deadline__gte=today, deadline__lte=until)) if liaison else empty
        ),
        overdue_letters=Section.of(letters.filter(due_on__lt=today)),
        soon_letters=Section.of(letters.filter(due_on__gte=today)),
    )


def recipients() -> QuerySet[User]:
    """Active coordinators and configured liaisons (``reminders.receive``) with an e-mail address."""
    return (
        users_with("reminders.receive")
        .exclude(email="")
        .select_related("authority")
        .order_by("role", "username", "pk")
    )


def _site_url(path: str) -> str:
    return str(getattr(settings, "DOZOR_SITE_URL", "")).rstrip("/") + path


def render_digest(digest: Digest) -> EmailMultiAlternatives:
    """The digest as an e-mail in the recipient's language."""
    user = digest.user
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        count = digest.total
        if is_liaison(user):
            assert user.authority is not None  # a liaison always has one (is_liaison)
            subject = ngettext(
                "Dozor reminder for %(authority)s: %(count)d deadline overdue or due soon",
                "Dozor reminder for %(authority)s: %(count)d deadlines overdue or due soon",
                count,
            ) % {"authority": user.authority.short, "count": count}
        else:
            subject = ngettext(
                "Dozor reminder: %(count)d deadline overdue or due soon",
                "Dozor reminder: %(count)d deadlines overdue or due soon",
                count,
            ) % {"count": count}
        context = {
            "digest": digest,
            "user": user,
            "liaison": is_liaison(user),
            "language": language,
            "letters_url": _site_url(reverse("recommendations:letter_list")),
            "site_url": _site_url("/"),
        }
        text = render_to_string("recommendations/email/reminder_digest.txt", context)
        html = render_to_string("recommendations/email/reminder_digest.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message


def send_reminders(*, today: datetime.date, soon_days: int = 10, dry_run: bool = False) -> Summary:
    """Send the day's digests (see the module's docstring); ``dry_run`` sends and writes nothing."""
    if soon_days < 0:
        raise ValueError("soon_days cannot be negative")
    cal: Calendar = calendar()
    until = add_working_days(today, soon_days, cal=cal)
    summary = Summary(day=today, dry_run=dry_run)
    done = set(ReminderLog.objects.filter(day=today).values_list("user_id", flat=True))
    for user in recipients():
        if user.pk in done:
            summary.already_sent += 1
            continue
        digest = digest_for(user, today=today, until=until)
        if digest.total == 0:
            continue
        message = render_digest(digest)
        if dry_run:
            summary.sent.append((user.username, digest.total))
            continue
        try:
            with transaction.atomic():
                reminder_log_record(user=user, day=today, items=digest.total)
                _queue(user, message)
        except IntegrityError:  # another run queued this person's digest meanwhile
            summary.already_sent += 1
        except Exception:  # the database refused: no log row, the next run retries
            logger.exception("reminder digest to user %s could not be queued", user.pk)
            summary.failed.append(user.username)
        else:
            summary.sent.append((user.username, digest.total))
    if summary.sent:
        outbox_deliver.enqueue(Notification.Kind.REMINDER)
    return summary


def _queue(user: User, message: EmailMultiAlternatives) -> None:
    html = next((content for content, mimetype in message.alternatives if mimetype == "text/html"), "")
    notification_queue(
        kind=Notification.Kind.REMINDER,
        recipient=user,
        address=user.email,
        subject=str(message.subject),
        body=str(message.body),
        html=str(html),
    )
