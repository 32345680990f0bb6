"""The interview's three consent flags go: consent is a record per use (``visits.Consent``, filled
from the flags by 0007). Going back, the flags are set again from the consents in force; the old
"use" flag allowed both quoting to the authority and publishing, so it is set only where both are
consented (never more use than the person agreed to)."""

from django.db import migrations


def flags_from_consents(apps, schema_editor):
    Interview = apps.get_model("visits", "Interview")
    Consent = apps.get_model("visits", "Consent")
    in_force = Consent.objects.filter(granted=True, withdrawn_at__isnull=True).exclude(capacity="doubtful")
    for field, uses in (
        ("consent_use", ["quote_authority", "quote_public"]),
        ("consent_naming", ["naming"]),
        ("consent_follow_up", ["follow_up"]),
    ):
        ids = None
        for use in uses:
            having = set(in_force.filter(use=use).values_list("interview_id", flat=True))
            ids = having if ids is None else ids & having
        Interview.objects.filter(pk__in=ids or []).update(**{field: True})


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0008_authority_release"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, flags_from_consents),
        migrations.RemoveField(model_name="interview", name="consent_follow_up"),
        migrations.RemoveField(model_name="interview", name="consent_naming"),
        migrations.RemoveField(model_name="interview", name="consent_use"),
    ]
