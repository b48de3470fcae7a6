"""Mentor and mentee profiles of participants (база наставников, база наставляемых)."""


from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.scoping import ScopedQuerySet
from registry.validators import validate_document_file
from registry.models.people import Participant, Topic, certificate_upload_to, portfolio_upload_to


class MentorProfileQuerySet(ScopedQuerySet):
    scope_path = "participant__organisation"


class MentorProfile(models.Model):
    """A participant's entry in the mentor base (база наставников)."""

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="mentor_profile", verbose_name=_("участник")
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="mentors", verbose_name=_("ключевые компетенции"))
    competencies = models.TextField(
        _("компетенции и достижения"), blank=True, help_text=_("«Чем я могу быть полезен»: опыт, достижения, награды.")
    )
    interests = models.TextField(_("интересы"), blank=True)
    mentee_age_min = models.PositiveSmallIntegerField(
        _("желаемый возраст наставляемых: от"), null=True, blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(80)],
    )
    mentee_age_max = models.PositiveSmallIntegerField(
        _("до"), null=True, blank=True, validators=[MinValueValidator(5), MaxValueValidator(80)]
    )
    meeting_times = models.CharField(
        _("удобное время встреч"), max_length=200, blank=True, help_text=_("Например: «вт, чт после 15:00».")
    )
    capacity = models.PositiveSmallIntegerField(
        _("сколько наставляемых может взять"), default=1, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    experience = models.TextField(_("опыт наставничества"), blank=True)
    portfolio_file = models.FileField(
        _("портфолио (файл)"), upload_to=portfolio_upload_to, blank=True, validators=[validate_document_file]
    )
    portfolio_url = models.URLField(_("портфолио (ссылка)"), blank=True)
    partner = models.ForeignKey(
        "registry.Partner", on_delete=models.PROTECT, null=True, blank=True, related_name="mentors",
        verbose_name=_("организация-партнёр"),
    )
    certificate_date = models.DateField(_("дата справки об отсутствии судимости"), null=True, blank=True)
    certificate_file = models.FileField(
        _("справка об отсутствии судимости"), upload_to=certificate_upload_to, blank=True,
        validators=[validate_document_file],
    )
    in_long_term_base = models.BooleanField(_("в долгосрочной базе наставников"), default=False)
    joined_on = models.DateField(_("включён в базу"), default=timezone.localdate)

    objects = MentorProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("профиль наставника")
        verbose_name_plural = _("профили наставников")
        constraints = [
            models.CheckConstraint(
                condition=Q(mentee_age_min__isnull=True) | Q(mentee_age_max__isnull=True)
                | Q(mentee_age_min__lte=models.F("mentee_age_max")),
                name="mentor_age_range_ordered",
                violation_error_message=_("Возраст «от» больше возраста «до»."),
            )
        ]

    def __str__(self):
        return str(self.participant)

    def get_additional_data(self) -> dict:
        return {"organisation": self.participant.organisation_id, "participant": self.participant_id}

    @property
    def needs_certificate(self) -> bool:
        return self.participant.is_outside_person or self.partner_id is not None

    @property
    def lacks_certificate(self) -> bool:
        return self.needs_certificate and not (self.certificate_date and self.certificate_file)


class MenteeProfileQuerySet(ScopedQuerySet):
    scope_path = "participant__organisation"


class MenteeProfile(models.Model):
    """A participant's entry in the mentee base (база наставляемых)."""

    class RequestSource(models.TextChoices):
        QUESTIONNAIRE = "questionnaire", _("Анкета")
        CLASS_TEACHER = "class_teacher", _("Классный руководитель")
        PSYCHOLOGIST = "psychologist", _("Педагог-психолог")
        SOCIAL_PEDAGOGUE = "social_pedagogue", _("Социальный педагог")
        PARENTS = "parents", _("Родители")
        PERSONAL_FILE = "personal_file", _("Личное дело")
        ATTESTATION = "attestation", _("Аттестация")
        SELF = "self", _("Личное обращение")

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="mentee_profile", verbose_name=_("участник")
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="mentees", verbose_name=_("запросы"))
    request = models.TextField(_("основной запрос"), blank=True)
    request_source = models.CharField(
        _("источник запроса"), max_length=20, choices=RequestSource.choices, default=RequestSource.QUESTIONNAIRE
    )
    meeting_times = models.CharField(
        _("удобное время встреч"), max_length=200, blank=True, help_text=_("Например: «пн, ср после уроков».")
    )
    # Special groups the methodology asks to reach (seed 002: accessibility of programmes).
    has_disabilities = models.BooleanField(_("ОВЗ"), default=False)
    is_gifted = models.BooleanField(_("одарённый"), default=False)
    in_difficult_situation = models.BooleanField(_("трудная жизненная ситуация"), default=False)
    is_rural = models.BooleanField(_("сельская местность"), default=False)
    is_orphan = models.BooleanField(_("сирота / без попечения родителей"), default=False)
    joined_on = models.DateField(_("дата вхождения в программу"), default=timezone.localdate)

    objects = MenteeProfileQuerySet.as_manager()

    SPECIAL_GROUP_FIELDS = ("has_disabilities", "is_gifted", "in_difficult_situation", "is_rural", "is_orphan")

    class Meta:
        verbose_name = _("профиль наставляемого")
        verbose_name_plural = _("профили наставляемых")

    def __str__(self):
        return str(self.participant)

    def get_additional_data(self) -> dict:
        return {"organisation": self.participant.organisation_id, "participant": self.participant_id}

    @property
    def special_groups(self) -> list[str]:
        return [str(self._meta.get_field(name).verbose_name) for name in self.SPECIAL_GROUP_FIELDS if getattr(self, name)]
