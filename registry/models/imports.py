"""An uploaded participant spreadsheet, kept between preview and commit.

Its life: PENDING (stored, the check is queued) → PARSING (a worker reads it) → CHECKED (the parsed
preview is in ``preview``) → COMMITTED; or FAILED (the check broke or ran out of time, the reason in
``parse_error``). The preview is parsed once and stored; the page and the commit read it.
"""

import datetime
import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.scoping import ScopedQuerySet
from registry.validators import validate_xlsx

#: A check running longer than this was killed (the task's hard time limit, and a margin): the page
#: then says so instead of «проверяется» for ever.
PARSE_STALLED_AFTER = datetime.timedelta(seconds=150)


def import_upload_to(instance, filename):
    return f"imports/{instance.organisation_id}/{filename}"


def file_sha256(file) -> str:
    """SHA-256 of a file's bytes, read in chunks (an upload or a stored file)."""
    digest = hashlib.sha256()
    position = file.tell() if hasattr(file, "tell") else None
    file.seek(0)
    for chunk in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(64 * 1024), b""):
        digest.update(chunk)
    if position is not None:
        file.seek(position)
    return digest.hexdigest()


class ParticipantImportQuerySet(ScopedQuerySet):
    scope_path = "organisation"

    def committed_copy(self, organisation_id, sha256, *, exclude_pk=None):
        """The import that already put this very file (by its bytes) into the organisation's registry."""
        if not sha256:
            return None
        found = self.filter(organisation_id=organisation_id, sha256=sha256,
                            status=ParticipantImport.Status.COMMITTED)
        if exclude_pk is not None:
            found = found.exclude(pk=exclude_pk)
        return found.select_related("committed_by", "uploaded_by", "organisation").defer("preview").first()

    def waiting(self):
        """Stored but not checked yet (the task was not sent, or not received): oldest first."""
        return self.filter(status=ParticipantImport.Status.PENDING).order_by("created_at")


class ParticipantImport(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Ожидает проверки")
        PARSING = "parsing", _("Проверяется")
        CHECKED = "checked", _("Проверен")
        FAILED = "failed", _("Не проверен")
        COMMITTED = "committed", _("Загружен в реестр")

    organisation = models.ForeignKey(
        "registry.Organisation", on_delete=models.CASCADE, related_name="imports", verbose_name=_("организация")
    )
    file = models.FileField(_("файл XLSX"), upload_to=import_upload_to, validators=[validate_xlsx])
    original_name = models.CharField(_("имя файла"), max_length=255)
    sha256 = models.CharField(_("SHA-256 файла"), max_length=64, blank=True, editable=False)
    status = models.CharField(_("состояние"), max_length=20, choices=Status.choices, default=Status.PENDING)
    #: The parsed file: rows with their problems, the file's problems, notes, the summary
    #: (``registry.imports.preview.ImportPreview.to_stored``).
    preview = models.JSONField(_("результат проверки"), null=True, blank=True, editable=False)
    parse_error = models.TextField(_("почему не проверен"), blank=True)
    parse_started_at = models.DateTimeField(_("проверка начата"), null=True, blank=True)
    parsed_at = models.DateTimeField(_("проверен"), null=True, blank=True)
    rows_created = models.PositiveIntegerField(_("добавлено участников"), default=0)
    rows_updated = models.PositiveIntegerField(_("обновлено участников"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("загрузил")
    )
    created_at = models.DateTimeField(_("загружен"), auto_now_add=True)
    committed_at = models.DateTimeField(_("внесён"), null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("внёс в реестр"),
    )

    objects = ParticipantImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("импорт участников")
        verbose_name_plural = _("импорты участников")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="import_status_created")]
        constraints = [
            # The same file (by its bytes) goes into an organisation's registry once.
            models.UniqueConstraint(fields=["organisation", "sha256"],
                                    condition=Q(status="committed") & ~Q(sha256=""), name="import_file_once"),
        ]

    def __str__(self):
        return self.original_name

    @property
    def in_progress(self) -> bool:
        """Queued or being read, and not stalled."""
        return self.status == self.Status.PENDING or (self.status == self.Status.PARSING and not self.stalled)

    @property
    def stalled(self) -> bool:
        """A check that began long ago and never finished: its worker was killed (the hard time limit)."""
        return (self.status == self.Status.PARSING and self.parse_started_at is not None
                and timezone.now() - self.parse_started_at > PARSE_STALLED_AFTER)
