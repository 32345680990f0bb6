"""Model fields shared by apps."""

from __future__ import annotations

from typing import Any

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
        from dozor.core.canary import key_canary_ensure  # imports the models

        ring = keyring()
        key_canary_ensure(ring)  # never write under a key id whose bytes changed
        return encrypt(str(value), context=self.context(), ring=ring)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt(value, context=self.context())

    def to_python(self, value: Any) -> Any:
        return value
