"""dozor keys new|rotate|check|form-key - the field-encryption keys (dozor.core.crypto, DOZOR_FIELD_KEYS)
and the key pair of encrypted ODK forms (dozor.core.formkeys)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction
from django.utils import timezone

from dozor.core.canary import encrypted_fields, raw_values
from dozor.core.crypto import DEV_KEY_ID, DecryptionError, Keyring, decrypt, key_id_of, keyring, new_key
from dozor.core.fields import EncryptedTextField
from dozor.core.formkeys import FormKeyError, form_encryption_on, form_key_create, form_key_current
from dozor.core.models import FormKey
from dozor.core.sealed import files_seal

BATCH = 500


def _plain(value: str, field: EncryptedTextField, ring: Keyring) -> str:
    if key_id_of(value) is None:
        raise DecryptionError("not an encrypted value")
    try:
        return decrypt(value, context=field.context(), ring=ring)
    except ValueError as exc:  # broken base64, a too short value, bytes that are not UTF-8
        raise DecryptionError(f"the value is damaged ({exc})") from exc


class Command(BaseCommand):
    # No system checks: `dozor keys check` must run to tell what is wrong with a refused key ring.
    requires_system_checks: list[str] = []
    help = (
        "Field-encryption keys (DOZOR_FIELD_KEYS): new, rotate [--dry-run], check.\n"
        "new: print a new key line id:base64 to put first in "
        "DOZOR_FIELD_KEYS; rotate: re-encrypt with the current (first) key every encrypted value written "
        "with an older key, in one transaction, then seals or re-seals the evidence files kept encrypted at "
        "rest (--dry-run writes nothing); check: decrypt every encrypted "
        "value and report those that fail (exit status 1); form-key: print the public key of encrypted ODK "
        "forms (made on first use; --new replaces it, --import PEM takes an existing private key; the "
        "private key is stored encrypted under DOZOR_FIELD_KEYS and follows `rotate`)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["new", "rotate", "check", "form-key"])
        parser.add_argument(
            "--id", dest="key_id", help="new: the key id (letters and digits; default kYYYYMMDD)"
        )
        parser.add_argument("--dry-run", action="store_true", help="rotate: count and verify, write nothing")
        parser.add_argument(
            "--new",
            action="store_true",
            help="form-key: make a new key pair (the old one still opens old forms)",
        )
        parser.add_argument(
            "--import", dest="import_path", help="form-key: use this RSA private key (PEM) from now on"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "new":
            self._new(options.get("key_id") or f"k{timezone.now():%Y%m%d}")
        elif action == "rotate":
            self._rotate(dry_run=options["dry_run"])
        elif action == "form-key":
            self._form_key(new=options["new"], import_path=options.get("import_path"))
        else:
            self._check()

    def _new(self, key_id: str) -> None:
        if not key_id.isalnum():
            raise CommandError("the key id must be letters and digits only")
        self.stdout.write(f"{key_id}:{new_key()}")
        self.stderr.write(
            "Put this key first in DOZOR_FIELD_KEYS, keep the old keys after it, restart, then run "
            "`dozor keys rotate`; remove an old key only after `dozor keys check` passes without it."
        )

    def _form_key(self, *, new: bool, import_path: str | None) -> None:
        if new and import_path:
            raise CommandError("give --new or --import, not both")
        key: FormKey | None
        try:
            if import_path:
                key = form_key_create(private_pem=Path(import_path).read_bytes())
            elif new:
                key = form_key_create()
            else:
                key = form_key_current()
        except (OSError, FormKeyError) as exc:
            raise CommandError(f"form key: {exc}") from exc
        assert key is not None
        self.stdout.write(key.public_key)
        self.stderr.write(
            f"form key {key.fingerprint[:16]} (SHA-256 of the public key), made {key.created_at:%Y-%m-%d}"
        )
        if not form_encryption_on():
            self.stderr.write(
                "warning: DOZOR_FORM_ENCRYPTION is off: forms are exported and served without this key"
            )

    def _rotate(self, *, dry_run: bool) -> None:
        ring = keyring()
        total = 0
        failures: list[str] = []
        with transaction.atomic():
            for model, fields in encrypted_fields():
                label = model._meta.label_lower
                rows = 0
                stale_rows = 0
                values = 0
                updates: dict[str, list[models.Model]] = {field.attname: [] for field in fields}
                for pk, stored in raw_values(model, fields):
                    rows += 1
                    stale = False
                    for field in fields:
                        value = stored[field.attname]
                        if not value or key_id_of(value) == ring.current:
                            continue
                        try:
                            plain = _plain(value, field, ring)
                        except DecryptionError as exc:
                            failures.append(f"{label} #{pk} {field.name}: {exc}")
                            continue
                        obj = model(pk=pk)
                        setattr(obj, field.attname, plain)
                        updates[field.attname].append(obj)
                        values += 1
                        stale = True
                    stale_rows += stale
                if not dry_run and not failures:
                    for attname, objs in updates.items():
                        # bulk_update sends each value through the field: encrypted with the current key
                        model._base_manager.bulk_update(objs, [attname], batch_size=BATCH)
                total += values
                self.stdout.write(
                    f"{label}: {values} values in {stale_rows} of {rows} rows re-encrypted with key {ring.current}"
                )
            if failures:
                for failure in failures:
                    self.stderr.write(failure)
                raise CommandError(
                    f"{len(failures)} values cannot be decrypted with DOZOR_FIELD_KEYS; nothing was written"
                )
            if dry_run:
                transaction.set_rollback(True)
        suffix = " (dry run: nothing written)" if dry_run else ""
        self.stdout.write(f"{total} values re-encrypted with key {ring.current}{suffix}")
        # Files sealed at rest (evidence) follow the fields: sealed or re-sealed with the current key.
        sealed = files_seal(dry_run=dry_run, say=self.stdout.write)
        for problem in sealed.problems:
            self.stderr.write(problem)
        self.stdout.write(
            f"{sealed.sealed} files sealed, {sealed.resealed} re-sealed with key {ring.current}{suffix}"
        )
        if sealed.problems:
            raise CommandError(f"{len(sealed.problems)} files could not be sealed (dozor files verify)")

    def _check(self) -> None:
        ring = keyring()
        failures: list[str] = []
        keys: Counter[str] = Counter()
        total = 0
        for model, fields in encrypted_fields():
            label = model._meta.label_lower
            counted: Counter[str] = Counter()
            for pk, stored in raw_values(model, fields):
                for field in fields:
                    value = stored[field.attname]
                    if not value:
                        continue
                    counted[key_id_of(value) or "-"] += 1
                    try:
                        _plain(value, field, ring)
                    except DecryptionError as exc:
                        failures.append(f"{label} #{pk} {field.name}: {exc}")
            by_key = ", ".join(f"{key}: {count}" for key, count in sorted(counted.items())) or "none"
            self.stdout.write(f"{label}: {sum(counted.values())} values (by key {by_key})")
            keys.update(counted)
            total += sum(counted.values())
        if ring.current == DEV_KEY_ID:
            self.stderr.write("warning: DOZOR_FIELD_KEYS is not set; the development key is in use")
        old = sorted(key for key in keys if key != ring.current)
        if old:
            self.stderr.write(f"values under older keys ({', '.join(old)}): run `dozor keys rotate`")
        if failures:
            for failure in failures:
                self.stderr.write(failure)
            raise CommandError(f"{len(failures)} of {total} encrypted values cannot be decrypted")
        self.stdout.write(f"all {total} encrypted values decrypt with key(s) {', '.join(sorted(ring.keys))}")
