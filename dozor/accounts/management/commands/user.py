"""dozor user add|set|deactivate|reactivate|reset-mfa - manage accounts from the server's console."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from dozor.accounts.models import Role
from dozor.accounts.services import (
    user_create,
    user_mfa_reset_by_name,
    user_set_active_by_name,
    user_set_password_by_name,
    user_set_role,
)


class Command(BaseCommand):
    help = (
        "Manage user accounts. add: create one with its role (" + ", ".join(Role.values) + "; liaisons need "
        "--authority CODE, --region CODE narrows to one region). set: change the role and scope (--role) and/or "
        "the password (--password or --password-stdin); a new password ends the user's sessions and API tokens. "
        "deactivate / reactivate: an account keeps its history; deactivating signs it out and revokes its tokens. "
        "reset-mfa: remove the second factor (the user enrols again at the next sign-in). Every change is audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["add", "set", "deactivate", "reactivate", "reset-mfa"])
        parser.add_argument("username")
        parser.add_argument("--role", choices=Role.values, help="role (required for add)")
        parser.add_argument("--authority", help="authority code (required for liaisons), e.g. KUIS")
        parser.add_argument("--region", help="region code, e.g. AST")
        parser.add_argument("--email", default="")
        password = parser.add_mutually_exclusive_group()
        password.add_argument("--password", help="password (add: prompted when omitted)")
        password.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input",
        )
        parser.add_argument(
            "--identity-check",
            default="",
            help="reset-mfa: how the person's identity was confirmed (written to the audit log)",
        )

    def _password(self, options: dict[str, Any], *, prompt: bool) -> str | None:
        if options["password_stdin"]:
            line = sys.stdin.readline().rstrip("\r\n")
            if not line:
                raise CommandError("no password on standard input")
            return line
        if options["password"] is not None:
            return str(options["password"])
        return getpass.getpass("Password: ") if prompt else None

    def handle(self, *args: Any, **options: Any) -> None:
        action, username = options["action"], options["username"]
        try:
            if action == "add":
                if not options["role"]:
                    raise CommandError("add needs --role")
                user = user_create(
                    username=username,
                    password=self._password(options, prompt=True) or "",
                    role=options["role"],
                    authority_code=options["authority"],
                    region_code=options["region"],
                    email=options["email"],
                )
                self.stdout.write(f"created {user.username} ({user.role})")
            elif action == "set":
                password = self._password(options, prompt=False)
                if not options["role"] and password is None:
                    raise CommandError("set needs --role and/or --password / --password-stdin")
                done = []
                with transaction.atomic():  # a refused password leaves the role unchanged too
                    if options["role"]:
                        user = user_set_role(
                            username=username,
                            role=options["role"],
                            authority_code=options["authority"],
                            region_code=options["region"],
                        )
                        done.append(f"role {user.role}")
                    if password is not None:
                        user_set_password_by_name(username=username, password=password)
                        done.append("password (sessions and API tokens ended)")
                self.stdout.write(f"updated {username}: {', '.join(done)}")
            elif action in ("deactivate", "reactivate"):
                user = user_set_active_by_name(username=username, active=action == "reactivate")
                self.stdout.write(f"{action}d {user.username}")
            else:
                removed = user_mfa_reset_by_name(
                    username=username,
                    identity_check=options["identity_check"] or "dozor user reset-mfa on the server console",
                )
                self.stdout.write(f"removed {removed} second-factor device(s) of {username}")
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
