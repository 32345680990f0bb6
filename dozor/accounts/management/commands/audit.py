"""dozor audit verify - check the audit log's hash chain (dozor.accounts.audit_chain)."""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dozor.accounts.audit_chain import audit_chain_verify

HEAD = re.compile(r"^(\d+):([0-9a-f]{64})$")


class Command(BaseCommand):
    help = (
        "Audit log: verify. Reads every audit entry (writes nothing), recomputes the hash chain and names "
        "the first entry that was altered, inserted or deleted (exit status 1); prints the head "
        "(number:hash) to record elsewhere, so that deleting the latest entries shows too."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])
        parser.add_argument(
            "--expect-head",
            metavar="SEQ:HASH",
            help="a head printed by an earlier run: that entry must still be there, unchanged",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        expect = None
        if options["expect_head"]:
            match = HEAD.match(options["expect_head"].strip().lower())
            if not match:
                raise CommandError("--expect-head must be NUMBER:HASH (64 hexadecimal digits), as printed")
            expect = (int(match[1]), match[2])
        report = audit_chain_verify(expect_head=expect)
        if not report.intact:
            raise CommandError(f"the audit log was tampered with: {report.problem}")
        self.stdout.write(
            f"audit log intact: {report.entries} entries; head {report.head_seq}:{report.head_hash}"
        )
