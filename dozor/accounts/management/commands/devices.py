"""dozor devices add|list|revoke - ODK Collect device credentials from the server's console."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dozor.accounts.devices.models import Device
from dozor.accounts.devices.services import device_add, device_revoke
from dozor.accounts.models import User


class Command(BaseCommand):
    help = (
        "ODK Collect device credentials. add USER [--label L] [--json]: a new device for the user (who must "
        "record checklists); prints the server URL, the device's user name and its password, shown only "
        'this once (--json: exactly {"server_url", "username", "password"}). list [USER]: devices, with '
        "their last use (writes nothing). revoke USERNAME: the device (its user name) stops working at once. "
        "Every change is audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["add", "list", "revoke"])
        parser.add_argument(
            "name", nargs="?", default="", help="add/list: the user; revoke: the device's user name"
        )
        parser.add_argument("--label", default="", help="add: a label such as the phone's name")
        parser.add_argument("--json", action="store_true", help="add: print JSON for scripts")

    def handle(self, *args: Any, **options: Any) -> None:
        action, name = options["action"], options["name"]
        if action == "add":
            if not name:
                raise CommandError("add needs the user's name")
            user = User.objects.filter(username=name).first()
            if user is None:
                raise CommandError(f"no user {name}")
            try:
                new = device_add(actor=None, user=user, label=options["label"])
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            if options["json"]:
                self.stdout.write(json.dumps(new.as_json()))
            else:
                self.stdout.write(
                    f"device {new.device.username} added for {user.username}\n"
                    f"server URL: {new.server_url}\nuser name:  {new.device.username}\n"
                    f"password:   {new.password}   (shown only now)"
                )
        elif action == "list":
            devices = Device.objects.select_related("user").order_by("user__username", "-created_at")
            if name:
                devices = devices.filter(user__username=name)
            rows = list(devices)
            for device in rows:
                used = (
                    device.last_used_at.isoformat(timespec="minutes") if device.last_used_at else "never used"
                )
                state = f"revoked {device.revoked_at:%Y-%m-%d}" if device.revoked_at else "active"
                self.stdout.write(
                    f"{device.username}\t{device.user.username}\t{device.label}\t{state}\t{used}"
                )
            self.stdout.write(f"{len(rows)} device(s)")
        else:
            found = Device.objects.select_related("user").filter(username=name).first()
            if found is None:
                raise CommandError(f"no device {name}")
            if device_revoke(actor=None, device=found):
                self.stdout.write(f"revoked {found.username} ({found.user.username})")
            else:
                self.stdout.write(f"{found.username} was already revoked")
