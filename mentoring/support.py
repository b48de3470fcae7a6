"""Support given to a mentee left without a pair, while the search for a mentor goes on.

Seed 003 (stage 5): «Организация психологического сопровождения наставляемым, не сформировавшим пару или
группу (при необходимости), продолжить поиск наставника». The curator records each session or consultation
and each step of the search with its date, who gave it and a note; the unpaired list shows when each
mentee was last supported. The note speaks of a child: the audit trail records it with the person's
other records, and destruction erases it (``mentoring.processing``).

Kept out of the ``mentoring.models`` package, next to the support of unpaired mentees; the package
imports it, so Django finds it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.scoping import ScopedQuerySet


class SupportQuerySet(ScopedQuerySet):
    scope_path = "mentee__participant__organisation"


class Support(models.Model):
    class Kind(models.TextChoices):
        PSYCHOLOGIST = "psychologist", _("Занятие с педагогом-психологом")
        CONSULTATION = "consultation", _("Консультация")
        SOCIAL_PEDAGOGUE = "social_pedagogue", _("Встреча с социальным педагогом")
        CLASS_TEACHER = "class_teacher", _("Беседа классного руководителя")
        SEARCH = "search", _("Поиск наставника")
        OTHER = "other", _("Другое")

    mentee = models.ForeignKey("registry.MenteeProfile", on_delete=models.CASCADE, related_name="supports",
                               verbose_name=_("наставляемый"))
    # The programme whose pair the mentee lacks, when recorded from its list.
    programme = models.ForeignKey("mentoring.Programme", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="supports", verbose_name=_("программа"))
    kind = models.CharField(_("вид сопровождения"), max_length=20, choices=Kind.choices, default=Kind.PSYCHOLOGIST)
    given_on = models.DateField(_("дата"), default=timezone.localdate)
    given_by = models.CharField(_("кто провёл"), max_length=200,
                                help_text=_("Например: «педагог-психолог Иванова И. И.»."))
    note = models.TextField(_("заметка"), blank=True,
                            help_text=_("Что сделано, о чём договорились, как идёт поиск наставника."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(_("записано"), auto_now_add=True)

    objects = SupportQuerySet.as_manager()

    class Meta:
        verbose_name = _("сопровождение наставляемого без пары")
        verbose_name_plural = _("сопровождение наставляемых без пары")
        ordering = ["-given_on", "-pk"]
        indexes = [models.Index(fields=["mentee", "-given_on"])]

    def __str__(self):
        return f"{self.get_kind_display()}, {self.given_on:%d.%m.%Y}"

    def get_additional_data(self) -> dict:
        return {"organisation": self.mentee.participant.organisation_id, "participant": self.mentee.participant_id}
