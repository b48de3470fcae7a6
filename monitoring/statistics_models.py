"""The federal statistics handed in: who submitted the form of participants (seed 002, order p. 11 and
Положение p. 3.4: «ежегодно в срок не позднее 30 декабря … в Региональный наставнический центр»), when,
and the very file sent, kept after the export job's own file expires.

Kept apart from ``monitoring.models`` to keep that module small; imported at its end, so Django sees
this model as the monitoring app's.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.scoping import ScopedQuerySet


def submission_upload_to(instance, filename):
    return f"statistics/{instance.organisation_id}/{filename}"


class StatisticsSubmissionQuerySet(ScopedQuerySet):
    scope_path = "organisation"


class StatisticsSubmission(models.Model):
    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT,
                                     related_name="statistics_submissions", verbose_name=_("организация"))
    academic_year = models.ForeignKey("registry.AcademicYear", on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("учебный год"))
    file = models.FileField(_("файл формы"), upload_to=submission_upload_to)
    export = models.ForeignKey("monitoring.ExportJob", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("выгрузка"))
    recipient = models.CharField(_("куда направлена"), max_length=200,
                                 default=_("Региональный наставнический центр"))
    note = models.CharField(_("примечание"), max_length=300, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     related_name="+", verbose_name=_("кто сдал"))
    submitted_at = models.DateTimeField(_("когда сдана"), default=timezone.now)
    # The roadmap's «не позднее 30 декабря» it answers (marked done with it), if the roadmap has one.
    occurrence = models.ForeignKey("roadmaps.Occurrence", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("срок дорожной карты"))

    objects = StatisticsSubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("сданная форма статистики")
        verbose_name_plural = _("сданные формы статистики")
        ordering = ["-submitted_at", "-pk"]

    def __str__(self):
        return f"{self.organisation} {self.academic_year} {self.submitted_at:%d.%m.%Y}"

    def get_absolute_url(self):
        return reverse("monitoring:statistics_file", args=[self.pk])
