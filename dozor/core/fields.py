"""Model fields shared by apps."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db import models

from dozor.core.crypto import decrypt, encrypt, keyring


class EncryptedTextField(models.TextField):
    """Text kept encrypted at rest with AES-GCM (``dozor.core.crypto``) and read back as plain text.

    The field's ``app_label.model.field`` name is authenticated with the value, so a value copied
    into another field or row type does not decrypt. Every write encrypts with the current key;
    ``dozor keys rotate`` re-encrypts values written with older keys. Lookups other than ``isnull``
    are meaningless on it (each encryption differs)."""

    def context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return self._encrypt(str(value))

    def _encrypt(self, text: str) -> str:
        from dozor.core.canary import key_canary_ensure  # imports the models

        ring = keyring()
        key_canary_ensure(ring)  # never write under a key id whose bytes changed
        return encrypt(text, context=self.context(), ring=ring)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt(value, context=self.context())

    def to_python(self, value: Any) -> Any:
        return value


class EncryptedBooleanField(EncryptedTextField):
    """A yes/no kept encrypted at rest (stored as the encrypted text ``yes`` or ``no``) and read back
    as ``True``/``False``; ``None`` when empty (a value removed at the end of its retention).

    For answers whose mere value is sensitive (an eligibility declaration: psychiatric registration,
    a criminal record). Only ``isnull`` lookups work on it; filter in Python."""

    # for django-stubs: the Python type is a bool (or None), not the stored text
    _pyi_private_set_type: bool | None  # type: ignore[assignment]
    _pyi_private_get_type: bool | None  # type: ignore[assignment]

    def get_prep_value(self, value: Any) -> Any:
        value = self.to_python(value)
        if value is None:
            return None if self.null else ""
        return self._encrypt("yes" if value else "no")

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        text = super().from_db_value(value, expression, connection)
        if text is None or text == "":
            return None
        return text == "yes"

    def get_lookup(self, lookup_name: str) -> Any:
        # Each encryption differs: `answer=True` would silently match nothing. Refuse it loudly.
        if lookup_name != "isnull":
            raise FieldError(f"{self.name} is encrypted at rest: only isnull lookups work; filter in Python")
        return super().get_lookup(lookup_name)

    def to_python(self, value: Any) -> Any:
        if value is None or value == "" or isinstance(value, bool):
            return value if value != "" else None
        return str(value).strip().lower() in ("yes", "true", "1")
