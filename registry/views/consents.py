from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from registry import services
from registry.forms import ConsentForm, ConsentRevokeForm
from registry.models import Consent, Participant
from registry.once import once
from registry.scoping import Perm, get_visible_or_404, read_only, requires
from registry.files import serve_stored


@requires(Perm.EDIT_REGISTRY)
@once
def consent_create(request, pk):
    participant = get_visible_or_404(Participant.objects.select_related("organisation__municipality"), request, pk=pk)
    form = ConsentForm(request.POST or None, request.FILES or None, participant=participant)
    if request.method == "POST" and form.is_valid():
        consent = services.save_consent(form.save(commit=False), by=request.user)
        messages.success(request, _("Согласие внесено: %(consent)s.") % {"consent": consent})
        return redirect(participant)
    return render(request, "registry/consent_form.html", {"form": form, "participant": participant})


def _consent(request, pk):
    return get_visible_or_404(
        Consent.objects.select_related("participant__organisation__municipality", "text"), request, pk=pk)


@requires(Perm.EDIT_REGISTRY)
def consent_revoke(request, pk):
    consent = _consent(request, pk)
    form = ConsentRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            stop = services.revoke_consent(consent, on=form.cleaned_data["revoked_on"],
                                           reason=form.cleaned_data["reason"], mode=form.cleaned_data["mode"],
                                           by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Согласие отозвано. Запись сохранена в истории согласий."))
            for effect in (stop.effects if stop else []):
                messages.warning(request, effect)
            return redirect(consent.participant)
    return render(request, "registry/form.html", {
        "form": form, "object": consent.participant, "danger": True,
        "title": _("Отзыв согласия: %(consent)s") % {"consent": consent},
        "lead": _("Согласие перестанет действовать с указанной даты, и обработка данных для этой цели "
                  "остановится сразу: участие в парах приостановится или прекратится, ссылки на анкеты закроются. "
                  "Через %(days)s дней после отзыва данные подлежат уничтожению.")
                % {"days": settings.PD_DAYS_AFTER_REVOCATION},
        "submit_label": _("Отозвать согласие"),
    })


@read_only
def consent_scan(request, pk):
    return serve_stored(_consent(request, pk).scan)
