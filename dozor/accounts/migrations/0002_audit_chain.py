"""The audit log becomes a hash chain (dozor/accounts/audit_chain.py, docs/decisions/0015).

Existing entries are numbered and hashed in the order they were written (by id); on PostgreSQL a
trigger then refuses UPDATE and DELETE on the table, except the one UPDATE that deleting a user
makes (its ``actor_id`` set to NULL; the name stays in the hashed ``actor_label``).
"""

from typing import Any

import django.utils.timezone
from django.db import migrations, models

from dozor.accounts.audit_chain import GENESIS, HASHED_FIELDS, audit_hash

TABLE = "accounts_auditevent"

APPEND_ONLY = f"""
CREATE OR REPLACE FUNCTION dozor_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;  -- the user was deleted: ON DELETE SET NULL
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % on {TABLE} refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER IF EXISTS dozor_audit_append_only ON {TABLE};
CREATE TRIGGER dozor_audit_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION dozor_audit_append_only();
"""

DROP_APPEND_ONLY = f"""
DROP TRIGGER IF EXISTS dozor_audit_append_only ON {TABLE};
DROP FUNCTION IF EXISTS dozor_audit_append_only();
"""


def chain_existing(apps: Any, schema_editor: Any) -> None:
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    previous = GENESIS
    for seq, event in enumerate(AuditEvent.objects.order_by("id").iterator(chunk_size=2000), start=1):
        event.seq = seq
        event.prev_hash = previous
        event.hash = audit_hash({name: getattr(event, name) for name in HASHED_FIELDS})
        event.save(update_fields=["seq", "prev_hash", "hash"])
        previous = event.hash


def trigger_create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


def trigger_drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="when"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(
                editable=False, null=True, verbose_name="number in the chain"
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="hash of the previous entry"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="hash"),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(
                editable=False, unique=True, verbose_name="number in the chain"
            ),
        ),
        migrations.RunPython(trigger_create, trigger_drop),
    ]
