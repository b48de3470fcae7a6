from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from mentoring import selectors, services
from mentoring.filters import ProgrammeListFilter
from mentoring.forms import MentoringFormForm, PreferenceForm, ProgrammeForm, WeightsForm
from mentoring.models import MentoringForm, Programme
from mentoring.selectors import unpaired_mentees, weights_for
from registry import selectors as registry_selectors
from registry import services as registry_services
from registry.listing import id_param, paginate, sort_key
from registry.models import AcademicYear
from registry.once import once, save_unique
from registry.scoping import Perm, get_visible_or_404, read_only, requires


@read_only
def form_list(request):
    return render(request, "mentoring/form_list.html", {
        "forms": selectors.forms_with_programme_counts(request.scope),
        # Who only reads (the district, a director) was offered «создать программу» and got a 404 behind it.
        "can_create": request.scope.editable_organisations(Perm.EDIT_MENTORING).exists(),
    })


@requires(Perm.EDIT_FORMS)
def form_edit(request, pk):
    # The list of forms is shared by every organisation: only an administrator changes it (no role
    # holds EDIT_FORMS; a superuser holds every permission).
    if not request.user.is_superuser:
        raise PermissionDenied
    mentoring_form = get_object_or_404(MentoringForm, pk=pk)
    form = MentoringFormForm(request.POST or None, instance=mentoring_form)
    if request.method == "POST" and form.is_valid():
        registry_services.save_form(form, by=request.user)
        messages.success(request, _("Форма наставничества сохранена."))
        return redirect("mentoring:form_list")
    return render(request, "registry/form.html", {"form": form, "title": mentoring_form.name,
                                                  "cancel_url": "mentoring:form_list"})


PROGRAMME_SORTS = {
    "organisation": ("organisation__short_name", "form__position"),
    "form": ("form__position", "organisation__short_name"),
    "starts": ("starts_on", "ends_on", "organisation__short_name", "form__position"),
    "open": ("open_pairs", "organisation__short_name", "form__position"),
    "proposed": ("proposed_pairs", "organisation__short_name", "form__position"),
    "closed": ("closed_pairs", "organisation__short_name", "form__position"),
}


@read_only
def programme_list(request):
    """The programmes of one academic year (``?year=2025``, the current one by default), filtered by
    organisation and form, sorted and paginated like every list."""
    year = AcademicYear.objects.from_param(request.GET.get("year"))
    programmes = selectors.programmes_of_year(request.scope, academic_year=year)
    if sort_key(request, PROGRAMME_SORTS, "organisation") in ("open", "proposed", "closed"):
        programmes = programmes.annotate(**selectors.programme_pair_counts())  # the counts of the whole scope for their own sort
    filterset = ProgrammeListFilter(request.GET, queryset=programmes, scope=request.scope)
    listing = paginate(request, filterset.qs, sorts=PROGRAMME_SORTS, default="organisation",
                       page_rows=selectors.programme_rows)
    return render(request, "mentoring/programme_list.html", {
        "filter": filterset, "listing": listing, "year": year, "years": registry_selectors.academic_years(),
        "can_edit": request.scope.editable_organisations(Perm.EDIT_MENTORING).exists(),
        "show_organisation": filterset.show_organisation,
    })


@requires(Perm.EDIT_MENTORING)
@once
def programme_create(request):
    organisations = request.scope.editable_organisations(request.required_permission)
    if not organisations.exists():
        raise Http404
    initial = {"academic_year": AcademicYear.objects.current()}
    if request.GET.get("form"):
        initial["form"] = request.GET["form"]
    form = ProgrammeForm(request.POST or None, organisations=organisations, initial=initial)
    if request.method == "POST" and form.is_valid():
        programme = save_unique(form, lambda: registry_services.save_form(form, by=request.user),
                                _("Программа по этой форме на этот учебный год уже есть."))
        if programme is not None:
            messages.success(request, _("Программа создана. Теперь можно формировать пары."))
            return redirect(programme)
    return render(request, "registry/form.html", {"form": form, "title": _("Новая программа наставничества"),
                                                  "cancel_url": "mentoring:programme_list"})


def _programme(request, pk):
    return get_visible_or_404(
        Programme.objects.select_related("organisation__municipality", "form", "academic_year"), request, pk=pk)


@read_only
def programme_detail(request, pk):
    programme = _programme(request, pk)
    # Proposals are reviewed in their own table (``mentoring.views.proposals``); here, only their number.
    return render(request, "mentoring/programme_detail.html", {
        "programme": programme,
        "pairs": selectors.programme_pairs(programme),
        "quiet_ids": selectors.quiet_pair_ids(programme),
        "weights": weights_for(programme.organisation),
        "preferences": selectors.preference_count(programme),
        "proposed": selectors.proposal_count(programme),
        "unpaired": unpaired_mentees(programme),
        "can_edit": request.scope.can(Perm.EDIT_MENTORING, programme.organisation),
    })


@requires(Perm.EDIT_MENTORING)
def programme_edit(request, pk):
    programme = _programme(request, pk)
    form = ProgrammeForm(request.POST or None, instance=programme,
                         organisations=request.scope.editable_organisations(request.required_permission))
    if request.method == "POST" and form.is_valid():
        registry_services.save_form(form, by=request.user)
        messages.success(request, _("Программа сохранена."))
        return redirect(programme)
    return render(request, "registry/form.html", {"form": form, "title": str(programme), "object": programme})


@requires(Perm.EDIT_MENTORING)
@once
def weights_edit(request, pk):
    programme = _programme(request, pk)
    form = WeightsForm(request.POST or None, instance=weights_for(programme.organisation))
    if request.method == "POST" and form.is_valid() and save_unique(
            form, lambda: registry_services.save_form(form, by=request.user),
            _("Веса подбора этой организации только что сохранил другой пользователь: откройте "
              "форму заново.")) is not None:
        messages.success(request, _("Веса подбора сохранены; они действуют для всех программ организации."))
        return redirect(programme)
    return render(request, "registry/form.html", {
        "form": form, "object": programme, "title": _("Веса подбора: %(org)s") % {"org": programme.organisation},
        "lead": _("Чем больше вес, тем сильнее причина влияет на оценку пары. 0 — не учитывать."),
    })


@requires(Perm.EDIT_MENTORING, read=Perm.VIEW)
@once
def preferences(request, pk):
    """Wishes recorded after the networking meeting; matching gives them weight. Everyone who sees the
    programme reads them; recording or deleting one (POST) needs EDIT_MENTORING, checked by the lookup."""
    programme = _programme(request, pk)
    can_edit = request.scope.can(Perm.EDIT_MENTORING, programme.organisation)
    form = PreferenceForm(request.POST or None, programme=programme)
    if request.method == "POST":
        if "delete" in request.POST:
            services.delete_preference(programme, pk=id_param(request.POST["delete"]), by=request.user)
            return redirect("mentoring:preferences", pk=programme.pk)
        if form.is_valid() and save_unique(form, lambda: registry_services.save_form(form, by=request.user),
                                           _("Такое предпочтение уже записано.")) is not None:
            messages.success(request, _("Предпочтение записано."))
            return redirect("mentoring:preferences", pk=programme.pk)
    rows = selectors.programme_preferences(programme)
    return render(request, "mentoring/preferences.html", {"programme": programme, "rows": rows, "form": form,
                                                          "can_edit": can_edit})
