"""The act of destruction of personal data (акт об уничтожении персональных данных).

Its fields follow the requirements of Roskomnadzor order No. 179 of 28.10.2022 for an act of
destruction in an information system: the operator, the persons (here by their number in the system,
since their names are what was destroyed) or their count, the categories of data, the carrier (the
information system), the method, the reason, the date and who destroyed them. The act and the matching
extract of the event log are stored as PDF files in the organisation's register of acts.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from registry.scoping import ScopedQuerySet


class DestructionActQuerySet(ScopedQuerySet):
    scope_path = "organisation"


def act_upload_to(instance, filename):
    return f"destruction-acts/{instance.organisation_id}/{filename}"


class DestructionAct(models.Model):
    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT,
                                     related_name="destruction_acts", verbose_name=_("организация"))
    year = models.PositiveSmallIntegerField(_("год"))
    sequence = models.PositiveIntegerField(_("порядковый номер"))
    made_on = models.DateField(_("дата уничтожения"))
    made_at = models.DateTimeField(_("записано"), auto_now_add=True)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("кто уничтожил"))
    made_by_text = models.CharField(_("кто уничтожил (как в акте)"), max_length=300)
    reason = models.TextField(_("причина уничтожения"))
    subjects = models.JSONField(_("субъекты"), default=list)
    categories = models.JSONField(_("категории персональных данных"), default=list)
    carrier = models.CharField(_("носитель"), max_length=300)
    method = models.CharField(_("способ уничтожения"), max_length=500)
    pdf = models.FileField(_("акт (PDF)"), upload_to=act_upload_to, blank=True)
    log_extract = models.FileField(_("выгрузка из журнала событий (PDF)"), upload_to=act_upload_to, blank=True)

    objects = DestructionActQuerySet.as_manager()

    class Meta:
        verbose_name = _("акт об уничтожении персональных данных")
        verbose_name_plural = _("акты об уничтожении персональных данных")
        ordering = ["-made_on", "-sequence", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "sequence"], name="destruction_act_number"),
        ]

    def __str__(self):
        return _("Акт № %(number)s от %(date)s") % {"number": self.number, "date": self.made_on.strftime("%d.%m.%Y")}

    @property
    def number(self) -> str:
        return f"{self.sequence}-ПД/{self.year}"

    def get_absolute_url(self):
        return reverse("registry:destruction_act", args=[self.pk])
