"""Forms of the district's analysis and its management decisions (``monitoring.analysis``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from monitoring.models import DistrictAnalysis
from registry.forms import CrispyMixin
from registry.models import AcademicYear, Municipality

HALVES = [(1, _("первое (сентябрь – декабрь)")), (2, _("второе (январь – август)"))]


class AnalysisForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = DistrictAnalysis
        fields = ["quality_analysis", "growth_analysis"]
        widgets = {name: forms.Textarea(attrs={"rows": 8}) for name in fields}
        labels = {
            "quality_analysis": _("Анализ оценки качества реализации программ наставничества (п. 4.5)"),
            "growth_analysis": _("Анализ оценки мотивационно-личностного, компетентностного, профессионального "
                                 "роста участников (п. 4.7)"),
        }


class NewAnalysisForm(AnalysisForm):
    """The period is chosen once, when the analysis is first written."""

    municipality = forms.ModelChoiceField(label=_("Муниципалитет"), queryset=Municipality.objects.none())
    academic_year = forms.ModelChoiceField(label=_("Учебный год"),
                                           queryset=AcademicYear.objects.order_by("-start_year"))
    half = forms.TypedChoiceField(label=_("Полугодие"), coerce=int, choices=HALVES)

    field_order = ["municipality", "academic_year", "half", "quality_analysis", "growth_analysis"]

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(pk__in=[m.pk for m in municipalities])
        if len(municipalities) == 1:
            self.fields["municipality"].widget = forms.HiddenInput()


class DecisionForm(CrispyMixin, forms.Form):
    text = forms.CharField(label=_("Решение"), widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Что сделать: станет мероприятием дорожной карты района."))
    responsible = forms.CharField(label=_("Ответственный"), max_length=300,
                                  help_text=_("Как в документе: «Муниципальный куратор», «Руководители ОО»."))
    responsible_user = forms.ModelChoiceField(
        label=_("Ответственный сотрудник"), queryset=None, required=False, empty_label=_("— я сам(а) —"),
        help_text=_("Кому придут напоминания о сроке; если не выбран — тому, кто записал решение."))
    due_on = forms.DateField(label=_("Срок"))

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_user"].queryset = staff
        self.fields["responsible_user"].label_from_instance = lambda user: user.display_name


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Причина отмены"), max_length=300)
