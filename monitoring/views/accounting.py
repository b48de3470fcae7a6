"""The quarterly personalised accounting page: every participation of the quarter in the user's scope —
the district for the municipal curator, their school for a school's staff — filtered, sorted, paginated,
with the totals, and a button that builds the same table as an XLSX export job
(``monitoring.accounting``, ``monitoring.accounting_export``)."""

from django.shortcuts import render
from django.utils import timezone

from monitoring import accounting
from monitoring.accounting_forms import PREFIX, AccountingFilterForm
from monitoring.accounting_export import AccountingExport
from registry.listing import paginate
from registry.models import Organisation
from registry.scoping import get_visible_or_404, read_only


@read_only
def accounting_list(request):
    scope = request.scope
    form = AccountingFilterForm(request.GET, scope=scope, today=timezone.localdate())
    requested = form.requested_organisation()
    if requested is not None:
        # Asking for an organisation one does not reach is answered like any object outside the scope.
        get_visible_or_404(Organisation, request, pk=requested)
    quarter, filters = form.chosen_quarter(), form.filters()
    listing = paginate(request, accounting.rows(scope, quarter, filters), sorts=accounting.SORTS, default="name",
                       tiebreak=accounting.TIEBREAK)
    handed_over = {"quarter": quarter.param, **filters.as_params()}
    return render(request, "monitoring/accounting/list.html", {
        "form": form, "listing": listing, "rows": accounting.wrap(listing.rows), "quarter": quarter,
        "totals": accounting.totals(scope, quarter, filters), "filters": filters,
        "show_organisation": not scope.is_single_organisation,
        "export_kind": AccountingExport.identifier,
        "export_fields": [(f"{PREFIX}-{name}", value) for name, value in handed_over.items()],
        "can_export": not scope.is_empty,
    })
