from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry import filters, processing, services
from registry.filters import participant_filter
from registry.forms import ArchiveForm, MenteeProfileForm, MentorProfileForm, ParticipantForm
from registry.models import Consent, ConsentText, Participant
from registry.models.people import normalise_class_name
from registry.once import once, save_unique
from registry.scoping import Perm, get_visible_or_404, read_only, requires
from registry.files import serve_stored
from registry.listing import paginate
from registry.selectors import (
    destruction_due_for,
    mentee_class_names,
    open_processing_stops,
    participant_consents,
    participant_list_rows,
    participant_profiles,
)
from registry.views.pdf import blank_signer, consent_blank_links


def _participant(request, pk):
    return get_visible_or_404(
        Participant.objects.select_related("organisation__municipality", "mentor_profile__partner", "mentee_profile"),
        request, pk=pk,
    )


@read_only
def participant_list(request):
    filterset = participant_filter(request)
    listing = paginate(request, filterset.qs, sorts=filters.SORTS, page_rows=participant_list_rows)
    query = request.GET.copy()
    for key in ("page", "per_page", "sort"):
        query.pop(key, None)
    filter_items = [(name, value) for name, values in query.lists() for value in values]
    role = filterset.form.cleaned_data.get("role") if filterset.is_valid() else None
    class_blanks = _class_blanks(request, filterset)
    titles = {"mentor": _("База наставников"), "mentee": _("База наставляемых")}
    return render(request, "registry/participant_list.html", {
        "filter": filterset,
        "listing": listing,
        "query": query.urlencode(),
        "filter_items": filter_items,
        "base_buttons": [("mentors", _("База наставников (XLSX)")), ("mentees", _("База наставляемых (XLSX)"))],
        "role": role,
        "title": titles.get(role, _("Участники")),
        "show_organisation": not request.scope.is_single_organisation,
        "can_edit": request.scope.editable_organisations().exists(),
        "class_blanks": class_blanks,
        "blank_classes": _blank_classes(request, filterset),
    })


def _blanks_organisation_id(request, filterset):
    """The one organisation the list is of (the user's own, or the one chosen in the filter), or None."""
    organisation = filterset.form.cleaned_data.get("organisation")
    if organisation:
        return organisation.pk
    return next(iter(request.scope.organisation_ids)) if request.scope.is_single_organisation else None


def _class_blanks(request, filterset):
    """The class's consent blanks in one PDF, offered when the list is filtered by a class of one
    organisation."""
    if not filterset.is_valid() or not filterset.form.cleaned_data.get("class_name"):
        return None
    organisation_id = _blanks_organisation_id(request, filterset)
    if organisation_id is None:
        return None
    class_name = normalise_class_name(filterset.form.cleaned_data["class_name"])
    url = reverse("registry:class_consent_blanks", args=[organisation_id])
    return {"name": class_name, "url": f"{url}?{urlencode({'class_name': class_name})}"}


def _blank_classes(request, filterset):
    """Without a class in the filter: the organisation's classes of mentees to choose the blanks of, so the
    curator need not know that typing a class offers them (one query)."""
    if not filterset.is_valid() or filterset.form.cleaned_data.get("class_name"):
        return None
    organisation_id = _blanks_organisation_id(request, filterset)
    if organisation_id is None:
        return None
    classes = sorted(set(mentee_class_names(organisation_id)), key=_class_order)
    if not classes:
        return None
    return {"url": reverse("registry:class_consent_blanks", args=[organisation_id]), "classes": classes}


def _class_order(name: str) -> tuple:
    # «5А» before «10Б».
    digits = name[:len(name) - len(name.lstrip("0123456789"))]
    return (int(digits) if digits else 10**6, name[len(digits):])


@read_only
def participant_detail(request, pk):
    participant = _participant(request, pk)
    mentor, mentee = participant_profiles(participant)
    consents = participant_consents(participant)
    return render(request, "registry/participant_detail.html", {
        "participant": participant,
        "mentor": mentor,
        "mentee": mentee,
        "consents": consents,
        "mentoring_consent_valid": any(c.is_valid_on() and c.purpose == Consent.Purpose.MENTORING for c in consents),
        # Only the blank the person's age calls for (registry.models.consents.signer_by_age), per purpose.
        "blank_signer": ConsentText.Signer(blank_signer(participant)).label,
        "blanks": consent_blank_links(participant),
        "can_edit": request.scope.can(Perm.EDIT_REGISTRY, participant.organisation) and not participant.anonymised_at,
        "can_audit": request.scope.can(Perm.VIEW_AUDIT, participant.organisation),
        "can_destroy": (request.scope.can(Perm.DESTROY_DATA, participant.organisation)
                        and not participant.anonymised_at
                        and not processing.states([participant])[participant.pk].allowed),
        "stops": open_processing_stops(participant),
        "destruction_due": destruction_due_for(participant),
    })


@requires(Perm.EDIT_REGISTRY)
@once
def participant_create(request):
    organisations = request.scope.editable_organisations(request.required_permission)
    if not organisations.exists():
        raise Http404
    form = ParticipantForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        participant = services.create_participant(form.save(commit=False), by=request.user)
        messages.success(request, _("Участник «%(name)s» добавлен в реестр.") % {"name": participant.full_name})
        next_step = request.POST.get("next")
        if next_step == "mentor":
            return redirect("registry:mentor_profile_edit", pk=participant.pk)
        if next_step == "mentee":
            return redirect("registry:mentee_profile_edit", pk=participant.pk)
        return redirect(participant)
    return render(request, "registry/form.html", {
        "form": form, "title": _("Новый участник"), "cancel_url": "registry:participant_list",
        "extra_submit": [("mentor", _("Сохранить и заполнить профиль наставника")),
                         ("mentee", _("Сохранить и заполнить профиль наставляемого"))],
    })


@requires(Perm.EDIT_REGISTRY)
def participant_edit(request, pk):
    participant = _participant(request, pk)
    form = ParticipantForm(request.POST or None, instance=participant,
                           organisations=request.scope.editable_organisations(request.required_permission))
    if request.method == "POST" and form.is_valid():
        services.save_form(form, by=request.user)
        messages.success(request, _("Изменения сохранены."))
        return redirect(participant)
    return render(request, "registry/form.html", {
        "form": form, "title": _("Изменение: %(name)s") % {"name": participant.full_name}, "object": participant,
    })


@requires(Perm.EDIT_REGISTRY)
def participant_archive(request, pk):
    participant = _participant(request, pk)
    form = ArchiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        stops = services.archive_participant(participant, reason=form.cleaned_data["reason"],
                                             mode=form.cleaned_data["mode"], by=request.user)
        messages.success(request, _("Участник перенесён в архив. Обработка его данных остановлена."))
        for effect in (line for stop in stops for line in stop.effects):
            messages.warning(request, effect)
        return redirect(participant)
    return render(request, "registry/form.html", {
        "form": form, "object": participant, "danger": True,
        "title": _("Перенести в архив: %(name)s") % {"name": participant.full_name},
        "lead": _("Участник исчезнет из текущих списков, обработка его данных остановится: участие в парах "
                  "приостановится или прекратится, ссылки на анкеты закроются. Данные останутся в архиве до "
                  "истечения срока хранения."),
        "submit_label": _("Перенести в архив"),
    })


@requires(Perm.EDIT_REGISTRY)
@require_POST
def participant_restore(request, pk):
    participant = _participant(request, pk)
    services.restore_participant(participant, by=request.user)
    messages.success(request, _("Участник возвращён из архива."))
    return redirect(participant)


def _profile_edit(request, pk, *, profile_attr, form_class, title_new, title_edit):
    participant = _participant(request, pk)
    profile = getattr(participant, profile_attr, None)
    form = form_class(request.POST or None, request.FILES or None, instance=profile, participant=participant)
    if request.method == "POST" and form.is_valid():
        if save_unique(form, lambda: services.save_form(form, by=request.user),
                       _("Профиль этого участника только что сохранил другой пользователь: "
                         "откройте его заново.")) is not None:
            messages.success(request, _("Профиль сохранён."))
            return redirect(participant)
    title = (title_edit if profile else title_new) % {"name": participant.full_name}
    return render(request, "registry/form.html", {"form": form, "title": title, "object": participant,
                                                  "multipart": True})


@requires(Perm.EDIT_REGISTRY)
@once
def mentor_profile_edit(request, pk):
    return _profile_edit(request, pk, profile_attr="mentor_profile", form_class=MentorProfileForm,
                         title_new=_("Включить в базу наставников: %(name)s"),
                         title_edit=_("Профиль наставника: %(name)s"))


@requires(Perm.EDIT_REGISTRY)
@once
def mentee_profile_edit(request, pk):
    return _profile_edit(request, pk, profile_attr="mentee_profile", form_class=MenteeProfileForm,
                         title_new=_("Включить в базу наставляемых: %(name)s"),
                         title_edit=_("Профиль наставляемого: %(name)s"))


MENTOR_FILE_FIELDS = {"portfolio": "portfolio_file", "certificate": "certificate_file"}


@read_only
def mentor_file(request, pk, field):
    """Uploaded mentor documents are personal data: served only inside the scope."""
    if field not in MENTOR_FILE_FIELDS:
        raise Http404
    participant = _participant(request, pk)
    profile = getattr(participant, "mentor_profile", None)
    if profile is None:
        raise Http404
    return serve_stored(getattr(profile, MENTOR_FILE_FIELDS[field]))

