"""An encrypted form end to end: the served form carries the NPM's public key, Collect encrypts the
submission and its photo with it, Dozor decrypts and checks the signature on arrival."""

from __future__ import annotations

import pytest

from dozor.accounts.models import User
from dozor.visits.models import Evidence, Submission, Visit
from dozor.visits.openrosa.tests.collect import EmulatedCollect, encrypted, message, public_key
from dozor.visits.openrosa.tests.test_openrosa import ANSWERS, counts, fetch_form, jpeg
from dozor.visits.selectors import submission_answer_values


@pytest.fixture(autouse=True)
def _encryption_on(settings, _plain_forms_and_media) -> None:  # type: ignore[no-untyped-def]
    settings.DOZOR_FORM_ENCRYPTION = True


def test_an_encrypted_submission_round_trips(
    collect: EmulatedCollect, team_visit: Visit, monitor: User
) -> None:
    xform = fetch_form(collect, team_visit)
    assert public_key(xform)
    instance_id, xml = collect.fill(xform, ANSWERS)
    manifest, files = encrypted(xform, instance_id, xml, {"1733570000000.jpg": jpeg()})

    response = collect.submit(manifest, files)

    assert response.status_code == 201, message(response)
    submission = Submission.objects.get(instance_id=instance_id)
    assert submission_answer_values(submission) == ANSWERS
    assert Evidence.objects.get(visit=team_visit).sealed


def test_a_tampered_encrypted_submission_is_refused_and_writes_nothing(
    collect: EmulatedCollect, team_visit: Visit
) -> None:
    xform = fetch_form(collect, team_visit)
    instance_id, xml = collect.fill(xform, ANSWERS)
    manifest, files = encrypted(xform, instance_id, xml, {"1733570000000.jpg": jpeg()})
    damaged = bytearray(files["1733570000000.jpg.enc"])
    damaged[20] ^= 0x01
    files["1733570000000.jpg.enc"] = bytes(damaged)
    before = counts()

    response = collect.submit(manifest, files)

    assert response.status_code == 400
    assert message(response)
    assert counts() == before
