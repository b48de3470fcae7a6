"""The filters of the quarterly accounting, read from the page's query string or from an export request.

One form for both: the page reads it unprefixed (``?quarter=2026-4&role=mentee``), the export page and the
page's «XLSX» button send it with the prefix ``accounting`` so that its fields do not mix with the
registry bases' fields of the same names on the export page. A value that is not among the choices is
no filter, silently, like a bad page number; an organisation outside the user's scope is the view's 404.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mentoring.models import MentoringForm, Pair
from monitoring.accounting import MENTEE, MENTOR, ROLE_LABELS, Filters, Quarter, recent_quarters
from monitoring.figures import WORKED
from registry.forms import CrispyMixin
from registry.listing import id_param, search_param
from registry.models import Organisation, Participant

PREFIX = "accounting"


def _empty(label):
    return [("", label)]


class AccountingFilterForm(CrispyMixin, forms.Form):
    quarter = forms.ChoiceField(label=_("Квартал"), required=False)
    q = forms.CharField(label=_("Поиск по ФИО"), required=False)
    organisation = forms.TypedChoiceField(label=_("Организация"), required=False, coerce=int, empty_value=None)
    role = forms.ChoiceField(label=_("Роль"), required=False,
                             choices=_empty(_("Все")) + [(MENTOR, ROLE_LABELS[MENTOR]), (MENTEE, ROLE_LABELS[MENTEE])])
    form = forms.TypedChoiceField(label=_("Форма наставничества"), required=False, coerce=int, empty_value=None)
    category = forms.ChoiceField(label=_("Категория"), required=False,
                                 choices=_empty(_("Все")) + list(Participant.Category.choices))
    status = forms.ChoiceField(label=_("Состояние пары"), required=False,
                               choices=_empty(_("Любое")) + [(value, label) for value, label in Pair.Status.choices
                                                             if value in WORKED])

    def __init__(self, data=None, *, scope, today=None, prefix=None):
        super().__init__(data, prefix=prefix)
        self.default_quarter = Quarter.containing(today) if today else recent_quarters()[0]
        quarters = recent_quarters(today)
        chosen = self.chosen_quarter()
        if chosen not in quarters:
            quarters = sorted({*quarters, chosen}, reverse=True)
        self.fields["quarter"].choices = [(q.param, q.label) for q in quarters]
        self.fields["quarter"].initial = self.default_quarter.param
        organisations = Organisation.objects.visible_to(scope).order_by("short_name")
        if scope.is_single_organisation:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].choices = _empty(_("Все")) + list(organisations.values_list("pk",
                                                                                                     "short_name"))
        self.fields["form"].choices = _empty(_("Все")) + list(MentoringForm.objects.order_by("position", "name")
                                                               .values_list("pk", "name"))

    def raw(self, name: str):
        if self.data is None:
            return None
        return self.data.get(self.add_prefix(name))

    def chosen_quarter(self) -> Quarter:
        return Quarter.from_param(self.raw("quarter"), default=self.default_quarter)

    def requested_organisation(self) -> int | None:
        """The organisation asked for, as an id, whether or not the user reaches it (the view's 404)."""
        return id_param(self.raw("organisation"))

    def filters(self) -> Filters:
        """The valid values only: a field that failed is no filter."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return Filters(
            q=search_param({"q": cleaned.get("q") or ""}),
            organisation=cleaned.get("organisation"),
            role=cleaned.get("role") or "",
            form=cleaned.get("form"),
            category=cleaned.get("category") or "",
            status=cleaned.get("status") or "",
        )
