"""The rows that data migrations seed (vocabulary, consent wording, forms of mentoring).

Transactional tests flush the database, and pytest-django's serialized rollback does not survive
Playwright's fixtures (pytest-dev/pytest-django#1117), so browser tests seed these again. Every
seeding function is idempotent (get_or_create); add a new data migration's function here.
"""

import random
from importlib import import_module

from django.apps import apps

SEEDS = (
    ("registry.migrations.0002_default_topics", "add_topics"),
    ("registry.migrations.0003_default_consent_texts", "add_texts"),
    ("registry.migrations.0014_case_forms_data", "decline_consent_texts"),
    ("registry.migrations.0018_consent_texts_2025_3", "add_texts"),
    ("mentoring.migrations.0002_default_forms", "add_forms"),
    ("monitoring.migrations.0002_default_questionnaires", "add_questionnaires"),
)


def seed_reference_data() -> None:
    for module, function in SEEDS:
        getattr(import_module(module), function)(apps, None)
    # Roadmap templates are data files loaded after migrate (roadmaps/seed_templates/*.yaml).
    from roadmaps.services import sync_templates

    sync_templates()
    # The tracked tables' version rows (``registry.table_versions``: the migrations seed them, a write's
    # trigger makes one again). Without them, a table nobody wrote to since the flush is never cached.
    # Random versions, as SQLite's triggers set them: a value cached by an earlier test under other rows
    # must not be found under the same number again.
    from registry.models import TableVersion
    from registry.table_versions import TRACKED

    for table in sorted(TRACKED):
        TableVersion.objects.get_or_create(table=table, defaults={"version": random.getrandbits(62)})
