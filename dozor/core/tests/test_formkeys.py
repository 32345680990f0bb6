"""The NPM's form key pair (dozor.core.formkeys, FormKey, `dozor keys form-key`): made on first
need, its private key encrypted at rest under DOZOR_FIELD_KEYS and re-encrypted by `keys rotate`."""

from __future__ import annotations

import base64
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from dozor.core import crypto
from dozor.core.formkeys import (
    form_key_create,
    form_private_keys,
    form_public_key,
    xlsform_settings,
)
from dozor.core.models import FormKey

KEY_A = "A:" + base64.b64encode(b"a" * 32).decode()
KEY_B = "B:" + base64.b64encode(b"b" * 32).decode()


def stored_private_key(form_key: FormKey) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key FROM core_formkey WHERE id = %s", [form_key.pk])
        (value,) = cursor.fetchone()
    return str(value)


@pytest.fixture
def ring_a(db, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOZOR_FIELD_KEYS = KEY_A
    settings.DOZOR_FORM_ENCRYPTION = True


def test_it_makes_the_key_pair_on_first_need_and_keeps_it(ring_a) -> None:  # type: ignore[no-untyped-def]
    assert not FormKey.objects.exists()
    public_key = form_public_key()
    assert form_public_key() == public_key
    assert FormKey.objects.count() == 1
    # XLSForm's public_key: base64 DER SubjectPublicKeyInfo, no PEM lines, RSA of 2048 bits
    loaded = serialization.load_der_public_key(base64.b64decode(public_key, validate=True))
    assert isinstance(loaded, rsa.RSAPublicKey) and loaded.key_size == 2048
    assert form_private_keys()[0].public_key().public_numbers() == loaded.public_numbers()


def test_it_stores_the_private_key_only_encrypted(ring_a) -> None:  # type: ignore[no-untyped-def]
    form_public_key()
    form_key = FormKey.objects.get()
    raw = stored_private_key(form_key)
    assert raw.startswith("enc1:A:")
    assert "PRIVATE KEY" not in raw
    assert FormKey.objects.get().private_key.startswith("-----BEGIN PRIVATE KEY-----")


def test_keys_rotate_re_encrypts_the_private_key(ring_a, settings) -> None:  # type: ignore[no-untyped-def]
    public_key = form_public_key()
    form_key = FormKey.objects.get()
    settings.DOZOR_FIELD_KEYS = f"{KEY_B},{KEY_A}"
    out = StringIO()
    call_command("keys", "rotate", stdout=out)
    assert "core.formkey: 1 values in 1 of 1 rows re-encrypted with key B" in out.getvalue()
    assert crypto.key_id_of(stored_private_key(form_key)) == "B"
    settings.DOZOR_FIELD_KEYS = KEY_B  # the old key is gone: the form key still opens
    assert form_private_keys()[0].public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == base64.b64decode(public_key)


def test_a_new_key_keeps_the_old_one_for_forms_still_on_phones(ring_a) -> None:  # type: ignore[no-untyped-def]
    first = form_public_key()
    out, err = StringIO(), StringIO()
    call_command("keys", "form-key", "--new", stdout=out, stderr=err)
    second = out.getvalue().strip()
    assert second != first and form_public_key() == second
    assert FormKey.objects.filter(current=True).count() == 1
    old = FormKey.objects.get(public_key=first)
    assert not old.current and old.retired_at is not None
    assert len(form_private_keys()) == 2


def test_the_command_prints_the_current_key_and_makes_one_if_needed(ring_a) -> None:  # type: ignore[no-untyped-def]
    out, err = StringIO(), StringIO()
    call_command("keys", "form-key", stdout=out, stderr=err)
    assert out.getvalue().strip() == FormKey.objects.get().public_key
    assert "form key" in err.getvalue()


def test_it_imports_the_npm_existing_private_key(ring_a, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "MyPrivateKey.pem"
    # `openssl genrsa` writes PKCS#1 ("BEGIN RSA PRIVATE KEY")
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    out = StringIO()
    call_command("keys", "form-key", "--import", str(pem), stdout=out, stderr=StringIO())
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert out.getvalue().strip() == base64.b64encode(der).decode() == form_public_key()


def test_it_refuses_a_short_or_broken_key(ring_a, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = tmp_path / "short.pem"
    pem.write_bytes(
        short.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with pytest.raises(CommandError, match="1024 bits; at least 2048"):
        call_command("keys", "form-key", "--import", str(pem), stdout=StringIO(), stderr=StringIO())
    (tmp_path / "junk.pem").write_text("not a key")
    with pytest.raises(CommandError, match="not an unencrypted PEM private key"):
        call_command(
            "keys", "form-key", "--import", str(tmp_path / "junk.pem"), stdout=StringIO(), stderr=StringIO()
        )
    assert not FormKey.objects.exists()


def test_re_importing_an_old_key_makes_it_current_again(ring_a) -> None:  # type: ignore[no-untyped-def]
    first = FormKey.objects.get(pk=form_key_create().pk)
    form_key_create()
    again = form_key_create(private_pem=first.private_key.encode())
    assert again.pk == first.pk and again.current
    assert FormKey.objects.count() == 2 and FormKey.objects.filter(current=True).count() == 1


def test_xlsform_settings_follow_the_setting(ring_a, settings) -> None:  # type: ignore[no-untyped-def]
    on = xlsform_settings(site_url="https://dozor.example.kz/")
    assert on == {
        "public_key": form_public_key(),
        "submission_url": "https://dozor.example.kz/openrosa/submission",
    }
    assert xlsform_settings(site_url="https://dozor.example.kz", to_dozor=False) == {
        "public_key": form_public_key()
    }
    settings.DOZOR_FORM_ENCRYPTION = False
    assert xlsform_settings(site_url="https://dozor.example.kz") == {}
