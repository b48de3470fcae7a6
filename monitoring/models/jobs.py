"""Exports built as jobs, and the marks of periodic tasks."""

import hashlib
import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry import exporters

# --- exports as jobs ----------------------------------------------------------------------------------


def export_upload_to(instance, filename):
    return f"exports/{instance.requested_by_id}/{filename}"


class ExportJobQuerySet(models.QuerySet):
    def running(self):
        return self.filter(status__in=(ExportJob.Status.PENDING, ExportJob.Status.RUNNING))

    def for_user(self, user):
        """Only the requester (and superusers) may see an export and download it."""
        return self if user.is_superuser else self.filter(requested_by=user)


class ExportJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("В очереди")
        RUNNING = "running", _("Готовится")
        DONE = "done", _("Готово")
        FAILED = "failed", _("Ошибка")
        CANCELLED = "cancelled", _("Отменено")

    # An exporter's identifier (``registry.exporters``): the choices are the registered exporters, read when
    # asked, so a new export needs no migration.
    kind = models.CharField(_("что"), max_length=30, choices=exporters.choices)
    params = models.JSONField(_("параметры"), default=dict, blank=True)
    params_key = models.CharField(max_length=64, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports")
    status = models.CharField(_("состояние"), max_length=12, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("готово, %"), default=0)
    file = models.FileField(_("файл"), upload_to=export_upload_to, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("хранится до"), null=True, blank=True)
    # The organisations the file was built over (the requester's scope then), re-checked at download.
    covered = models.JSONField(default=list, blank=True, editable=False)
    # The lease (monitoring.jobs): when the message reached the broker, how often a worker took the job,
    # when the worker last said it is alive.
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("выгрузка")
        verbose_name_plural = _("выгрузки")
        ordering = ["-created_at"]
        constraints = [
            # A second identical request while one is being built is refused.
            models.UniqueConstraint(fields=["requested_by", "kind", "params_key"],
                                    condition=Q(status__in=("pending", "running")), name="one_running_export"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.created_at:%d.%m.%Y %H:%M})"

    def get_absolute_url(self):
        return reverse("monitoring:export_detail", args=[self.pk])

    @staticmethod
    def key_for(params: dict) -> str:
        return hashlib.sha256(json.dumps(params, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def save(self, *args, **kwargs):
        self.params_key = self.key_for(self.params)
        super().save(*args, **kwargs)


class BeatMark(models.Model):
    """When a periodic task last completed (``/healthz`` tells an outside monitor how old it is)."""

    name = models.CharField(max_length=100, unique=True)
    at = models.DateTimeField()

    @classmethod
    def touch(cls, name: str) -> None:

        cls.objects.update_or_create(name=name, defaults={"at": timezone.now()})
