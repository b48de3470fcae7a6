"""The form of «Настройки района» (registry.municipalities keeps the settings)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.forms import CrispyMixin
from registry.models import Municipality
from registry.municipalities import SETTINGS_FIELDS

MONTHS = [(number, name) for number, name in enumerate(
    (_("январь"), _("февраль"), _("март"), _("апрель"), _("май"), _("июнь"), _("июль"), _("август"),
     _("сентябрь"), _("октябрь"), _("ноябрь"), _("декабрь")), start=1)]


class MunicipalitySettingsForm(CrispyMixin, forms.ModelForm):
    """The model's ``clean`` refuses a day its month has not (31 June); the service checks it again."""

    class Meta:
        model = Municipality
        fields = SETTINGS_FIELDS
        widgets = {
            "first_half_due_month": forms.Select(choices=MONTHS),
            "second_half_due_month": forms.Select(choices=MONTHS),
            "first_half_due_day": forms.NumberInput(attrs={"min": 1, "max": 31}),
            "second_half_due_day": forms.NumberInput(attrs={"min": 1, "max": 31}),
        }
        help_texts = {
            "head_position": _("Печатается над подписью муниципальных приказов, например «Начальник управления "
                               "образования»."),
            "first_half_due_month": _("Отчёты мониторинга за первое полугодие сдаются не позднее этой даты (в "
                                      "первом календарном году учебного года). Дата печатается в приказах и "
                                      "положениях; от неё считаются полугодовые сроки дорожных карт, "
                                      "созданных после изменения."),
            "second_half_due_month": _("Отчёты мониторинга за второе полугодие сдаются не позднее этой даты (во "
                                       "втором календарном году учебного года)."),
        }
