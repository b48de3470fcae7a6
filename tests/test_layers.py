"""The layers inside each app: views render, ``services`` write, ``selectors`` read.

A view that saves a model itself skips what the service does around the write (the audit entry, the
rule check, the ``by=`` actor), so the views are scanned for direct ORM writes; and every public
function of a ``services`` module takes the actor as ``by=``, keyword-only, so a call reads the same
everywhere and an argument cannot slip into the actor's place.
"""
import ast
import importlib
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("registry", "mentoring", "roadmaps", "monitoring")

# Calls that write to the database when a view makes them on a model, a queryset or a form.
WRITES = {"save", "delete", "update", "create", "bulk_create", "bulk_update", "get_or_create",
          "update_or_create"}

# ``x.update(...)`` on these receivers is a dict's update, not a queryset's: the template context and
# a form's field dict.
DICT_RECEIVERS = {"context", "self.fields"}

# Public functions of a services module that have no actor. Each says why.
NO_ACTOR = {
    # Loads the shipped roadmap templates at migration and start-up; nobody acts.
    "roadmaps.services.sync_templates",
    # The answers sent through a personal link: the respondent does not log in, the token is the key.
    "monitoring.services.submit_by_link",
}


def _views():
    for app in APPS:
        yield from sorted((ROOT / app / "views").glob("*.py"))


def _writes(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, receiver = node.func.attr, ast.unparse(node.func.value)
        if name not in WRITES:
            continue
        if name == "update" and receiver in DICT_RECEIVERS:
            continue
        # ``form.save(commit=False)`` builds the object without writing it; the service saves it.
        if name == "save" and any(k.arg == "commit" and isinstance(k.value, ast.Constant)
                                  and k.value.value is False for k in node.keywords):
            continue
        found.append(f"{path.relative_to(root)}:{node.lineno} {receiver}.{name}(")
    return found


def test_views_write_only_through_services():
    found = [hit for path in _views() for hit in _writes(path)]
    assert found == [], "views writing without a service:\n" + "\n".join(found)


def test_the_scan_finds_a_write(tmp_path):
    view = tmp_path / "view.py"
    view.write_text(
        "def v(request, form, qs, context):\n"
        "    context.update({'a': 1})\n"
        "    obj = form.save(commit=False)\n"
        "    form.save()\n"
        "    qs.filter(pk=1).update(x=1)\n"
        "    Model.objects.create(x=1)\n"
        "    obj.delete()\n"
    )
    hits = [hit.split(" ", 1)[1] for hit in _writes(view, root=tmp_path)]
    assert hits == ["form.save(", "qs.filter(pk=1).update(", "Model.objects.create(", "obj.delete("]


def _service_functions():
    for app in APPS:
        module = importlib.import_module(f"{app}.services")
        # Its own public functions and what it re-exports from a focused module (``__all__``); not
        # classes (errors, inputs) nor what it merely imports to use.
        for name, function in vars(module).items():
            own = getattr(function, "__module__", None) == module.__name__ and not name.startswith("_")
            if inspect.isfunction(function) and (own or name in getattr(module, "__all__", ())):
                yield f"{app}.services.{name}", function


@pytest.mark.parametrize("app", APPS)
def test_every_app_has_services_and_selectors(app):
    importlib.import_module(f"{app}.services")
    importlib.import_module(f"{app}.selectors")


def test_every_service_takes_the_actor_keyword_only():
    wrong = []
    for qualified, function in _service_functions():
        if qualified in NO_ACTOR:
            continue
        by = inspect.signature(function).parameters.get("by")
        if by is None or by.kind is not inspect.Parameter.KEYWORD_ONLY:
            wrong.append(qualified)
    assert wrong == [], "services without a keyword-only by=: " + ", ".join(wrong)


def test_the_allow_list_names_real_services():
    assert NO_ACTOR <= {qualified for qualified, _ in _service_functions()}


# Modules past what fits in a head are split by subject (issue 17). This one is being split on its own.
LONG_MODULES = {"monitoring/exports.py"}
MAX_LINES = 420  # «about 400»: room for a small change before a split is due


def test_modules_fit_in_a_head():
    long = [f"{path.relative_to(ROOT)}: {count}"
            for app in APPS for path in sorted((ROOT / app).rglob("*.py"))
            if "migrations" not in path.parts and str(path.relative_to(ROOT)) not in LONG_MODULES
            and (count := len(path.read_text().splitlines())) > MAX_LINES]
    assert long == [], "split these by subject:\n" + "\n".join(long)
