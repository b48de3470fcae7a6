"""«Настройки района»: the municipality's settings its printed documents use (registry.municipalities).

Whoever sees the municipality reads them (the region, the district's organisations); its municipal curator
changes them (``Perm.EDIT_MUNICIPALITY``): a school's staff get 403, another district 404.
"""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from registry import grammar
from registry import municipalities as service
from registry.models import Municipality
from registry.municipality_forms import MunicipalitySettingsForm
from registry.scoping import Perm, get_visible_or_404, read_only, requires


def _municipality(request, pk) -> Municipality:
    return get_visible_or_404(Municipality.objects.select_related("region"), request, pk=pk)


@read_only
def municipality_settings(request, pk):
    municipality = _municipality(request, pk)
    (first_month, first_day), (second_month, second_day) = municipality.half_year_due_dates
    return render(request, "registry/municipality_settings.html", {
        "municipality": municipality,
        "first_due": f"{first_day} {grammar.MONTHS_GENITIVE[first_month - 1]}",
        "second_due": f"{second_day} {grammar.MONTHS_GENITIVE[second_month - 1]}",
        "can_edit": Perm.EDIT_MUNICIPALITY in request.scope.permissions_for_municipality(municipality),
    })


@requires(Perm.EDIT_MUNICIPALITY)
def municipality_settings_edit(request, pk):
    municipality = _municipality(request, pk)
    # The form writes what it is given into its instance: a copy, so a refused value is never the page's.
    form = MunicipalitySettingsForm(request.POST or None, instance=copy.copy(municipality))
    if request.method == "POST" and form.is_valid():
        try:
            changed = service.update_settings(municipality, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Настройки района сохранены.") if changed
                             else _("Настройки района не изменились."))
            return redirect(municipality)
    return render(request, "registry/form.html", {
        "form": form, "object": municipality,
        "title": _("Настройки района: %(name)s") % {"name": municipality.name},
        "lead": _("Орган управления образованием и его руководитель печатаются в муниципальных приказах, "
                  "подготовленных после сохранения; подписанные приказы не меняются."),
    })
