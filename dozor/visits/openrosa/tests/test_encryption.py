"""Encrypted ODK submissions (dozor.visits.openrosa.encryption): decrypted exactly as ODK writes
them, and refused whole when a file is missing, changed or made for another key."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from dozor.core.formkeys import load_private_key
from dozor.core.models import FormKey
from dozor.visits.openrosa.encryption import (
    EncryptedSubmissionError,
    decrypt_file,
    decrypt_submission,
    form_settings,
    is_encrypted_manifest,
    parse_manifest,
    submission_ivs,
)
from dozor.visits.openrosa.tests.collect_crypto import encrypt_like_collect

SAMPLES = Path(__file__).parent / "samples"
INSTANCE = "uuid:5b9cf8d1-106f-4004-844f-c072d76762ed"
XML = (
    '<?xml version="1.0" ?><data id="dozor_tpl_sizo" version="3" xmlns:orx="http://openrosa.org/xforms">'
    "<s1><q1>yes</q1><q2>Камера №4: сыро, окна нет</q2><photo>cell4.jpg</photo></s1>"
    f"<orx:meta><orx:instanceID>{INSTANCE}</orx:instanceID></orx:meta></data>"
).encode()
PHOTO = bytes(range(256)) * 40 + b"tail"  # not a whole number of AES blocks
AUDIO = b"RIFF....WAVE"


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_b64(key: rsa.RSAPrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def collect(
    key: rsa.RSAPrivateKey, *, media: dict[str, bytes] | None = None, version: str | None = "3"
) -> dict[str, bytes]:
    return encrypt_like_collect(
        XML,
        form_id="dozor_tpl_sizo",
        version=version,
        instance_id=INSTANCE,
        public_key_b64=public_b64(key),
        media={"cell4.jpg": PHOTO, "talk.wav": AUDIO} if media is None else media,
    )


def split(files: dict[str, bytes]) -> tuple[bytes, dict[str, bytes]]:
    rest = dict(files)
    return rest.pop("submission.xml"), rest


def test_it_round_trips_a_submission_with_media(key) -> None:  # type: ignore[no-untyped-def]
    files = collect(key)
    assert set(files) == {"submission.xml", "submission.xml.enc", "cell4.jpg.enc", "talk.wav.enc"}
    assert "Камера".encode() not in files["submission.xml.enc"] and PHOTO not in files["cell4.jpg.enc"]
    manifest, attachments = split(files)
    assert is_encrypted_manifest(manifest) and not is_encrypted_manifest(XML)
    result = decrypt_submission(manifest, attachments, keys=[key])
    assert result.xml == XML
    assert result.media == {"cell4.jpg": PHOTO, "talk.wav": AUDIO}
    assert result.instance_id == INSTANCE


def test_it_round_trips_a_form_without_version_or_media(key) -> None:  # type: ignore[no-untyped-def]
    manifest, attachments = split(collect(key, media={}, version=None))
    assert decrypt_submission(manifest, attachments, keys=[key]).xml == XML


def test_it_uses_an_iv_per_file_in_encryption_order(key) -> None:  # type: ignore[no-untyped-def]
    """Media files first, the XML last: swapping two media files' contents does not decrypt."""
    manifest, attachments = split(collect(key))
    attachments["cell4.jpg.enc"], attachments["talk.wav.enc"] = (
        attachments["talk.wav.enc"],
        attachments["cell4.jpg.enc"],
    )
    with pytest.raises(EncryptedSubmissionError, match=r"damaged or was changed|signature does not match"):
        decrypt_submission(manifest, attachments, keys=[key])


def test_it_refuses_a_tampered_encrypted_file(key) -> None:  # type: ignore[no-untyped-def]
    manifest, attachments = split(collect(key))
    # CFB: flipping a bit of a middle block changes the plain text but keeps the padding valid;
    # only the signature can tell.
    data = bytearray(attachments["cell4.jpg.enc"])
    data[100] ^= 0x01
    attachments["cell4.jpg.enc"] = bytes(data)
    with pytest.raises(EncryptedSubmissionError) as refused:
        decrypt_submission(manifest, attachments, keys=[key])
    assert refused.value.message == (
        "The encrypted submission's signature does not match its content: a file was changed, "
        "swapped or left out on the way."
    )


def test_it_refuses_a_tampered_submission_xml(key) -> None:  # type: ignore[no-untyped-def]
    manifest, attachments = split(collect(key))
    data = bytearray(attachments["submission.xml.enc"])
    data[-1] ^= 0xFF  # the last block holds the padding
    attachments["submission.xml.enc"] = bytes(data)
    with pytest.raises(EncryptedSubmissionError) as refused:
        decrypt_submission(manifest, attachments, keys=[key])
    assert "submission.xml.enc" in refused.value.message or "signature" in refused.value.message


def test_it_refuses_a_tampered_signature(key) -> None:  # type: ignore[no-untyped-def]
    manifest, attachments = split(collect(key))
    start = manifest.index(b"<base64EncryptedElementSignature>") + len(b"<base64EncryptedElementSignature>")
    end = manifest.index(b"</base64EncryptedElementSignature>")
    signature = bytearray(base64.b64decode(manifest[start:end]))
    signature[10] ^= 0x01
    forged = manifest[:start] + base64.b64encode(bytes(signature)) + manifest[end:]
    with pytest.raises(EncryptedSubmissionError, match="signature does not match"):
        decrypt_submission(forged, attachments, keys=[key])


def test_it_refuses_a_manifest_whose_form_or_instance_was_changed(key) -> None:  # type: ignore[no-untyped-def]
    manifest, attachments = split(collect(key))
    other_version = manifest.replace(b'version="3"', b'version="4"')
    with pytest.raises(EncryptedSubmissionError, match="signature does not match"):
        decrypt_submission(other_version, attachments, keys=[key])


def test_it_refuses_a_signature_copied_from_another_submission(key) -> None:  # type: ignore[no-untyped-def]
    manifest, attachments = split(collect(key))
    other, _ = split(collect(key))
    tag = b"<base64EncryptedElementSignature>"
    mixed = manifest[: manifest.index(tag)] + other[other.index(tag) :]
    with pytest.raises(EncryptedSubmissionError, match="signature does not match"):
        decrypt_submission(mixed, attachments, keys=[key])


def test_it_refuses_a_submission_made_for_another_key(key) -> None:  # type: ignore[no-untyped-def]
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    manifest, attachments = split(collect(stranger))
    with pytest.raises(EncryptedSubmissionError) as refused:
        decrypt_submission(manifest, attachments, keys=[key])
    assert refused.value.message.startswith(
        "The encrypted submission cannot be opened with Dozor's form keys"
    )


def test_it_refuses_a_missing_file(key) -> None:  # type: ignore[no-untyped-def]
    manifest, attachments = split(collect(key))
    del attachments["talk.wav.enc"]
    with pytest.raises(EncryptedSubmissionError) as refused:
        decrypt_submission(manifest, attachments, keys=[key])
    assert (
        refused.value.message
        == "The encrypted submission is incomplete: the file(s) talk.wav.enc are missing."
    )


def test_it_refuses_a_manifest_without_signature(key) -> None:  # type: ignore[no-untyped-def]
    manifest, attachments = split(collect(key))
    tag = b"<base64EncryptedElementSignature>"
    stripped = manifest[: manifest.index(tag)] + b"</data>"
    with pytest.raises(
        EncryptedSubmissionError, match=r"manifest is incomplete \(missing: base64EncryptedElementSignature\)"
    ):
        decrypt_submission(stripped, attachments, keys=[key])


def test_it_refuses_a_plain_submission_and_broken_xml(key) -> None:  # type: ignore[no-untyped-def]
    for xml in (
        XML,
        b"<data encrypted='yes'",
        b'<!DOCTYPE x [<!ENTITY a "b">]><data encrypted="yes">&a;</data>',
    ):
        with pytest.raises(EncryptedSubmissionError, match="not an encrypted ODK submission"):
            decrypt_submission(xml, {}, keys=[key])


def test_it_tries_every_key_of_the_npm(key) -> None:  # type: ignore[no-untyped-def]
    newer = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    manifest, attachments = split(collect(key))
    assert decrypt_submission(manifest, attachments, keys=[newer, key]).xml == XML


# --- real samples ---------------------------------------------------------------------------------
# samples/: ODK Briefcase's test resources (Apache-2.0, see samples/LICENSE.md), made by ODK Collect.


def test_it_decrypts_a_real_collect_submission_and_checks_its_signature() -> None:
    key = load_private_key((SAMPLES / "encrypted-form-key.pem").read_bytes())
    result = decrypt_submission(
        (SAMPLES / "encrypted-form-submission.xml").read_bytes(),
        {"submission.xml.enc": (SAMPLES / "encrypted-form-submission.xml.enc").read_bytes()},
        keys=[key],
    )
    assert result.instance_id == "uuid:494cd080-3bf4-47be-b40f-c706a950d58a"
    assert result.xml == (
        b'<?xml version=\'1.0\' ?><data id="encrypted-form" xmlns:orx="http://openrosa.org/xforms/" '
        b'xmlns:h="http://www.w3.org/1999/xhtml"><name>Guillermo</name><orx:meta><orx:instanceID>'
        b"uuid:494cd080-3bf4-47be-b40f-c706a950d58a</orx:instanceID></orx:meta></data>"
    )


def test_it_decrypts_the_xml_of_a_real_submission_with_media_as_the_last_file() -> None:
    """Two photos were encrypted first: the XML opens with the third IV. (The photos themselves,
    1.3 MB each, are not kept here.)"""
    key = load_private_key((SAMPLES / "encrypted-form-media-key.pem").read_bytes())
    manifest = parse_manifest((SAMPLES / "encrypted-form-media-submission.xml").read_bytes())
    assert manifest.media_files == ["1538040007350.jpg.enc", "1538040019351.jpg.enc"]
    with pytest.raises(EncryptedSubmissionError, match="missing"):
        decrypt_submission((SAMPLES / "encrypted-form-media-submission.xml").read_bytes(), {}, keys=[key])
    from dozor.visits.openrosa.encryption import _unwrap_key

    aes_key, _, _ = _unwrap_key(base64.b64decode(manifest.encrypted_key), [key])
    ivs = submission_ivs(manifest.instance_id, aes_key, 3)
    xml = decrypt_file(
        (SAMPLES / "encrypted-form-media-submission.xml.enc").read_bytes(), key=aes_key, iv=ivs[2]
    )
    assert b"<name>My name</name><image1>1538040019351.jpg</image1><image2>1538040007350.jpg</image2>" in xml


def test_it_derives_the_ivs_as_odk_central_does() -> None:
    """Vectors from ODK Central's test/unit/util/crypto.js (Apache-2.0)."""
    aes_key = base64.b64decode("3TJoHf74zHbDwG3Ta+bcvfUr50C6yF/astfu+CdSnQU=")
    ivs = submission_ivs("uuid:22525f8e-4f2d-41ed-94da-4c46a2478448", aes_key, 32)
    assert ivs[0].hex() == "39bbb0890f3222269da68b172146477a"
    assert ivs[1].hex() == "39bcb0890f3222269da68b172146477a"
    assert ivs[8].hex() == "39bcb18a103323279ea68b172146477a"
    assert ivs[15].hex() == "39bcb18a103323279ea78c182247487b"
    assert ivs[23].hex() == "3abdb28b113424289ea78c182247487b"
    assert ivs[31].hex() == "3abdb28b113424289fa88d192348497c"


# --- with the NPM's stored key --------------------------------------------------------------------


def test_it_serves_the_public_key_and_decrypts_with_the_stored_key(db, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOZOR_FORM_ENCRYPTION = True
    public_key = form_settings()["public_key"]
    assert FormKey.objects.count() == 1
    files = encrypt_like_collect(
        XML, form_id="dozor_tpl_sizo", version="3", instance_id=INSTANCE, public_key_b64=public_key, media={}
    )
    manifest, attachments = split(files)
    assert decrypt_submission(manifest, attachments).xml == XML


def test_it_serves_no_key_when_encryption_is_off(db, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOZOR_FORM_ENCRYPTION = False
    assert form_settings() == {}
    assert not FormKey.objects.exists()
