"""dozor user add|set - create an account with its scoped role, or change one's role and scope."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dozor.accounts.models import Role
from dozor.accounts.services import user_create, user_set_role


class Command(BaseCommand):
    help = (
        "Create a user account (add) or change a user's role and scope (set). Roles: "
        + ", ".join(Role.values)
        + ". Liaisons need --authority CODE; --region CODE narrows a user to one region."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["add", "set"])
        parser.add_argument("username")
        parser.add_argument("--role", choices=Role.values, required=True)
        parser.add_argument("--authority", help="authority code (required for liaisons), e.g. KUIS")
        parser.add_argument("--region", help="region code, e.g. AST")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="password (prompted when omitted)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "add":
                password = options["password"] or getpass.getpass("Password: ")
                user = user_create(
                    username=options["username"],
                    password=password,
                    role=options["role"],
                    authority_code=options["authority"],
                    region_code=options["region"],
                    email=options["email"],
                )
                self.stdout.write(f"created {user.username} ({user.role})")
            else:
                user = user_set_role(
                    username=options["username"],
                    role=options["role"],
                    authority_code=options["authority"],
                    region_code=options["region"],
                )
                self.stdout.write(f"updated {user.username} ({user.role})")
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
