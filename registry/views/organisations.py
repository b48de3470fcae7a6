from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from registry.forms import HeadcountForm, OrganisationForm
from registry.models import AcademicYear, Organisation, OrganisationHeadcount
from registry.once import once, save_unique
from registry.scoping import Perm, get_visible_or_404, read_only, requires
from registry.listing import paginate, search_param
from registry import services
from registry.selectors import (
    academic_years,
    headcount,
    headcounts_by_year,
    organisation_rows,
    organisation_staff,
    organisation_summary,
)

SORTS = {
    "name": ("short_name",),
    "municipality": ("municipality__name", "short_name"),
    "participants": ("participant_count",),
    "mentors": ("mentor_count",),
    "mentees": ("mentee_count",),
    "consents": ("consent_count",),
}


@read_only
def organisation_list(request):
    query = search_param(request.GET)
    listing = paginate(request, organisation_rows(request.scope, search=query), sorts=SORTS, default="name")
    return render(request, "registry/organisation_list.html", {"listing": listing, "q": query})


def _organisation(request, pk):
    return get_visible_or_404(Organisation.objects.select_related("municipality__region"), request, pk=pk)


@read_only
def organisation_detail(request, pk):
    organisation = _organisation(request, pk)
    years = list(academic_years()[:5])
    headcounts = headcounts_by_year(organisation)
    return render(request, "registry/organisation_detail.html", {
        "organisation": organisation,
        "summary": organisation_summary(organisation),
        "year_rows": [(year, headcounts.get(year.pk)) for year in years],
        "staff": organisation_staff(organisation),
        "can_edit": request.scope.can(Perm.EDIT_ORGANISATION, organisation),
        "can_edit_headcount": request.scope.can(Perm.EDIT_HEADCOUNT, organisation),
    })


@requires(Perm.EDIT_ORGANISATION)
def organisation_edit(request, pk):
    organisation = _organisation(request, pk)
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        services.save_form(form, by=request.user)
        messages.success(request, _("Сведения об организации сохранены."))
        return redirect(organisation)
    return render(request, "registry/form.html", {"form": form, "title": organisation.short_name,
                                                  "object": organisation})


@requires(Perm.EDIT_HEADCOUNT)
@once
def headcount_edit(request, pk, year_pk):
    # Head counts are the base of coverage the district is measured by: its curator keeps them.
    organisation = _organisation(request, pk)
    year = get_object_or_404(AcademicYear, pk=year_pk)
    form = HeadcountForm(request.POST or None, instance=headcount(organisation, year)
                         or OrganisationHeadcount(organisation=organisation, academic_year=year))
    if request.method == "POST" and form.is_valid() and save_unique(
            form, lambda: services.save_form(form, by=request.user),
            _("Численность на этот год только что сохранил другой пользователь: откройте форму "
              "заново.")) is not None:
        messages.success(request, _("Численность на %(year)s учебный год сохранена.") % {"year": year})
        return redirect(organisation)
    return render(request, "registry/form.html", {
        "form": form, "object": organisation,
        "title": _("Численность: %(org)s, %(year)s учебный год") % {"org": organisation.short_name, "year": year},
        "lead": _("Эти числа — знаменатели охвата наставничеством."),
    })
