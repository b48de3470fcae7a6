"""Static files as production serves them: whitenoise with hashed names, compressed copies and a long
cache for the hashed names (a file whose name changes with its content can be kept for ever)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from tests.clients import CsrfClient

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_production_settings_serve_static_files_through_whitenoise_hashed_and_compressed():
    env = {"PATH": os.environ["PATH"], "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 50,
           "DJANGO_ALLOWED_HOSTS": "example.org", "DATABASE_URL": "sqlite:////tmp/unused.sqlite3",
           "CELERY_BROKER_URL": "memory://", "DJANGO_SETTINGS_MODULE": "config.settings"}
    shown = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings as s; "
                               "print(s.STORAGES['staticfiles']['BACKEND']); print(s.MIDDLEWARE.index("
                               "'whitenoise.middleware.WhiteNoiseMiddleware') - s.MIDDLEWARE.index("
                               "'django.middleware.security.SecurityMiddleware'))"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60).stdout.split()
    assert shown == [PRODUCTION_STORAGE, "1"]  # right after SecurityMiddleware, as whitenoise asks


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}
    call_command("collectstatic", "--noinput", verbosity=0)
    return tmp_path


def test_a_hashed_file_is_compressed_and_cached_for_a_year_or_more(collected):
    hashed = staticfiles_storage.url("css/nastavnik.css")
    assert hashed != "/static/css/nastavnik.css"  # the name carries the content's hash
    client = CsrfClient()  # a new handler: whitenoise scans STATIC_ROOT when it is built
    response = client.get(hashed, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert response.status_code == 200
    assert response["Content-Encoding"] in ("gzip", "br")
    assert response["Vary"] == "Accept-Encoding"
    cache = dict(part.strip().partition("=")[::2] for part in response["Cache-Control"].split(","))
    assert int(cache["max-age"]) >= 365 * 24 * 3600 and "immutable" in cache and "public" in cache
    plain = client.get(hashed)  # a client that takes no compression gets the file as it is
    assert plain.status_code == 200 and "Content-Encoding" not in plain
    assert b"".join(plain.streaming_content) == (collected / hashed.removeprefix("/static/")).read_bytes()


def test_an_unhashed_name_is_served_with_a_short_cache(collected):
    response = CsrfClient().get("/static/css/nastavnik.css")
    assert response.status_code == 200
    max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert max_age < 24 * 3600  # the name stays when the content changes: browsers must ask again soon
