"""The orders register: prepare (curator), preview, sign (director), print."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mentoring import order_kinds
from mentoring import orders as order_service
from mentoring import selectors, services
from mentoring.models import Order, Programme
from mentoring.order_kinds import municipal
from registry import audit
from registry import selectors as registry_selectors
from registry.forms import CrispyMixin
from registry.listing import paginate
from registry.models import AcademicYear, Participant
from registry.pdf import pdf_response
from registry.once import once
from registry.scoping import Perm, get_visible_or_404, read_only, requires

SORTS = {
    "issued": ("issued_on",),
    "kind": ("kind_position", "-issued_on"),
    "organisation": ("organisation__short_name", "municipality__name", "-issued_on"),
    "status": ("status_position", "-issued_on"),
    "signed": ("signed_at", "-issued_on"),
}


class OrderForm(CrispyMixin, forms.Form):
    number = forms.CharField(label=gettext_lazy("Номер"), max_length=30,
                             help_text=gettext_lazy("Номер по журналу приказов организации, например «31» или «30-9 о/д»."))
    issued_on = forms.DateField(label=gettext_lazy("Дата"))
    programme = forms.ModelChoiceField(label=gettext_lazy("Программа"), queryset=Programme.objects.none(),
                                       required=False,
                                       help_text=gettext_lazy("Оставьте пустым, если приказ касается всех программ года."))
    pairs = forms.ModelMultipleChoiceField(label=gettext_lazy("Пары и группы"), queryset=None,
                                           widget=forms.CheckboxSelectMultiple)
    rewarded = forms.ModelMultipleChoiceField(label=gettext_lazy("Поощряемые участники"),
                                              queryset=Participant.objects.none(),
                                              widget=forms.CheckboxSelectMultiple)
    reward_text = forms.CharField(label=gettext_lazy("Мера поощрения"), max_length=300,
                                  help_text=gettext_lazy("Например: «объявить благодарность», «наградить грамотой»."))

    def __init__(self, *args, kind, organisation, academic_year, order=None, programme=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.organisation, self.academic_year, self.order = kind, organisation, academic_year, order
        if kind in order_service.PAIR_KINDS:
            self.fields["programme"].queryset = selectors.organisation_programmes(
                organisation, academic_year=academic_year)
            include = selectors.order_pair_ids(order) if order else []
            self.fields["pairs"].queryset = order_service.open_pairs(
                organisation, academic_year, programme=programme, include=include
            )
            self.fields["pairs"].label_from_instance = order_service.pair_label
            self.fields["pairs"].error_messages["required"] = _("Отметьте хотя бы одну пару или группу.")
        else:
            del self.fields["programme"], self.fields["pairs"]
        if kind == Order.Kind.REWARDS:
            self.fields["rewarded"].queryset = order_service.reward_candidates(organisation)
            self.fields["rewarded"].label_from_instance = lambda p: order_service.participant_line(p)
            self.fields["rewarded"].error_messages["required"] = _("Отметьте хотя бы одного участника.")
        else:
            del self.fields["rewarded"], self.fields["reward_text"]
        self.fields.update(order_kinds.form_fields(kind))

    def clean_number(self):
        number = order_service.normalise_number(self.cleaned_data["number"])
        if not number:
            raise ValidationError(_("Укажите номер приказа."))
        if order_service.number_taken(self.organisation, self.academic_year, number,
                                      exclude_pk=self.order.pk if self.order else None):
            raise ValidationError(order_service.duplicate_number_message(self.organisation, self.academic_year,
                                                                         number))
        return number

    def clean(self):
        cleaned = super().clean()
        programme, pairs = cleaned.get("programme"), cleaned.get("pairs")
        if programme and pairs:
            foreign = [p for p in pairs if p.programme_id != programme.pk]
            if foreign:
                self.add_error("pairs", _("Пары № %(numbers)s не относятся к программе «%(programme)s».") % {
                    "numbers": ", ".join(str(p.pk) for p in foreign), "programme": programme,
                })
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "number": data["number"], "issued_on": data["issued_on"], "programme": data.get("programme"),
            "pairs": list(data.get("pairs") or []), "rewarded": list(data.get("rewarded") or []),
            "reward_text": data.get("reward_text", ""), "details": order_kinds.details_from(self.kind, data),
        }


def _order(request, pk):
    return get_visible_or_404(Order.objects.select_related(
        "organisation__municipality", "municipality", "academic_year", "programme__form", "programme__academic_year",
        "signed_by", "prepared_by",
    ), request, pk=pk)


@read_only
def order_list(request):
    year = AcademicYear.objects.from_param(request.GET.get("year"))
    kind = request.GET.get("kind", "")
    if kind not in Order.Kind.values:
        kind = ""
    orders = selectors.orders(request.scope, academic_year=year, kind=kind)
    listing = paginate(request, orders, sorts=SORTS, default="-issued")
    in_organisations = request.scope.editable_organisations(Perm.PREPARE_ORDERS).exists()
    in_municipality = bool(_municipalities(request))
    can_prepare = in_organisations or in_municipality
    preparable = [(value, label) for value, label in order_kinds.preparable(Order.Kind.choices)
                  if (in_municipality if value in municipal.KINDS else in_organisations)]
    return render(request, "mentoring/orders/list.html", {
        "listing": listing, "year": year, "years": registry_selectors.academic_years(), "kind": kind,
        "kinds": Order.Kind.choices, "preparable_kinds": preparable,
        "can_prepare": can_prepare,
        "show_organisation": not request.scope.is_single_organisation,
    })


def _municipalities(request, perm=Perm.PREPARE_ORDERS) -> list:
    """The municipalities whose own register the user keeps (the municipal curator's)."""
    return request.scope.editable_municipalities(perm)


@requires(Perm.PREPARE_ORDERS)
@once
def order_create(request):
    kind = request.GET.get("kind", "")
    if kind not in Order.Kind.values or kind in order_kinds.NOT_PREPARED_BY_HAND:
        raise Http404
    if kind in municipal.KINDS:
        return _municipal_order_create(request, kind)
    organisations = request.scope.editable_organisations(request.required_permission).order_by("short_name")
    if request.GET.get("organisation", "").isdigit():
        organisations = organisations.filter(pk=request.GET["organisation"])
    choices = list(organisations[:2])
    if not choices:
        raise Http404
    year = AcademicYear.objects.from_param(request.GET.get("year"))
    kind_label = Order.Kind(kind).label
    if len(choices) > 1:
        return render(request, "mentoring/orders/choose_organisation.html", {
            "organisations": request.scope.editable_organisations(request.required_permission).order_by("short_name"),
            "kind": kind, "kind_label": kind_label, "year": year,
        })
    organisation = choices[0]
    programme = None
    if request.GET.get("programme", "").isdigit():
        programme = selectors.programme_in(organisation, academic_year=year, pk=request.GET["programme"])
    initial = {
        "number": order_service.suggest_number(organisation, year),
        "issued_on": timezone.localdate(),
        "programme": programme,
        "reward_text": str(Order._meta.get_field("reward_text").default),
        **order_kinds.initial_from(kind, {}),
    }
    form = OrderForm(request.POST or None, kind=kind, organisation=organisation, academic_year=year,
                     programme=programme, initial=initial)
    if request.method == "GET" and "pairs" in form.fields:
        form.initial["pairs"] = order_service.default_pairs(kind, list(form.fields["pairs"].queryset))
    if request.method == "POST" and form.is_valid():
        try:
            order = services.prepare_order(
                organisation=organisation, academic_year=year, kind=kind, by=request.user, **form.service_kwargs()
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Проект приказа подготовлен. Проверьте текст и передайте на подпись."))
            return redirect(order)
    return render(request, "mentoring/orders/form.html", {
        "form": form, "kind": kind, "kind_label": kind_label, "organisation": organisation, "year": year,
        "programme": programme, "programmes": _programmes(form), "order": None,
        "title": _("Проект приказа «%(kind)s»") % {"kind": kind_label},
    })


def _municipal_order_create(request, kind):
    """A municipal order: the municipal curator prepares it in the municipality's register."""
    municipalities = _municipalities(request, request.required_permission)
    if not municipalities:
        raise Http404
    municipality = municipalities[0]
    year = AcademicYear.objects.from_param(request.GET.get("year"))
    kind_label = Order.Kind(kind).label
    form = OrderForm(request.POST or None, kind=kind, organisation=municipality, academic_year=year, initial={
        "number": order_service.suggest_number(municipality, year), "issued_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            order = services.prepare_order(organisation=municipality, academic_year=year, kind=kind,
                                                by=request.user, **form.service_kwargs())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Проект приказа подготовлен. Проверьте текст и внесите его в реестр "
                                        "подписанным, когда его подпишет руководитель."))
            return redirect(order)
    return render(request, "mentoring/orders/form.html", {
        "form": form, "kind": kind, "kind_label": kind_label, "organisation": municipality, "year": year,
        "municipality": municipality, "programme": None, "programmes": [], "order": None,
        "title": _("Проект приказа «%(kind)s»") % {"kind": kind_label},
    })


def _programmes(form):
    field = form.fields.get("programme")
    return list(field.queryset) if field is not None else []


def _add_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for item in errors:
                form.add_error(field if field in form.fields else None, item)
    else:
        for message in error.messages:
            form.add_error(None, message)


@read_only
def order_detail(request, pk):
    order = _order(request, pk)
    content = order.content if order.is_signed else order_service.build_content(order)
    granted = Order.objects.permissions(request.scope, order)
    return render(request, "mentoring/orders/detail.html", {
        "order": order, "c": content,
        "warnings": [] if order.is_signed else content.get("warnings", []),
        "can_edit": not order.is_signed and Perm.PREPARE_ORDERS in granted,
        "can_sign": not order.is_signed and Perm.SIGN_ORDERS in granted,
    })


@requires(Perm.PREPARE_ORDERS)
def order_edit(request, pk):
    order = _order(request, pk)
    if order.is_signed:
        messages.error(request, _("Приказ подписан: изменить его нельзя. Если нужны изменения, подготовьте новый приказ."))
        return redirect(order)
    programme = order.programme
    if request.GET.get("programme", "").isdigit():
        programme = selectors.programme_in(order.organisation, academic_year=order.academic_year,
                                           pk=request.GET["programme"])
    elif "programme" in request.GET:
        programme = None
    initial = {
        "number": order.number, "issued_on": order.issued_on, "programme": programme,
        "pairs": selectors.order_pair_ids(order),
        "rewarded": selectors.order_rewarded_ids(order), "reward_text": order.reward_text,
        **order_kinds.initial_from(order.kind, order.details),
    }
    form = OrderForm(request.POST or None, kind=order.kind, organisation=order.owner,
                     academic_year=order.academic_year, order=order, programme=programme, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_order(order, **form.service_kwargs())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Проект приказа сохранён."))
            return redirect(order)
    return render(request, "mentoring/orders/form.html", {
        "form": form, "kind": order.kind, "kind_label": order.get_kind_display(), "organisation": order.owner,
        "year": order.academic_year, "programme": programme, "programmes": _programmes(form), "order": order,
        "title": _("Изменение проекта приказа № %(number)s") % {"number": order.number},
    })


@requires(Perm.SIGN_ORDERS)
@require_POST
def order_sign(request, pk):
    order = _order(request, pk)
    try:
        services.sign_order(order, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Приказ № %(number)s подписан и внесён в реестр.") % {"number": order.number})
    return redirect(order)


@read_only
def order_pdf(request, pk):
    order = _order(request, pk)
    content = order_service.order_pdf_bytes(order)
    if order.organisation_id:  # a school's orders name its mentors and mentees: in its export log
        audit.record_export(title=_("Приказ %(order)s") % {"order": order}, rows=None, scope=request.scope,
                            organisation_id=order.organisation_id)
    return pdf_response(content, order_service.order_filename(order))
