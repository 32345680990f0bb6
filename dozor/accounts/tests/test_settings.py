"""Settings come from the environment; production refuses to start without its secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_") and k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-c", "import dozor.settings as s; print(s.DEBUG, s.PRODUCTION, s.LANGUAGE_CODE)"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_has_safe_local_defaults():
    result = run_settings({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "ru"]


def test_it_fails_loudly_in_production_without_a_secret_key():
    result = run_settings({"DOZOR_ENV": "production", "DOZOR_ALLOWED_HOSTS": "npm.example"})
    assert result.returncode != 0
    assert "DOZOR_SECRET_KEY must be set when DOZOR_ENV=production" in result.stderr


def test_it_fails_loudly_in_production_without_allowed_hosts():
    result = run_settings({"DOZOR_ENV": "production", "DOZOR_SECRET_KEY": "x" * 50})
    assert result.returncode != 0
    assert "DOZOR_ALLOWED_HOSTS" in result.stderr


KEY = "k1:" + "A" * 43 + "="  # 32 zero bytes, base64
SECRET = "k8Qz-7vJp2WcR4xLmN9sTf3hYbE6uGdA1oKiVn5ZqHr0Xj_wSeCtPyBaMlUgDf"  # 62 characters


def test_it_fails_loudly_in_production_without_field_encryption_keys():
    result = run_settings(
        {"DOZOR_ENV": "production", "DOZOR_SECRET_KEY": "x" * 50, "DOZOR_ALLOWED_HOSTS": "npm.example"}
    )
    assert result.returncode != 0
    assert "DOZOR_FIELD_KEYS must be set" in result.stderr


def test_it_starts_in_production_with_its_settings():
    result = run_settings(
        {
            "DOZOR_ENV": "production",
            "DOZOR_SECRET_KEY": SECRET,
            "DOZOR_ALLOWED_HOSTS": "npm.example",
            "DOZOR_FIELD_KEYS": KEY,
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["False", "True"]


def test_it_refuses_bad_values():
    assert "must be one of" in run_settings({"DOZOR_DEBUG": "maybe"}).stderr
    assert "DOZOR_ENV must be" in run_settings({"DOZOR_ENV": "staging"}).stderr
    assert "DOZOR_LANGUAGE must be" in run_settings({"DOZOR_LANGUAGE": "de"}).stderr
    assert "must be an integer" in run_settings({"DOZOR_MAX_IMPORT_BYTES": "lots"}).stderr


def mfa_roles(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_") and k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-c", "import dozor.settings as s; print(','.join(s.DOZOR_MFA_REQUIRED_ROLES))"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
    )


PRODUCTION = {
    "DOZOR_ENV": "production",
    "DOZOR_SECRET_KEY": SECRET,
    "DOZOR_ALLOWED_HOSTS": "npm.example",
    "DOZOR_FIELD_KEYS": KEY,
}


def test_it_requires_a_second_factor_for_npm_roles_in_production_only():
    assert mfa_roles({}).stdout.strip() == ""
    assert mfa_roles(PRODUCTION).stdout.strip() == "coordinator,council,monitor"
    assert (
        mfa_roles({**PRODUCTION, "DOZOR_MFA_REQUIRED_ROLES": "coordinator"}).stdout.strip() == "coordinator"
    )
    refused = mfa_roles({"DOZOR_MFA_REQUIRED_ROLES": "coordinator,admin"})
    assert refused.returncode != 0 and "unknown: admin" in refused.stderr


def test_the_mfa_role_choices_are_the_roles():
    from dozor.accounts.models import Role

    source = (ROOT / "dozor" / "settings.py").read_text(encoding="utf-8")
    assert f"choices={list(Role.values)!r}".replace("'", '"') in source
