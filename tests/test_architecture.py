"""The imports point one way: registry ← mentoring, registry ← roadmaps, everything ← monitoring.

Every import statement is read, including those inside functions (a lazy import is still a dependency).
A lower app that must reach a higher one offers a hook the higher app registers in its ``ready``.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "registry": {"mentoring", "roadmaps", "monitoring"},
    "mentoring": {"roadmaps", "monitoring"},
    "roadmaps": {"mentoring", "monitoring"},
}


def imported_apps(path: Path) -> set[tuple[int, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {(node.lineno, alias.name.split(".")[0]) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add((node.lineno, node.module.split(".")[0]))
    return found


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_imports_point_one_way(app):
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {name}"
             for path in sorted((ROOT / app).rglob("*.py"))
             for line, name in sorted(imported_apps(path)) if name in FORBIDDEN[app]]
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_a_lazy_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from monitoring.models import Report\n    import roadmaps.lists\n")
    assert imported_apps(module) == {(2, "monitoring"), (3, "roadmaps")}
