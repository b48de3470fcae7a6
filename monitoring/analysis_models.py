"""The district's half-year analysis and its management decisions (seed 000 items 4.5 and 4.7: «Анализ
оценки качества реализации программ наставничества» and «Анализ оценки мотивационно-личностного,
компетентностного, профессионального роста участников ЦМН», once a half-year, by the municipal curator,
result «Приняты управленческие решения»).

Kept apart from ``monitoring.models`` to keep that module small; imported at its end, so Django sees
these models as the monitoring app's.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class DistrictAnalysisQuerySet(models.QuerySet):
    """An analysis belongs to a municipality: its curator writes it; the region and the staff of the
    district's organisations read it (``Scope.q_municipality``)."""

    def visible_to(self, scope):
        return self.filter(scope.q_municipality("municipality"))

    def permissions(self, scope, analysis) -> frozenset:
        return scope.permissions_for_municipality(analysis.municipality)


class DistrictAnalysis(models.Model):
    """The municipal curator's analysis of one monitoring period (a half of an academic year), linked
    to the organisations' reports accepted for that period."""

    municipality = models.ForeignKey("registry.Municipality", on_delete=models.PROTECT, related_name="analyses",
                                     verbose_name=_("муниципалитет"))
    academic_year = models.ForeignKey("registry.AcademicYear", on_delete=models.PROTECT, related_name="analyses",
                                      verbose_name=_("учебный год"))
    half = models.PositiveSmallIntegerField(_("полугодие"), choices=[(1, _("первое")), (2, _("второе"))])
    quality_analysis = models.TextField(
        _("анализ оценки качества реализации программ наставничества"),
        help_text=_("Удовлетворённость наставников и наставляемых, качество программ, выполнение планов, охват."))
    growth_analysis = models.TextField(
        _("анализ оценки роста участников"), blank=True,
        help_text=_("Мотивационно-личностный, компетентностный и профессиональный рост участников: входная и "
                    "итоговая оценка."))
    reports = models.ManyToManyField("monitoring.MonitoringReport", blank=True, related_name="analyses",
                                     verbose_name=_("принятые отчёты организаций"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DistrictAnalysisQuerySet.as_manager()

    class Meta:
        app_label = "monitoring"
        verbose_name = _("анализ мониторинга района")
        verbose_name_plural = _("анализы мониторинга района")
        ordering = ["-academic_year__start_year", "-half", "municipality__name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "academic_year", "half"],
                                               name="one_analysis_per_half")]

    def __str__(self):
        return f"{self.municipality}: {self.academic_year}, {self.get_half_display()} полугодие"

    def get_absolute_url(self):
        return reverse("monitoring:analysis_detail", args=[self.pk])


class DecisionQuerySet(models.QuerySet):
    def visible_to(self, scope):
        return self.filter(scope.q_municipality("analysis__municipality"))

    def permissions(self, scope, decision) -> frozenset:
        return scope.permissions_for_municipality(decision.analysis.municipality)

    def in_force(self):
        return self.filter(withdrawn_on__isnull=True)


class ManagementDecision(models.Model):
    """A management decision (управленческое решение) of an analysis: who is responsible and by when.
    Each one is an item of the district roadmap, so its deadline gets reminders and its progress is
    reported there; withdrawing the decision excludes the item (the roadmap keeps both in its history)."""

    analysis = models.ForeignKey(DistrictAnalysis, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("решение"))
    responsible = models.CharField(_("ответственный"), max_length=300,
                                   help_text=_("Должность и ФИО, как в документе: «Муниципальный куратор», "
                                               "«Руководители ОО»."))
    responsible_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                         blank=True, related_name="+", verbose_name=_("ответственный сотрудник"),
                                         help_text=_("Получит напоминания о сроке."))
    due_on = models.DateField(_("срок"))
    roadmap_item = models.OneToOneField("roadmaps.RoadmapItem", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="decision", editable=False,
                                        verbose_name=_("мероприятие дорожной карты района"))
    withdrawn_on = models.DateField(_("отменено"), null=True, blank=True, editable=False)
    withdraw_reason = models.CharField(_("причина отмены"), max_length=300, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        app_label = "monitoring"
        verbose_name = _("управленческое решение")
        verbose_name_plural = _("управленческие решения")
        ordering = ["analysis", "due_on", "pk"]

    def __str__(self):
        return self.text[:100]

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None
