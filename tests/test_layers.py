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


# Reads (issue 17): a view reaches an object through the scope, ``get_visible_or_404(Model.objects…, request,
# …)``, and calls a selector for anything more (lists, counts, related rows for the page). So ``.objects.``
# may appear in a view only inside that call, or as one of these manager calls, each with its reason.
ALLOWED_MANAGER_CALLS = {
    # The page's year from ``?year=`` (falling back to the current one): parsing a parameter, not a list.
    "AcademicYear.objects.from_param",
    # The current academic year, one row by date: the default a form or page starts from.
    "AcademicYear.objects.current",
    # The scope's own question «what may this user do with this order», asked of the object the view
    # already holds through ``get_visible_or_404``; it is the permission check, not a read for the page.
    "Order.objects.permissions",
}
# ``Model.objects.none()`` runs no query: a form field's placeholder until ``__init__`` gives the choices.
NO_QUERY = {"none"}

def _reads(path: Path, root: Path = ROOT) -> list[str]:
    """``Model.objects.method`` uses in a view module outside a ``get_visible_or_404(...)`` call."""
    tree = ast.parse(path.read_text())
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    scoped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == "get_visible_or_404":
            for argument in (*node.args, *(keyword.value for keyword in node.keywords)):
                scoped.update(ast.walk(argument))
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "objects") or node in scoped:
            continue
        parent = parents.get(node)
        call = ast.unparse(parent) if isinstance(parent, ast.Attribute) else ast.unparse(node)
        if call in ALLOWED_MANAGER_CALLS or call.rsplit(".", 1)[-1] in NO_QUERY:
            continue
        found.append(f"{path.relative_to(root)}:{node.lineno} {call}")
    return sorted(found, key=lambda hit: int(hit.split(" ")[0].rsplit(":", 1)[1]))


def test_views_read_through_selectors():
    found = [hit for path in _views() for hit in _reads(path)]
    assert found == [], "views reading past the scope without a selector:\n" + "\n".join(found)


def test_the_scan_finds_a_read(tmp_path):
    view = tmp_path / "view.py"
    view.write_text(
        "def v(request, pk):\n"
        "    pair = get_visible_or_404(Pair.objects.select_related('programme'), request, pk=pk)\n"
        "    year = AcademicYear.objects.from_param(request.GET.get('year'))\n"
        "    field_queryset = Programme.objects.none()\n"
        "    rows = Pair.objects.filter(programme=pair.programme).annotate(n=Count('pk'))\n"
        "    queryset = Pair.objects.select_related('programme')\n"
        "    return get_visible_or_404(queryset, request, pk=pk), Meeting.objects.count()\n"
    )
    hits = [hit.split(" ", 1)[1] for hit in _reads(view, root=tmp_path)]
    assert hits == ["Pair.objects.filter", "Pair.objects.select_related", "Meeting.objects.count"], hits


def test_the_scan_finds_a_read_in_a_form_of_a_view_module(tmp_path):
    # A form class written in a view module is part of what the scan reads: its field querysets and its
    # ``clean`` are reads of the view's page like any other.
    view = tmp_path / "view.py"
    view.write_text(
        "class UploadForm(forms.ModelForm):\n"
        "    organisation = forms.ModelChoiceField(queryset=Organisation.objects.filter(is_active=True))\n"
        "    programme = forms.ModelChoiceField(queryset=Programme.objects.none())\n"
        "\n"
        "    def clean(self):\n"
        "        return Upload.objects.committed_copy(1, 'sha')\n"
    )
    hits = [hit.split(" ", 1)[1] for hit in _reads(view, root=tmp_path)]
    assert hits == ["Organisation.objects.filter", "Upload.objects.committed_copy"], hits


# Related rows reached through an object the view holds (``participant.consents.filter(…)``) are reads
# too: a selector names them (``registry.selectors.participant_consents``). Only queryset methods are
# looked for, on ``name.relation`` receivers other than the request and forms, so ``request.GET.get``,
# a dict's ``get``/``values`` or a file's ``open`` are not taken for one; a custom queryset method first in
# the chain (``.open()``) is not recognised. Every app's views are scanned.
RELATED_READS = {"all", "filter", "exclude", "select_related", "prefetch_related", "annotate", "order_by",
                 "values_list", "aggregate", "count", "exists", "first", "last", "only", "defer", "distinct"}
RELATED_SCAN_APPS = ("registry", "mentoring", "roadmaps", "monitoring")
NOT_RECEIVERS = {"request", "form", "self"}


def _related_reads(path: Path, root: Path = ROOT) -> list[str]:
    """``obj.relation.<queryset method>(…)`` calls in a view module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in RELATED_READS):
            continue
        receiver = node.func.value
        if (isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name)
                and receiver.attr != "objects" and receiver.value.id not in NOT_RECEIVERS):
            found.append(f"{path.relative_to(root)}:{node.lineno} {ast.unparse(node.func)}")
    return sorted(found, key=lambda hit: int(hit.split(" ")[0].rsplit(":", 1)[1]))


def test_views_read_related_rows_through_selectors():
    found = [hit for app in RELATED_SCAN_APPS for path in sorted((ROOT / app / "views").glob("*.py"))
             for hit in _related_reads(path)]
    assert found == [], "views reading related rows without a selector:\n" + "\n".join(found)


def test_the_scan_finds_a_related_read(tmp_path):
    view = tmp_path / "view.py"
    view.write_text(
        "def v(request, form, participant, job):\n"
        "    kind = request.GET.get('kind')\n"
        "    year = form.cleaned_data.get('year')\n"
        "    handle = job.file.open('rb')\n"
        "    consents = participant.consents.select_related('text').order_by('-pk')\n"
        "    return participant.headcounts.all(), participant.stops.count()\n"
    )
    hits = [hit.split(" ", 1)[1] for hit in _related_reads(view, root=tmp_path)]
    assert hits == ["participant.consents.select_related", "participant.headcounts.all",
                    "participant.stops.count"], hits
