"""Production refuses what is public or guessable: the development keys, a short or repetitive
secret key, a wildcard host (dozor.env.production_refusals, read by dozor/settings.py)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest

from dozor.accounts.tests.test_settings import ROOT, SECRET, run_settings
from dozor.env import DEV_FIELD_KEY, LOCAL_SECRET_KEY, production_refusals

FIELD_KEY = "k1:" + base64.b64encode(b"k" * 32).decode()
PUBLIC_FIELD_KEY = "dev:" + base64.b64encode(DEV_FIELD_KEY).decode()
SAFE = {
    "DOZOR_ENV": "production",
    "DOZOR_SECRET_KEY": SECRET,
    "DOZOR_ALLOWED_HOSTS": "dozor.example.kz",
    "DOZOR_FIELD_KEYS": FIELD_KEY,
}


def test_it_starts_with_a_safe_configuration():
    result = run_settings(SAFE)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"DOZOR_SECRET_KEY": LOCAL_SECRET_KEY}, "DOZOR_SECRET_KEY is the public development key"),
        ({"DOZOR_SECRET_KEY": "x"}, "DOZOR_SECRET_KEY is 1 characters long; production needs at least 50"),
        ({"DOZOR_SECRET_KEY": SECRET[:49]}, "DOZOR_SECRET_KEY is 49 characters long"),
        ({"DOZOR_SECRET_KEY": "ab" * 40}, "DOZOR_SECRET_KEY has only 2 different characters"),
        ({"DOZOR_ALLOWED_HOSTS": "dozor.example.kz,*"}, "DOZOR_ALLOWED_HOSTS must not contain '*'"),
        ({"DOZOR_FIELD_KEYS": PUBLIC_FIELD_KEY}, "DOZOR_FIELD_KEYS: key 'dev' is the public development key"),
        (
            {"DOZOR_FIELD_KEYS": f"{FIELD_KEY},old:{PUBLIC_FIELD_KEY.split(':', 1)[1]}"},
            "key 'old' is the public development key",
        ),
    ],
)
def test_it_refuses_an_unsafe_production_configuration(change, message):
    result = run_settings({**SAFE, **change})
    assert result.returncode != 0
    assert message in result.stderr


def test_it_lists_every_refusal_at_once():
    refusals = production_refusals(secret_key="short", allowed_hosts=["*"], field_keys=PUBLIC_FIELD_KEY)
    assert len(refusals) == 3


def test_it_accepts_the_development_values_outside_production():
    result = run_settings({"DOZOR_ALLOWED_HOSTS": "*", "DOZOR_FIELD_KEYS": PUBLIC_FIELD_KEY})
    assert result.returncode == 0, result.stderr


def test_the_deploy_check_of_the_makefile_passes():
    """`make deploy-check`: production settings with generated secrets pass `dozor check --deploy`."""
    ours = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # the latter is set by conftest.py for Playwright
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_") and k not in ours}
    secret = subprocess.run(
        [sys.executable, "-c", "import secrets; print(secrets.token_urlsafe(50))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    field_key = base64.b64encode(os.urandom(32)).decode()
    result = subprocess.run(
        [sys.executable, "-m", "dozor.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **env,
            "DOZOR_ENV": "production",
            "DOZOR_DEBUG": "0",
            "DOZOR_ALLOWED_HOSTS": "dozor.example.org",
            "DOZOR_SECRET_KEY": secret,
            "DOZOR_FIELD_KEYS": f"check:{field_key}",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
