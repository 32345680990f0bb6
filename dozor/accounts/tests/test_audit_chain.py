"""The audit log is a hash chain; `dozor audit verify` names the first altered or missing entry."""

from __future__ import annotations

import itertools
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from dozor.accounts.audit import audit_record
from dozor.accounts.audit_chain import GENESIS, audit_chain_verify
from dozor.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")


@pytest.fixture
def owner_tampers() -> None:
    """On PostgreSQL the trigger refuses UPDATE and DELETE; a role that owns the table (or a
    superuser) can still disable it, and the chain must show what it then did. The ALTER TABLE is
    rolled back with the test's transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks
            cursor.execute(f"ALTER TABLE {AuditEvent._meta.db_table} DISABLE TRIGGER dozor_audit_append_only")


def verify(*args: str) -> str:
    out = StringIO()
    call_command("audit", "verify", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def chain(coordinator) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return [
        audit_record(
            actor=coordinator,
            action=AuditEvent.Action.UPDATE,
            object_type="facilities.facility",
            object_id=str(n),
            object_repr=f"Учреждение №{n}",
            changes={"name": {"before": "ЛА-155/1", "after": f"ЛА-155/{n}"}, "count": n, "share": 0.5},
            ip_address="2001:0db8::1",
        )
        for n in range(1, 6)
    ]


def test_it_links_each_entry_to_the_previous_one(chain):
    assert AuditEvent.objects.order_by("seq").values_list("prev_hash", flat=True)[0] == GENESIS
    for before, after in itertools.pairwise(chain):
        assert after.seq == before.seq + 1
        assert after.prev_hash == before.hash
        assert len(after.hash) == 64 and after.hash != before.hash


def test_it_reports_an_intact_chain_with_its_head(chain):
    out = verify()
    head = AuditEvent.objects.order_by("-seq").first()
    assert head is not None
    assert f"head {head.seq}:{head.hash}" in out
    assert "intact" in out
    assert verify("--expect-head", f"{head.seq}:{head.hash}")


def test_it_names_an_entry_edited_with_raw_sql(chain, owner_tampers):
    target = chain[2]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET object_repr = 'nothing' WHERE id = %s", [target.pk]
        )
    with pytest.raises(CommandError) as refused:
        verify()
    assert f"entry {target.seq} (id {target.pk}" in str(refused.value)
    assert "altered" in str(refused.value)


def test_it_names_an_entry_edited_with_its_hash_recomputed(chain, owner_tampers):
    from dozor.accounts.audit_chain import HASHED_FIELDS, audit_hash

    target = chain[1]
    row = AuditEvent.objects.values(*HASHED_FIELDS).get(pk=target.pk)
    row["object_repr"] = "forged"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET object_repr = 'forged', hash = %s WHERE id = %s",
            [audit_hash(row), target.pk],
        )
    with pytest.raises(CommandError) as refused:
        verify()
    assert f"entry {target.seq} (id {target.pk}" in str(refused.value)
    assert f"entry {target.seq + 1} no longer links to it" in str(refused.value)


def test_it_names_an_entry_deleted_with_raw_sql(chain, owner_tampers):
    target = chain[3]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [target.pk])
    with pytest.raises(CommandError) as refused:
        verify()
    assert f"entry {target.seq} is missing (deleted)" in str(refused.value)


def test_it_notices_deleted_latest_entries_against_a_recorded_head(chain, owner_tampers):
    head = chain[-1]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [head.pk])
    assert audit_chain_verify().intact  # the chain alone cannot tell
    with pytest.raises(CommandError) as refused:
        verify("--expect-head", f"{head.seq}:{head.hash}")
    assert f"entry {head.seq}, the recorded head, is missing" in str(refused.value)


def test_it_refuses_a_malformed_head(chain):
    with pytest.raises(CommandError, match="NUMBER:HASH"):
        verify("--expect-head", "12:abc")


@on_postgresql
def test_it_refuses_update_and_delete_on_postgresql(chain):
    target = chain[2]
    table = AuditEvent._meta.db_table
    for statement in (
        f"UPDATE {table} SET object_repr = 'nothing' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [target.pk])
    assert AuditEvent.objects.get(pk=target.pk).object_repr == target.object_repr
    assert "intact" in verify()


@on_postgresql
def test_it_lets_a_deleted_user_leave_their_name_on_postgresql(chain, coordinator):
    coordinator.delete()
    event = AuditEvent.objects.get(pk=chain[0].pk)
    assert event.actor_id is None and event.actor_label == "alice"
    assert "intact" in verify()
