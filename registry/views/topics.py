"""The vocabulary of competencies and requests: portal-wide entries and each organisation's own.

The portal-wide entries are changed by whoever keeps the shared vocabulary (the municipal curator,
``Perm.EDIT_VOCABULARY``); a school that edits its registry may add and hide its own local entries,
which nobody else sees, without touching anyone else's.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from registry import services
from registry.forms import TopicForm
from registry.listing import paginate, search_param
from registry.once import once, save_unique
from registry.scoping import Perm, read_only, requires
from registry.selectors import topic_rows, visible_topic

SORTS = {"name": ("name",), "mentors": ("mentor_count", "name"), "mentees": ("mentee_count", "name"),
         "owner": ("organisation__short_name", "name")}


def keeps_shared_vocabulary(scope) -> bool:
    return scope.is_superuser or bool(scope.editable_municipalities(Perm.EDIT_VOCABULARY))


@read_only
def topic_list(request):
    return _page(request, _form(request))


def _form(request, data=None):
    return TopicForm(data, organisations=request.scope.editable_organisations(Perm.EDIT_REGISTRY),
                     shared=keeps_shared_vocabulary(request.scope))


def _page(request, form):
    scope = request.scope
    query = search_param(request.GET)
    listing = paginate(request, topic_rows(scope, search=query), sorts=SORTS, default="name", page_size=100)
    editable = {o.pk for o in scope.editable_organisations(Perm.EDIT_REGISTRY)}
    return render(request, "registry/topic_list.html", {
        "listing": listing, "form": form, "q": query, "can_add": bool(form.fields["owner"].choices),
        "shared_editor": keeps_shared_vocabulary(scope), "editable_organisations": editable,
    })


@requires(Perm.EDIT_REGISTRY)
@once
def topic_create(request):
    # A school's own entry needs EDIT_REGISTRY there, a shared one the keeper of the shared vocabulary:
    # whoever may add neither finds nothing here.
    form = _form(request, request.POST if request.method == "POST" else None)
    if not form.fields["owner"].choices:
        raise Http404
    if request.method != "POST":
        return redirect("registry:topic_list")
    if form.is_valid():
        topic = save_unique(form, lambda: services.save_form(form, by=request.user),
                            _("Такое направление уже есть в справочнике."))
        if topic is not None:
            messages.success(request, _("Направление «%(name)s» добавлено.") % {"name": topic.name})
            return redirect("registry:topic_list")
    return _page(request, form)


@requires(Perm.EDIT_REGISTRY)
def topic_toggle(request, pk):
    """Hide an entry from the choices, or bring it back: a shared one by its keeper, a local one by its school."""
    if request.method != "POST":
        raise Http404
    topic = visible_topic(request.scope, pk)
    if topic is None:
        raise Http404
    if topic.organisation_id is None:
        allowed = keeps_shared_vocabulary(request.scope)
    else:
        allowed = request.scope.can(Perm.EDIT_REGISTRY, topic.organisation)
    if not allowed and not _form(request).fields["owner"].choices:
        raise PermissionDenied  # a reader: may change no entry at all
    if not allowed:
        messages.error(request, _("Общие направления портала меняет муниципальный куратор; школа может скрыть "
                                  "только свои."))
        return redirect("registry:topic_list")
    services.toggle_topic(topic, by=request.user)
    return redirect("registry:topic_list")
