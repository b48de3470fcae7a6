"""The monitoring dashboards: the district's for whoever sees several organisations (the municipal
curator, the region), the school's for one organisation. The data come from ``monitoring.school_dashboard``
and ``monitoring.district.dashboard`` in a fixed number of queries; the views only pick the year, the sort and
the template."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse

from monitoring import dashboards, school_dashboard
from monitoring.district import charts as district_charts
from monitoring.district import dashboard as district_dashboard
from registry import selectors as registry_selectors
from registry.listing import Listing, chosen_page_size, chosen_sort
from registry.models import AcademicYear, Organisation
from registry.scoping import get_visible_or_404, read_only


# A hundred rows of the table stay well under 200 KB of page; two hundred would not.
TABLE_PAGE_SIZES = (25, 50, 100)


def _years():
    return list(registry_selectors.academic_years())


@read_only
def dashboard(request):
    scope = request.scope
    if scope.is_single_organisation:
        target = reverse("monitoring:organisation_dashboard", args=[next(iter(scope.organisation_ids))])
        query = request.GET.urlencode()
        return redirect(f"{target}?{query}" if query else target)
    year = AcademicYear.objects.from_param(request.GET.get("year"))
    with dashboards.without_jit():
        data = district_dashboard.district(
            scope, year, sort=chosen_sort(request, district_dashboard.SORTS, district_dashboard.DEFAULT_SORT))
    return render(request, "monitoring/dashboards/district.html", {
        "d": data, "listing": _table_page(request, data.rows, data.sort), "year": year, "years": _years(),
        "chart_rows": district_charts.CHART_ROWS,
        "pair_series": district_charts.DISTRICT_PAIR_SERIES, "report_series": dashboards.REPORT_SERIES,
        "consent_series": dashboards.CONSENT_SERIES, "roadmap_series": dashboards.ROADMAP_SERIES,
        # the district pages are for who oversees a municipality as a whole (monitoring.views.district)
        "oversees": scope.is_superuser or bool(scope.municipality_ids or scope.region_ids),
    })


def _table_page(request, rows, sort: str) -> Listing:
    """A page of the table of organisations (already sorted): a region's thousand rows made the page
    weigh more than a megabyte. The totals, the charts and every count are of all rows."""
    size = chosen_page_size(request, TABLE_PAGE_SIZES[1])
    size = size if size in TABLE_PAGE_SIZES else TABLE_PAGE_SIZES[1]
    page = Paginator(rows, size).get_page(request.GET.get("page"))
    return Listing(page=page, sort=sort, page_size=size, page_sizes=TABLE_PAGE_SIZES)


@read_only
def organisation_dashboard(request, pk):
    organisation = get_visible_or_404(Organisation.objects.select_related("municipality"), request, pk=pk)
    year = AcademicYear.objects.from_param(request.GET.get("year"))
    with dashboards.without_jit():
        data = school_dashboard.school(organisation, year)
    return render(request, "monitoring/dashboards/organisation.html", {
        "s": data, "organisation": organisation, "year": year, "years": _years(),
        "show_district": not request.scope.is_single_organisation,
        "pair_series": dashboards.PAIR_SERIES, "consent_series": dashboards.CONSENT_SERIES,
        "roadmap_series": dashboards.ROADMAP_SERIES, "growth_series": school_dashboard.GROWTH_SERIES,
    })
