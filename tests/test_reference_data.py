"""Browser tests flush the database and seed the reference rows again from tests/reference_data.py: a data
migration that adds reference rows and is missing there leaves the browser tests without them (the consent
wording 2025-3 once did: «нет действующего текста согласия» in the registry flow)."""

import ast
from pathlib import Path

from tests.reference_data import SEEDS

ROOT = Path(__file__).resolve().parent.parent
# Data migrations that change existing rows only: a flushed database has none for them to change.
NOT_SEEDING = {
    ("registry.migrations.0009_import_stored_preview", "uploaded_to_pending"): "moves stored imports to a state",
    ("registry.migrations.0014_case_forms_data", "fill_case_forms"): "organisations get forms when saved",
    ("monitoring.migrations.0005_question_retired_at", "mark_retired"): "marks existing questions",
    ("roadmaps.migrations.0002_reminder_outbox", "mark_old_claims"): "marks existing claims",
    # Schema, not rows: triggers (they survive a flush; their version rows are put back by
    # seed_reference_data, and a write's trigger makes one again).
    ("registry.migrations.0019_table_versions", "install"): "installs the table-version triggers",
    ("mentoring.migrations.0008_table_versions", "install"): "installs the table-version triggers",
    ("registry.migrations.0021_consent_table_version", "install"): "installs the table-version triggers",
}


def forward_functions():
    for path in sorted(ROOT.glob("*/migrations/0*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "RunPython" and node.args
                    and isinstance(node.args[0], ast.Name)):
                yield module, node.args[0].id


def test_every_data_migration_is_seeded_again_or_says_why_not():
    found = set(forward_functions())
    assert found, "no data migration found: the scan is broken"
    missing = found - set(SEEDS) - set(NOT_SEEDING)
    assert not missing, f"add these to tests/reference_data.py SEEDS (or NOT_SEEDING with a reason): {missing}"
    assert not (set(NOT_SEEDING) - found), "NOT_SEEDING names a function no migration runs"
