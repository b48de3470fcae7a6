"""Stopped processing of a person's data (152-ФЗ art. 9, 21): why, what was stopped, when it resumed."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models.consents import ConsentPurpose
from registry.scoping import ScopedQuerySet


class ProcessingStopQuerySet(ScopedQuerySet):
    scope_path = "participant__organisation"

    def open(self):
        return self.filter(resumed_at__isnull=True)


class ProcessingStop(models.Model):
    """One stop of the processing of one person's data for one purpose.

    Written by ``registry.processing`` when the consent the purpose needs is revoked or expires, or the
    person is archived; ``effects`` lists, in Russian, what the other apps stopped (pairs suspended,
    links closed, cases withdrawn). A new valid consent closes the stop (``resumed_at``).
    """

    class Cause(models.TextChoices):
        REVOKED = "revoked", _("согласие отозвано")
        EXPIRED = "expired", _("срок действия согласия истёк")
        MISSING = "missing", _("согласия нет")
        ARCHIVED = "archived", _("участник перенесён в архив")

    class Mode(models.TextChoices):
        SUSPEND = "suspend", _("Приостановить участие до нового согласия")
        END = "end", _("Прекратить участие")

    participant = models.ForeignKey("registry.Participant", on_delete=models.CASCADE,
                                    related_name="processing_stops", verbose_name=_("участник"))
    purpose = models.CharField(_("цель обработки"), max_length=20, choices=ConsentPurpose.choices)
    cause = models.CharField(_("причина"), max_length=20, choices=Cause.choices)
    reason = models.CharField(_("основание"), max_length=500)
    mode = models.CharField(_("что сделано"), max_length=10, choices=Mode.choices, default=Mode.SUSPEND)
    consent = models.ForeignKey("registry.Consent", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("согласие"))
    stopped_on = models.DateField(_("остановлено с"))
    stopped_at = models.DateTimeField(_("записано"), auto_now_add=True)
    stopped_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("кто остановил"))
    effects = models.JSONField(_("что остановлено"), default=list, blank=True)
    resumed_at = models.DateTimeField(_("возобновлено"), null=True, blank=True)
    resumed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("кто возобновил"))
    resume_effects = models.JSONField(_("что возобновлено"), default=list, blank=True)

    objects = ProcessingStopQuerySet.as_manager()

    class Meta:
        verbose_name = _("остановка обработки персональных данных")
        verbose_name_plural = _("остановки обработки персональных данных")
        ordering = ["-stopped_at", "-pk"]
        constraints = [
            # One open stop per person and purpose: a second revocation or a repeated daily run adds none.
            models.UniqueConstraint(fields=["participant", "purpose"], condition=Q(resumed_at__isnull=True),
                                    name="one_open_processing_stop"),
        ]

    def __str__(self):
        return f"{self.participant}: {self.reason}"
