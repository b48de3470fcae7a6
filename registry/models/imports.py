"""An uploaded participant spreadsheet, kept between preview and commit."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.scoping import ScopedQuerySet
from registry.validators import validate_xlsx


def import_upload_to(instance, filename):
    return f"imports/{instance.organisation_id}/{filename}"


class ParticipantImportQuerySet(ScopedQuerySet):
    scope_path = "organisation"


class ParticipantImport(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Загружен, проверка")
        COMMITTED = "committed", _("Загружен в реестр")

    organisation = models.ForeignKey(
        "registry.Organisation", on_delete=models.CASCADE, related_name="imports", verbose_name=_("организация")
    )
    file = models.FileField(_("файл XLSX"), upload_to=import_upload_to, validators=[validate_xlsx])
    original_name = models.CharField(_("имя файла"), max_length=255)
    status = models.CharField(_("состояние"), max_length=20, choices=Status.choices, default=Status.UPLOADED)
    rows_created = models.PositiveIntegerField(_("добавлено участников"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("загрузил")
    )
    created_at = models.DateTimeField(_("загружен"), auto_now_add=True)
    committed_at = models.DateTimeField(_("внесён"), null=True, blank=True)

    objects = ParticipantImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("импорт участников")
        verbose_name_plural = _("импорты участников")
        ordering = ["-created_at"]

    def __str__(self):
        return self.original_name
