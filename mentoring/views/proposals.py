"""The proposals of «Подобрать пары» as one table: select all, confirm or reject the selection, give a
proposal another mentor in its row; confirming passes through a page that shows what will be confirmed.

One form holds the table. Its buttons: «Подтвердить выбранные» opens the confirmation page (nothing
is written yet; the choices travel in hidden fields), «Отклонить выбранные» rejects, «Сохранить
замены» gives the changed rows their new mentor. The confirmation page's button confirms, pair by
pair (``mentoring.proposals``), and the table then says what was confirmed and what was refused and why.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mentoring import eligibility, services
from mentoring.forms import ConfirmForm
from mentoring.models import Programme
from registry.listing import id_param, paginate
from registry.scoping import Perm, get_visible_or_404, requires

SORTS = {
    "mentee": lambda pair: _sort_name(eligibility.proposal_mentee(pair)),
    "mentor": lambda pair: _sort_name(eligibility.proposal_mentor(pair)),
    "score": lambda pair: (pair.match_score or 0, pair.pk),
}


def _sort_name(profile):
    return (profile.participant.search_name, profile.pk) if profile else ("", 0)


def _programme(request, pk):
    return get_visible_or_404(
        Programme.objects.select_related("organisation__municipality", "form", "academic_year"), request, pk=pk)


def _selected_ids(post) -> list[int]:
    """The ticked rows, in the order sent, each once; anything that is not an id is ignored."""
    return list(dict.fromkeys(i for i in map(id_param, post.getlist("proposal")) if i is not None))


def _chosen_mentor(post, pair_id: int) -> int | None:
    """The mentor picked in the row's select (``mentor-<pair id>``), None when the row sent none."""
    return id_param(post.get(f"mentor-{pair_id}"))


def _report(request, result, done_message: str) -> None:
    if result.done:
        messages.success(request, done_message % {"count": len(result.done)})
    if result.already:
        messages.info(request, _("Уже сделано раньше (повторная отправка): %(count)s.") % {"count": len(result.already)})
    for row in result.failed:
        messages.error(request, _("%(pair)s: %(reasons)s") % {"pair": row.label, "reasons": " ".join(row.messages)})


@requires(Perm.EDIT_MENTORING, read=Perm.VIEW)
def proposal_list(request, pk):
    """The table; a POST rejects the selection (``action=reject``) or saves the changed mentors
    (``action=swap``)."""
    programme = _programme(request, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "reject":
            ids = _selected_ids(request.POST)
            if not ids:
                messages.error(request, _("Отметьте предложения, которые нужно отклонить."))
            else:
                _report(request, services.reject_selected(programme, pair_ids=ids, by=request.user),
                        _("Отклонено предложений: %(count)s. Эти пары подбор больше не предложит."))
        elif action == "swap":
            rows = {id_param(key.removeprefix("mentor-")): id_param(value)
                    for key, value in request.POST.items() if key.startswith("mentor-")}
            current = {pair.pk: getattr(eligibility.proposal_mentor(pair), "pk", None)
                       for pair in eligibility.proposals(programme).filter(pk__in=[k for k in rows if k])}
            changed = {pair_id: mentor_id for pair_id, mentor_id in rows.items()
                       if pair_id in current and mentor_id is not None and mentor_id != current[pair_id]}
            if not changed:
                messages.info(request, _("Наставники в предложениях не менялись."))
            else:
                _report(request, services.swap_selected(programme, choices=changed, by=request.user),
                        _("Наставник заменён в предложениях: %(count)s."))
        return redirect("mentoring:proposals", pk=programme.pk)
    listing = paginate(request, list(eligibility.proposals(programme)), sorts=SORTS, default="mentee")
    can_edit = request.scope.can(Perm.EDIT_MENTORING, programme.organisation)
    rows = eligibility.proposal_rows(programme, list(listing.rows), alternatives=eligibility.ALTERNATIVES
                                     if can_edit else 0)
    return render(request, "mentoring/proposals.html", {
        "programme": programme, "listing": listing, "rows": rows, "can_edit": can_edit,
    })


@requires(Perm.EDIT_MENTORING)
@require_POST
def proposal_confirm(request, pk):
    """The selection sent from the table: first a page saying what will be confirmed, with the start
    date; its button (``confirmed=1``) confirms."""
    programme = _programme(request, pk)
    ids = _selected_ids(request.POST)
    if not ids:
        messages.error(request, _("Отметьте предложения, которые нужно подтвердить."))
        return redirect("mentoring:proposals", pk=programme.pk)
    choices = {pair_id: _chosen_mentor(request.POST, pair_id) for pair_id in ids}
    form = ConfirmForm(request.POST if "confirmed" in request.POST else None)
    if "confirmed" in request.POST and form.is_valid():
        result = services.confirm_selected(programme, choices=choices, started_on=form.cleaned_data["started_on"],
                                           by=request.user)
        _report(request, result, _("Подтверждено пар: %(count)s. Они формируются; следующий шаг — приказ."))
        return redirect("mentoring:proposals", pk=programme.pk)
    pairs = {pair.pk: pair for pair in eligibility.proposals(programme).filter(pk__in=ids)}
    mentors = {m.pk: m for m in eligibility.eligible_mentors(programme).select_related("participant")
               .filter(pk__in=[m for m in choices.values() if m])}
    rows = []
    for pair_id in ids:
        pair = pairs.get(pair_id)
        if pair is None:
            continue
        proposed = eligibility.proposal_mentor(pair)
        chosen = mentors.get(choices[pair_id]) or proposed
        rows.append({"pair": pair, "mentee": eligibility.proposal_mentee(pair), "mentor": chosen,
                     "changed": proposed is not None and chosen.pk != proposed.pk})
    return render(request, "mentoring/proposals_confirm.html", {
        "programme": programme, "rows": rows, "form": form, "missing": len(ids) - len(rows),
    })
