"""The municipal curator's district pages: growth by school and form, satisfaction by school, and the
school × roadmap-item matrix.

Each page is one municipality's (``?municipality=``; the first the user oversees by default) and one
academic year's. Only who oversees a municipality as a whole — its municipal curator, the region's
observer, a superuser — reaches it: for anyone else, a school's staff included, the page is 404, for
their own municipality as for another. The rows are the municipality's active organisations the user
sees. The data come from ``monitoring.district`` in a fixed number of queries; these views pick the
municipality, the year and the sort.
"""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from monitoring import figures, selectors
from monitoring.district import growth, roadmap_matrix, satisfaction
from monitoring.district.sorting import chosen, sort_rows
from registry import selectors as registry_selectors
from registry.models import AcademicYear
from registry.scoping import read_only


def _district(request) -> dict:
    """The chosen municipality (404 if the user does not oversee it, or oversees none), its active
    organisations the user sees, the year, and what every district page's header needs."""
    candidates = list(selectors.overseen_municipalities(request.scope))
    value = request.GET.get("municipality", "")
    if value.isdigit():
        municipality = next((m for m in candidates if m.pk == int(value)), None)
    else:
        municipality = candidates[0] if candidates else None
    if municipality is None:
        raise Http404
    year = AcademicYear.objects.from_param(request.GET.get("year"))
    organisations = selectors.district_organisations(request.scope, municipality)
    return {"municipality": municipality, "municipalities": candidates, "year": year,
            "years": list(registry_selectors.academic_years()), "organisations": organisations}


@read_only
def district_growth(request):
    context = _district(request)
    context["growth"] = growth.by_school_and_form(context["organisations"], context["year"])
    return render(request, "monitoring/district/growth.html", context)


@read_only
def district_satisfaction(request):
    context = _district(request)
    year = context["year"]
    half = request.GET.get("half", "")
    period = figures.Period.half(year, int(half)) if half in ("1", "2") else figures.Period.whole(year)
    data = satisfaction.by_school(context["organisations"], year, period)
    sort = chosen(request.GET.get("sort", ""), satisfaction.SORTS, satisfaction.DEFAULT_SORT)
    data.rows = sort_rows(data.rows, sort, satisfaction.SORTS, satisfaction.DEFAULT_SORT)
    context.update({"s": data, "half": half if half in ("1", "2") else "", "sort": sort, "low": satisfaction.LOW})
    return render(request, "monitoring/district/satisfaction.html", context)


@read_only
def district_roadmap(request):
    context = _district(request)
    sort = chosen(request.GET.get("sort", ""), roadmap_matrix.SORTS, roadmap_matrix.DEFAULT_SORT)
    context.update({
        "m": roadmap_matrix.matrix(context["organisations"], context["year"], today=timezone.localdate(),
                                   template=request.GET.get("template", ""), sort=sort),
        "sort": sort, "states": [(key, str(label), mark) for key, (label, mark, _c) in roadmap_matrix.STATES.items()],
        "export_kind": roadmap_matrix.RoadmapMatrixExport.identifier,
    })
    return render(request, "monitoring/district/roadmap.html", context)
