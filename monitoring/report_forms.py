"""Forms of the half-yearly report pages: starting a report, the curator's analysis, the review, the
municipality's coverage targets."""

from django import forms
from django.utils.translation import gettext_lazy as _

from monitoring.models import CoverageTarget, MonitoringReport
from registry.forms import CrispyMixin
from registry.models import AcademicYear, Organisation


class StartReportForm(CrispyMixin, forms.Form):
    organisation = forms.ModelChoiceField(label=_("Организация"), queryset=Organisation.objects.none())
    academic_year = forms.ModelChoiceField(label=_("Учебный год"), queryset=AcademicYear.objects.order_by("-start_year"))
    half = forms.TypedChoiceField(label=_("Полугодие"), coerce=int,
                                  choices=[(1, _("первое (сентябрь – декабрь)")), (2, _("второе (январь – август)"))])

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if len(organisations) == 1:
            self.fields["organisation"].widget = forms.HiddenInput()


class ReportTextForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = MonitoringReport
        fields = ["strengths", "weaknesses", "opportunities", "threats", "decisions"]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields}
        help_texts = {
            "strengths": _("Что удалось: охват, работа пар, результаты наставляемых, вовлечённость наставников."),
            "weaknesses": _("Что не получилось и почему: отстающие показатели, прекращённые пары, пробелы в данных."),
            "opportunities": _("SWOT: внешние возможности — партнёры, обучение наставников, ресурсы района."),
            "threats": _("SWOT: внешние угрозы — нагрузка педагогов, отток участников, сроки."),
            "decisions": _("Выводы и управленческие решения на следующее полугодие: что, кто и к какому сроку."),
        }


class ReviewForm(forms.Form):
    RETURN, ACCEPT = "return", "accept"

    action = forms.ChoiceField(choices=[(RETURN, _("Вернуть на доработку")), (ACCEPT, _("Принять"))])
    comment = forms.CharField(label=_("Комментарий"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == self.RETURN and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("Напишите, что нужно доработать: без комментария отчёт не возвращают."))
        return cleaned


class CoverageTargetForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = CoverageTarget
        fields = ["students_percent", "student_base", "teachers_percent", "plans_percent", "consents_percent"]
        widgets = {"student_base": forms.RadioSelect}
        help_texts = {
            "students_percent": _("Доля обучающихся, вовлечённых в программы наставничества (например, не менее 10 % в 2025 году)."),
            "student_base": _("Федеральный ориентир — 70 % обучающихся в возрасте от 10 до 18 лет: выберите "
                              "«от обучающихся в возрасте от 10 лет» и укажите 70."),
            "teachers_percent": _("Доля педагогов, вовлечённых в программы наставничества (например, не менее 15 % в 2025 году)."),
            "plans_percent": _("Индивидуальные планы реализованы не менее чем на … % (по документам — 90 %)."),
            "consents_percent": _("Согласия на обработку персональных данных от … % участников (по документам — 100 %)."),
        }
