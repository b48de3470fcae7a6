from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry.forms import TopicForm
from registry.models import Topic


def _require_editor(request):
    # The vocabulary is shared by the whole portal; anyone who edits a registry may extend it.
    if not request.scope.editable_organisations().exists():
        raise Http404


def topic_list(request):
    # Counts only over the user's own scope: other schools' people are not theirs to count.
    scope = request.scope
    topics = Topic.objects.annotate(
        mentor_count=Count("mentors", filter=scope.q("mentors__participant__organisation"), distinct=True),
        mentee_count=Count("mentees", filter=scope.q("mentees__participant__organisation"), distinct=True),
    )
    can_edit = request.scope.editable_organisations().exists()
    form = TopicForm(request.POST or None)
    if request.method == "POST":
        _require_editor(request)
        if form.is_valid():
            topic = form.save()
            messages.success(request, _("Направление «%(name)s» добавлено.") % {"name": topic.name})
            return redirect("registry:topic_list")
    return render(request, "registry/topic_list.html", {"topics": topics, "form": form, "can_edit": can_edit})


@require_POST
def topic_toggle(request, pk):
    _require_editor(request)
    topic = get_object_or_404(Topic, pk=pk)
    topic.is_active = not topic.is_active
    topic.save(update_fields=["is_active"])
    return redirect("registry:topic_list")
