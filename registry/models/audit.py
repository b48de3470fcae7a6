"""The audit trail: every change to a person, consent, pair, meeting or report, every view of a person's
page, every download of a scan and every export with personal data (django-auditlog's entry, extended).

The extra columns say whose data an entry is about, so a person's «История» tab and a district's
export log are indexed reads inside the one scoping mechanism. They are filled from
``additional_data``, which the audited models provide through ``get_additional_data`` (auditlog's
hook) and ``registry.audit`` passes for accesses.
"""

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.scoping import ScopedQuerySet


class AuditEntryQuerySet(ScopedQuerySet):
    scope_path = "organisation"

    def visible_to(self, scope):
        """Entries about an organisation in scope; a municipality-wide export by the district's curators."""
        if scope.is_superuser:
            return self.all()
        condition = scope.q("organisation")
        if scope.municipality_ids:
            condition |= Q(organisation__isnull=True, municipality_id__in=sorted(scope.municipality_ids))
        if scope.region_ids:
            condition |= Q(organisation__isnull=True, municipality__region_id__in=sorted(scope.region_ids))
        return self.filter(condition)


class AuditEntryManager(LogEntryManager.from_queryset(AuditEntryQuerySet)):
    pass


class AuditEntry(AbstractLogEntry):
    class Kind(models.TextChoices):
        CHANGE = "change", _("изменение")
        VIEW = "view", _("просмотр карточки")
        FILE = "file", _("скачивание скан-копии")
        EXPORT = "export", _("выгрузка")

    kind = models.CharField(_("вид события"), max_length=10, choices=Kind.choices, default=Kind.CHANGE,
                            db_index=True)
    organisation = models.ForeignKey("registry.Organisation", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("организация"))
    municipality = models.ForeignKey("registry.Municipality", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("муниципалитет"))
    participant = models.ForeignKey("registry.Participant", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="audit_entries", verbose_name=_("участник"))

    objects = AuditEntryManager()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = _("запись журнала событий")
        verbose_name_plural = _("журнал событий")
        indexes = [
            models.Index(fields=["participant", "-timestamp"]),
            models.Index(fields=["organisation", "kind", "-timestamp"]),
            models.Index(fields=["municipality", "kind", "-timestamp"]),
        ]

    def save(self, *args, **kwargs):
        data = self.additional_data or {}
        for field in ("organisation", "municipality", "participant"):
            if getattr(self, f"{field}_id") is None and data.get(field):
                setattr(self, f"{field}_id", data[field])
        if data.get("kind"):
            self.kind = data["kind"]
        super().save(*args, **kwargs)
