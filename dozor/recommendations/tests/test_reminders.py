"""Reminder digests (dozor.recommendations.reminders and ``dozor reminders send``)."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation
from django.utils.translation import ngettext

from conftest import make_user
from dozor.accounts.models import Role, User
from dozor.core.models import Authority
from dozor.core.outbox.models import Notification
from dozor.core.outbox.tasks import outbox_deliver
from dozor.recommendations.letters.services import letter_register
from dozor.recommendations.models import Letter, ReminderLog
from dozor.recommendations.reminders import send_reminders
from dozor.recommendations.tests.factories import health_place, kuis_place, recommendation

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2025, 6, 2)  # a Monday; "soon" (10 working days, Kurban Ait on Fri 6 June) ends on 17 June
OVERDUE, SOON, LATER = D(2025, 5, 20), D(2025, 6, 16), D(2025, 9, 1)


def with_mail(user: User, address: str, language: str = "") -> User:
    user.email = address
    user.preferred_language = language
    user.save(update_fields=["email", "preferred_language"])
    return user


@pytest.fixture
def people(coordinator, liaison, other_liaison, monitor):
    return {
        "alice": with_mail(coordinator, "alice@npm.kz"),
        "lena": with_mail(liaison, "lena@kuis.kz"),
        "omar": with_mail(other_liaison, "omar@mz.kz"),
        "bob": with_mail(monitor, "bob@npm.kz"),
    }


@pytest.fixture
def items(people):
    alice = people["alice"]
    kuis, hospital = kuis_place(), health_place()
    made = {
        "kuis_overdue": recommendation(
            alice,
            facility=kuis,
            deadline=OVERDUE,
            text="Install call buttons in every cell.",
            text_kk="Әр камераға шақыру түймесін орнату.",
        ),
        "kuis_soon": recommendation(alice, facility=kuis, deadline=SOON, text="Repair the shower block."),
        "kuis_later": recommendation(alice, facility=kuis, deadline=LATER, text="Build a new exercise yard."),
        "kuis_closed": recommendation(
            alice,
            facility=kuis,
            deadline=OVERDUE,
            text="Publish the complaints procedure.",
            status="implemented",
        ),
        "mz_overdue": recommendation(
            alice, facility=hospital, deadline=OVERDUE, text="Stop seclusion over 4 hours."
        ),
        "mz_soon": recommendation(alice, facility=hospital, deadline=SOON, text="Train nurses on restraint."),
    }
    made["kuis_letter"] = letter_register(
        actor=alice,
        direction=Letter.Direction.OUTGOING,
        number="04-12/77",
        registered_on=D(2025, 5, 5),
        authority=Authority.objects.get(code="KUIS"),
        subject="Answer on call buttons",
        answer_within=5,
    )
    made["mz_letter"] = letter_register(
        actor=alice,
        direction=Letter.Direction.OUTGOING,
        number="04-12/78",
        registered_on=D(2025, 5, 30),
        facility=hospital,
        subject="Answer on seclusion",
        answer_within=5,
    )
    return made


def outbox() -> dict[str, mail.EmailMessage]:
    return {message.to[0]: message for message in mail.outbox}


def test_each_liaison_gets_only_its_own_authoritys_deadlines(items):
    summary = send_reminders(today=TODAY)
    sent = outbox()
    assert set(sent) == {"alice@npm.kz", "lena@kuis.kz", "omar@mz.kz"}  # the monitor gets nothing
    lena, omar = sent["lena@kuis.kz"].body, sent["omar@mz.kz"].body
    assert "Install call buttons" in lena and "Repair the shower block." in lena and "04-12/77" in lena
    assert "exercise yard" not in lena and "complaints procedure" not in lena  # later; closed
    for mz in ("seclusion", "restraint", "04-12/78"):
        assert mz not in lena  # a KUIS liaison never sees Ministry of Health items
    assert "Stop seclusion" in omar and "Train nurses" in omar and "04-12/78" in omar
    assert "call buttons" not in omar and "04-12/77" not in omar
    assert "2025-06-17" in lena  # the end of "soon" in working days
    html = sent["lena@kuis.kz"].alternatives[0]  # type: ignore[attr-defined]
    assert html[1] == "text/html" and "Repair the shower block." in html[0]
    assert dict(summary.sent) == {"alice": 4, "lena": 3, "omar": 3}


def test_coordinators_get_the_overdue_recommendations_and_the_waiting_letters(items):
    send_reminders(today=TODAY)
    alice = outbox()["alice@npm.kz"].body
    assert "Install call buttons" in alice and "Stop seclusion" in alice
    assert "Repair the shower block." not in alice and "Train nurses" not in alice  # not overdue yet
    assert "04-12/77" in alice and "04-12/78" in alice  # overdue, and due soon


def test_an_answered_letter_is_not_reminded(items, people):
    letter_register(
        actor=people["alice"],
        direction=Letter.Direction.INCOMING,
        number="IN-1",
        registered_on=D(2025, 5, 20),
        authority=Authority.objects.get(code="KUIS"),
        subject="Our answer",
        in_reply_to=items["kuis_letter"],
    )
    send_reminders(today=TODAY)
    assert "04-12/77" not in outbox()["lena@kuis.kz"].body
    assert "04-12/77" not in outbox()["alice@npm.kz"].body


def test_the_digest_is_in_the_recipients_language(items, people):
    with_mail(people["lena"], "lena@kuis.kz", "kk")
    send_reminders(today=TODAY)
    message = outbox()["lena@kuis.kz"]
    with translation.override("kk"):
        expected = ngettext(
            "Dozor reminder for %(authority)s: %(count)d deadline overdue or due soon",
            "Dozor reminder for %(authority)s: %(count)d deadlines overdue or due soon",
            3,
        ) % {"authority": "ҚАЖК", "count": 3}
    assert message.subject == expected and "ҚАЖК" in message.subject  # the committee's Kazakh short name
    assert "Әр камераға шақыру түймесін орнату." in message.body  # the Kazakh text of the recommendation
    assert "Жауап алынбаған" in message.body  # the status in Kazakh
    assert "Install call buttons" in outbox()["alice@npm.kz"].body  # English for the English coordinator


def test_a_second_run_the_same_day_sends_nothing(items):
    first = send_reminders(today=TODAY)
    assert len(mail.outbox) == 3 and ReminderLog.objects.filter(day=TODAY).count() == 3
    second = send_reminders(today=TODAY)
    assert len(mail.outbox) == 3 and second.sent == [] and second.already_sent == 3
    assert first.items == 10
    send_reminders(today=TODAY + datetime.timedelta(days=1))
    assert len(mail.outbox) == 6  # the next day reminds again


def test_a_dry_run_sends_and_writes_nothing(items):
    summary = send_reminders(today=TODAY, dry_run=True)
    assert mail.outbox == [] and not ReminderLog.objects.exists()
    assert dict(summary.sent) == {"alice": 4, "lena": 3, "omar": 3} and "would send 3" in str(summary)


def test_nobody_with_nothing_due_gets_mail(people):
    inactive = with_mail(make_user("ivan", Role.LIAISON, "KUIS"), "ivan@kuis.kz")
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    no_mail = make_user("nina", Role.LIAISON, "KUIS")
    kuis = kuis_place()
    recommendation(people["alice"], facility=kuis, deadline=OVERDUE)
    recommendation(people["alice"], facility=health_place(), deadline=LATER)
    summary = send_reminders(today=TODAY)
    assert set(outbox()) == {"alice@npm.kz", "lena@kuis.kz"}  # omar: nothing due; ivan, nina, bob: none
    assert no_mail.pk not in ReminderLog.objects.values_list("user_id", flat=True)
    assert len(summary.sent) == 2


def test_a_refused_digest_stays_in_the_outbox_and_is_retried(items, monkeypatch):
    real_send = EmailMultiAlternatives.send

    def flaky(self, fail_silently=False):  # type: ignore[no-untyped-def]
        if self.to == ["lena@kuis.kz"]:
            raise OSError("connection refused")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    summary = send_reminders(today=TODAY)
    assert summary.failed == [] and set(outbox()) == {"alice@npm.kz", "omar@mz.kz"}
    assert ReminderLog.objects.filter(user__username="lena").exists()  # queued: a rerun sends nothing
    waiting = Notification.objects.get(address="lena@kuis.kz")
    assert waiting.status == Notification.Status.PENDING and "connection refused" in waiting.last_error
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    assert send_reminders(today=TODAY).already_sent == 3 and len(mail.outbox) == 2
    Notification.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now())  # its back-off is over
    outbox_deliver.call(Notification.Kind.REMINDER)
    waiting.refresh_from_db()
    assert waiting.status == Notification.Status.SENT and len(mail.outbox) == 3
    assert outbox()["lena@kuis.kz"].alternatives  # the HTML part survived the outbox


def test_the_command_sends_once_and_supports_a_dry_run(items):
    out = StringIO()
    call_command("reminders", "send", "--date", "2025-06-02", "--dry-run", stdout=out)
    assert "would send 3 digests" in out.getvalue() and "lena: 3 items" in out.getvalue()
    assert mail.outbox == [] and not ReminderLog.objects.exists()
    out = StringIO()
    call_command("reminders", "send", "--date", "2025-06-02", stdout=out)
    assert "queued 3 digests (10 items)" in out.getvalue() and len(mail.outbox) == 3
    out = StringIO()
    call_command("reminders", "send", "--date", "2025-06-02", stdout=out)
    assert "queued 0 digests" in out.getvalue() and "3 already sent today" in out.getvalue()
    assert len(mail.outbox) == 3


def test_the_command_refuses_a_bad_date(db):
    with pytest.raises(CommandError):
        call_command("reminders", "send", "--date", "02.06.2025")
