"""The audit log as a hash chain: an entry that is edited, inserted or deleted breaks the chain.

Entry ``seq`` (1, 2, 3, ...) stores ``prev_hash``, the hash of entry ``seq - 1`` (``GENESIS`` for
the first), and ``hash``, the SHA-256 of its canonical content (``audit_content``) which includes
``prev_hash``. ``audit_chain_verify`` walks the chain and names the first entry that no longer
matches. Entries are appended one at a time under a lock (``audit_chain_lock``), so the chain is
linear on PostgreSQL too; on PostgreSQL a trigger also refuses UPDATE and DELETE on the table
(migration ``accounts.0002_audit_chain``).

What the chain cannot show by itself is the removal of the *latest* entries: compare the head
that ``dozor audit verify`` prints with one recorded elsewhere (``--expect-head SEQ:HASH``).

The canonical content is versioned (``"v": 1``); the migration that hashed the entries written
before the chain existed uses the same function, so changing it needs a new version.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection

GENESIS = "0" * 64
CHAIN_VERSION = 1
# Fields of an entry that are hashed. ``actor_id`` is not: deleting a user sets it to NULL (the
# name stays in ``actor_label``, which is hashed).
HASHED_FIELDS = (
    "seq",
    "at",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "ip_address",
    "prev_hash",
)
# pg_advisory_xact_lock key: "dozor" in ASCII, held until the transaction ends.
LOCK_KEY = 0x646F7A6F72


def _at(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def _ip(value: str | None) -> str | None:
    # PostgreSQL's inet type gives back its own spelling of an address ("2001:0db8::1" -> "2001:db8::1").
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return value


def json_stored(value: Any) -> Any:
    """``value`` as a JSON column gives it back (tuples become lists, keys become strings)."""
    return json.loads(json.dumps(value))


def audit_content(entry: Mapping[str, Any]) -> bytes:
    """The canonical bytes of an entry (a mapping of ``HASHED_FIELDS``) that its hash covers."""
    data = {
        "v": CHAIN_VERSION,
        **{name: entry[name] for name in HASHED_FIELDS},
        "at": _at(entry["at"]),
        "ip_address": _ip(entry["ip_address"]),
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def audit_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(audit_content(entry)).hexdigest()


def audit_chain_lock() -> None:
    """Serialise appends to the chain until the current transaction ends. SQLite needs nothing:
    Dozor opens its transactions with BEGIN IMMEDIATE, which already takes the one write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head_seq: int
    head_hash: str
    problem: str = ""

    @property
    def intact(self) -> bool:
        return not self.problem


def _describe(entry: Mapping[str, Any]) -> str:
    what = " ".join(str(entry[name]) for name in ("action", "object_type", "object_id") if entry[name])
    return f"entry {entry['seq']} (id {entry['id']}, {_at(entry['at'])}, {what})"


def audit_chain_verify(*, expect_head: tuple[int, str] | None = None) -> ChainReport:
    """Walk the chain in order and report the first entry that is altered or missing."""
    from dozor.accounts.models import AuditEvent

    previous: dict[str, Any] | None = None
    count = 0
    problem = ""
    rows = AuditEvent.objects.order_by("seq").values("id", "hash", "actor_id", *HASHED_FIELDS)
    for entry in rows.iterator(chunk_size=2000):
        count += 1
        expected_seq = previous["seq"] + 1 if previous else 1
        if entry["seq"] != expected_seq:
            missing = (
                f"entry {expected_seq} is"
                if entry["seq"] == expected_seq + 1
                else f"entries {expected_seq} to {entry['seq'] - 1} are"
            )
            problem = f"{missing} missing (deleted): the chain jumps to {_describe(entry)}"
            break
        if audit_hash(entry) != entry["hash"]:
            problem = f"{_describe(entry)} was altered: its content does not match its hash"
            break
        if previous is None and entry["prev_hash"] != GENESIS:
            problem = f"{_describe(entry)} does not start the chain: it was altered or replaced"
            break
        if previous is not None and entry["prev_hash"] != previous["hash"]:
            problem = (
                f"{_describe(previous)} was altered or replaced (its hash was recomputed): "
                f"entry {entry['seq']} no longer links to it"
            )
            break
        previous = entry
    head_seq = previous["seq"] if previous else 0
    head_hash = previous["hash"] if previous else GENESIS
    if not problem and expect_head is not None:
        seq, digest = expect_head
        found = AuditEvent.objects.filter(seq=seq).values_list("hash", flat=True).first()
        if found is None:
            problem = f"entry {seq}, the recorded head, is missing (deleted): the chain ends at {head_seq}"
        elif found != digest:
            problem = f"entry {seq} does not have the recorded hash {digest}: it was altered or replaced"
    return ChainReport(entries=count, head_seq=head_seq, head_hash=head_hash, problem=problem)
