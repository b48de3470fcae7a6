"""Production refuses to start half-configured; yes/no variables refuse what they do not understand."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "nastavnik.example.org",
    "DATABASE_URL": "sqlite:////tmp/nastavnik-startup-check.sqlite3",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def manage(*args, **env) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL",
                                     "CELERY_BROKER_URL"])
def test_production_without_a_needed_variable_does_not_start(missing):
    env = {name: value for name, value in PRODUCTION.items() if name != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert f"{missing} must be set when DJANGO_DEBUG is off" in result.stderr


@pytest.mark.parametrize("value", ["fasle", "да", "2", "enable"])
def test_a_yes_no_variable_refuses_what_it_does_not_understand(value):
    result = manage("check", DJANGO_DEBUG=value)
    assert result.returncode != 0 and f"DJANGO_DEBUG={value!r}" in result.stderr


def test_a_complete_production_configuration_passes_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
