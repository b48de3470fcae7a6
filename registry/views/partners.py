from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from registry import services
from registry.forms import PartnerForm
from registry.models import Partner
from registry.once import once, save_unique
from registry.scoping import Perm, get_visible_or_404, read_only, requires
from registry.files import serve_stored
from registry.listing import paginate, search_param
from registry.selectors import partner_mentors, partner_rows


SORTS = {
    "name": ("name",),
    "organisation": ("organisation__short_name", "name"),
    "agreement": ("agreement_date", "name"),
    "mentors": ("mentor_count", "name"),
}


@read_only
def partner_list(request):
    query = search_param(request.GET)
    listing = paginate(request, partner_rows(request.scope, search=query), sorts=SORTS, default="name")
    return render(request, "registry/partner_list.html", {
        "listing": listing, "q": query, "show_organisation": not request.scope.is_single_organisation,
        "can_edit": request.scope.editable_organisations().exists(),
    })


def _partner(request, pk):
    return get_visible_or_404(Partner.objects.select_related("organisation__municipality"), request, pk=pk)


@read_only
def partner_detail(request, pk):
    partner = _partner(request, pk)
    return render(request, "registry/partner_detail.html", {
        "partner": partner, "mentors": partner_mentors(partner),
        "can_edit": request.scope.can(Perm.EDIT_REGISTRY, partner.organisation),
    })


@requires(Perm.EDIT_REGISTRY)
@once
def partner_create(request):
    organisations = request.scope.editable_organisations(request.required_permission)
    if not organisations.exists():
        raise Http404
    form = PartnerForm(request.POST or None, request.FILES or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        partner = save_unique(form, lambda: services.save_form(form, by=request.user),
                              _("Такой партнёр в организации уже есть."))
        if partner is not None:
            messages.success(request, _("Партнёр «%(name)s» добавлен.") % {"name": partner.name})
            return redirect(partner)
    return render(request, "registry/form.html", {"form": form, "title": _("Новая организация-партнёр"),
                                                  "multipart": True, "cancel_url": "registry:partner_list"})


@requires(Perm.EDIT_REGISTRY)
def partner_edit(request, pk):
    partner = _partner(request, pk)
    form = PartnerForm(request.POST or None, request.FILES or None, instance=partner,
                       organisations=request.scope.editable_organisations(request.required_permission))
    if request.method == "POST" and form.is_valid():
        services.save_form(form, by=request.user)
        messages.success(request, _("Изменения сохранены."))
        return redirect(partner)
    return render(request, "registry/form.html", {"form": form, "title": partner.name, "multipart": True,
                                                  "object": partner})


@read_only
def partner_agreement(request, pk):
    return serve_stored(_partner(request, pk).agreement_file)
