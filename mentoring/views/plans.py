from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from mentoring import selectors, services
from mentoring.forms import PlanItemForm
from mentoring.models import Membership, PlanItem
from mentoring.plan_target import plan_target_percent
from registry.once import once
from registry.scoping import Perm, get_visible_or_404, requires


@requires(Perm.EDIT_MENTORING, read=Perm.VIEW)
@once
def plan_detail(request, pk):
    """The plan, read by everyone who sees the pair; adding an item (POST) needs EDIT_MENTORING."""
    membership = get_visible_or_404(
        Membership.objects.select_related(
            "pair__programme__organisation__municipality", "pair__programme__form",
            "pair__programme__academic_year", "mentee__participant",
        ).prefetch_related("plan_items"), request, pk=pk)
    can_edit = request.scope.can(Perm.EDIT_MENTORING, membership.pair.programme.organisation)
    form = PlanItemForm(request.POST or None, initial={"due_on": membership.pair.planned_end_on})
    if request.method == "POST":
        if form.is_valid():
            try:
                services.save_plan_item(form.save(commit=False), membership=membership, by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Пункт плана добавлен."))
                return redirect("mentoring:plan_detail", pk=membership.pk)
    programme = membership.pair.programme
    return render(request, "mentoring/plan_detail.html", {
        "membership": membership, "pair": membership.pair, "items": selectors.plan_items(membership),
        "completion": membership.plan_completion(), "form": form, "can_edit": can_edit,
        "target": plan_target_percent(programme.organisation, programme.academic_year),
    })


@requires(Perm.EDIT_MENTORING)
def plan_item_edit(request, pk):
    item = get_visible_or_404(
        PlanItem.objects.select_related("membership__pair__programme__organisation__municipality"), request, pk=pk)
    membership = item.membership
    form = PlanItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_plan_item(form.save(commit=False), membership=membership, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Пункт плана сохранён."))
            return redirect("mentoring:plan_detail", pk=membership.pk)
    return render(request, "registry/form.html", {"form": form, "title": item.goal,
                                                  "cancel_url": "mentoring:pair_list"})
