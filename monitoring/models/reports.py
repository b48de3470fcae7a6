"""Coverage targets and the half-yearly monitoring reports with their review."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mentoring.plan_target import DEFAULT_PLAN_TARGET_PERCENT
from registry.scoping import ScopedQuerySet

# --- targets ----------------------------------------------------------------------------------------


class CoverageTarget(models.Model):
    """The coverage targets of a municipality for a year; they differ by place and year (seed 004:
    ≥ 10% of students and ≥ 15% of teachers; the federal target: 70% of students aged 10–18)."""

    class StudentBase(models.TextChoices):
        ALL = "all", _("от всех обучающихся")
        AGED_10_PLUS = "aged_10_plus", _("от обучающихся в возрасте от 10 лет")

    municipality = models.ForeignKey("registry.Municipality", on_delete=models.CASCADE, related_name="targets")
    academic_year = models.ForeignKey("registry.AcademicYear", on_delete=models.PROTECT, related_name="targets")
    students_percent = models.DecimalField(_("охват обучающихся, %"), max_digits=5, decimal_places=1, default=10,
                                           validators=[MinValueValidator(0), MaxValueValidator(100)])
    student_base = models.CharField(_("считать"), max_length=20, choices=StudentBase.choices,
                                    default=StudentBase.ALL)
    teachers_percent = models.DecimalField(_("охват педагогов, %"), max_digits=5, decimal_places=1, default=15,
                                           validators=[MinValueValidator(0), MaxValueValidator(100)])
    plans_percent = models.PositiveSmallIntegerField(_("выполнение индивидуальных планов, %"),
                                                     default=DEFAULT_PLAN_TARGET_PERCENT,
                                                     validators=[MaxValueValidator(100)])
    consents_percent = models.PositiveSmallIntegerField(_("согласия участников, %"), default=100,
                                                        validators=[MaxValueValidator(100)])

    class Meta:
        verbose_name = _("целевые показатели")
        verbose_name_plural = _("целевые показатели")
        constraints = [models.UniqueConstraint(fields=["municipality", "academic_year"], name="one_target_per_year")]

    def __str__(self):
        return f"{self.municipality}, {self.academic_year}"


# --- half-yearly reports ------------------------------------------------------------------------------


class ReportQuerySet(ScopedQuerySet):
    scope_path = "organisation"


class MonitoringReport(models.Model):
    """The half-yearly monitoring of an organisation, as an information note (информационная справка)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Готовится")
        SUBMITTED = "submitted", _("Отправлен на проверку")
        RETURNED = "returned", _("Возвращён на доработку")
        ACCEPTED = "accepted", _("Принят")

    EDITABLE = (Status.DRAFT, Status.RETURNED)

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="reports")
    academic_year = models.ForeignKey("registry.AcademicYear", on_delete=models.PROTECT, related_name="reports")
    half = models.PositiveSmallIntegerField(_("полугодие"), choices=[(1, _("первое")), (2, _("второе"))])
    due_on = models.DateField(_("срок сдачи"))
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    strengths = models.TextField(_("сильные стороны"), blank=True)
    weaknesses = models.TextField(_("слабые стороны"), blank=True)
    opportunities = models.TextField(_("возможности"), blank=True)
    threats = models.TextField(_("угрозы"), blank=True)
    decisions = models.TextField(_("выводы и управленческие решения"), blank=True)
    figures = models.JSONField(_("показатели на момент принятия"), default=dict, blank=True, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("отчёт мониторинга")
        verbose_name_plural = _("отчёты мониторинга")
        ordering = ["-academic_year__start_year", "-half", "organisation__short_name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "academic_year", "half"], name="one_report_per_half")
        ]

    def __str__(self):
        return f"{self.organisation}: {self.academic_year}, {self.get_half_display()} полугодие"

    def get_absolute_url(self):
        return reverse("monitoring:report_detail", args=[self.pk])

    def get_additional_data(self) -> dict:
        return {"organisation": self.organisation_id}

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_frozen(self) -> bool:
        return self.status == self.Status.ACCEPTED


class ReportReview(models.Model):
    """Every step of a report's review, kept: submitted, returned with a comment, accepted."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Отправлен")
        RETURNED = "returned", _("Возвращён")
        ACCEPTED = "accepted", _("Принят")

    report = models.ForeignKey(MonitoringReport, on_delete=models.CASCADE, related_name="reviews")
    action = models.CharField(max_length=10, choices=Action.choices)
    comment = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
