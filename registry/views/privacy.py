"""Personal data pages: a person's «История», who is due for destruction, the acts, the export log."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from registry import destruction, documents, processing
from registry.files import serve_stored
from registry.listing import paginate
from registry.models import AuditEntry, DestructionAct, Participant
from registry.pdf import pdf_response
from registry.scoping import Perm, get_visible_or_404, requires
from registry.selectors import (
    destruction_acts,
    destruction_due_for,
    destruction_due_in,
    export_log_entries,
    history_entries,
    processing_stops,
)

HISTORY_SORTS = {"when": ("timestamp",), "who": ("actor__last_name", "timestamp"), "kind": ("kind", "timestamp")}
ACT_SORTS = {"date": ("made_on", "sequence"), "organisation": ("organisation__short_name", "made_on")}


@requires(Perm.VIEW_AUDIT)
def participant_history(request, pk):
    """Every change, view, download and export of the person's data, newest first."""
    participant = get_visible_or_404(Participant.objects.select_related("organisation"), request, pk=pk)
    kind = request.GET.get("kind", "")
    if kind not in AuditEntry.Kind.values:
        kind = ""
    listing = paginate(request, history_entries(participant, kind=kind), sorts=HISTORY_SORTS, default="-when")
    return render(request, "registry/participant_history.html", {
        "participant": participant, "listing": listing, "kind": kind, "kinds": AuditEntry.Kind.choices,
        "stops": processing_stops(participant),
    })


def _destroying_organisations(request):
    organisations = request.scope.editable_organisations(Perm.DESTROY_DATA)
    if not organisations.exists():
        raise Http404
    return organisations


@requires(Perm.DESTROY_DATA)
def destruction_list(request):
    """«Подлежат уничтожению»: who is due (and due within 30 days), and the register of acts."""
    organisations = _destroying_organisations(request)
    rows = destruction_due_in(organisations, within_days=30)
    listing = paginate(request, destruction_acts(organisations), sorts=ACT_SORTS, default="-date")
    return render(request, "registry/destruction_list.html", {
        "rows": rows, "listing": listing, "show_organisation": organisations.count() > 1,
        "days_after_revocation": settings.PD_DAYS_AFTER_REVOCATION,
        "days_after_archiving": settings.PD_DAYS_AFTER_ARCHIVING,
    })


@requires(Perm.DESTROY_DATA)
def destroy_now(request, pk):
    """«Уничтожить сейчас», after a confirmation page: only someone whose processing has stopped."""
    participant = get_visible_or_404(Participant.objects.select_related("organisation"), request, pk=pk)
    if participant.anonymised_at:
        messages.info(request, _("Персональные данные этого участника уже уничтожены."))
        return redirect(participant)
    state = processing.states([participant])[participant.pk]
    due = destruction_due_for(participant)
    if state.allowed:
        messages.error(request, _("У участника действует согласие на обработку персональных данных. Сначала "
                                  "отзовите согласие или перенесите участника в архив."))
        return redirect(participant)
    if request.method == "POST":
        reason = due.reason if due else state.reason
        acts = destruction.destroy([participant], by=request.user,
                                   reasons={participant.pk: _("%(reason)s; уничтожено по решению оператора до "
                                                              "истечения срока") % {"reason": reason}})
        if acts:
            messages.success(request, _("Персональные данные уничтожены. Составлен %(act)s.") % {"act": acts[0]})
            return redirect(acts[0])
        return redirect(participant)
    return render(request, "registry/destroy_confirm.html", {"participant": participant, "state": state,
                                                             "due": due})


def _act(request, pk):
    return get_visible_or_404(DestructionAct.objects.select_related("organisation", "made_by"), request, pk=pk)


@requires(Perm.VIEW_AUDIT)
def destruction_act(request, pk):
    return render(request, "registry/destruction_act.html", {"act": _act(request, pk)})


@requires(Perm.VIEW_AUDIT)
def destruction_act_file(request, pk, part):
    act = _act(request, pk)
    if part not in ("act", "log"):
        raise Http404
    field = act.pdf if part == "act" else act.log_extract
    name = (f"Акт об уничтожении ПД № {act.number}.pdf" if part == "act"
            else f"Выгрузка из журнала событий к акту № {act.number}.pdf").replace("/", "-")
    if documents.wants_docx():  # the DOCX sibling: made again from the act (the signed PDF stays as it is)
        return pdf_response(destruction.render_act_file(act, part), name, inline=False)
    return serve_stored(field, filename=name)


@requires(Perm.EXPORT_LOG)
def export_log(request):
    """Who downloaded exports with personal data: the school's, or the whole district's for its curator."""
    organisations = request.scope.editable_organisations(Perm.EXPORT_LOG)
    if not organisations.exists():
        raise Http404
    listing = paginate(request, export_log_entries(request.scope, organisations), sorts=HISTORY_SORTS,
                       default="-when")
    return render(request, "registry/export_log.html", {"listing": listing})
