"""Forms of mentoring, programmes, matching preferences and weights."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models import Participant
from registry.paths import object_url
from registry.scoping import ScopedQuerySet


class MentoringForm(models.Model):
    """A form of mentoring («учитель – ученик»): which categories may mentor and be mentored."""

    name = models.CharField(_("название"), max_length=100, unique=True)
    mentor_categories = models.JSONField(_("кто может быть наставником"), default=list)
    mentee_categories = models.JSONField(_("кто может быть наставляемым"), default=list)
    description = models.TextField(_("описание"), blank=True)
    position = models.PositiveSmallIntegerField(_("порядок"), default=0)
    is_active = models.BooleanField(_("используется"), default=True)

    class Meta:
        verbose_name = _("форма наставничества")
        verbose_name_plural = _("формы наставничества")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        known = set(Participant.Category.values)
        for field in ("mentor_categories", "mentee_categories"):
            value = getattr(self, field)
            if not value or not set(value) <= known:
                raise ValidationError({field: _("Выберите хотя бы одну категорию участников.")})

    def accepts_mentor(self, category: str) -> bool:
        return category in self.mentor_categories

    def accepts_mentee(self, category: str) -> bool:
        return category in self.mentee_categories

    def category_labels(self, field: str) -> str:
        labels = dict(Participant.Category.choices)
        return ", ".join(str(labels[c]).lower() for c in getattr(self, field) if c in labels)

    @property
    def mentor_labels(self) -> str:
        return self.category_labels("mentor_categories")

    @property
    def mentee_labels(self) -> str:
        return self.category_labels("mentee_categories")


class ProgrammeQuerySet(ScopedQuerySet):
    scope_path = "organisation"


class Programme(models.Model):
    """A mentoring programme of one organisation, for one academic year and one form.

    Creating the programme is how an organisation chooses a form for the year.
    """

    organisation = models.ForeignKey(
        "registry.Organisation", on_delete=models.PROTECT, related_name="programmes", verbose_name=_("организация")
    )
    academic_year = models.ForeignKey(
        "registry.AcademicYear", on_delete=models.PROTECT, related_name="programmes", verbose_name=_("учебный год")
    )
    form = models.ForeignKey(MentoringForm, on_delete=models.PROTECT, related_name="programmes",
                             verbose_name=_("форма наставничества"))
    title = models.CharField(_("название"), max_length=300, blank=True)
    goals = models.TextField(_("цели"), blank=True)
    tasks = models.TextField(_("задачи"), blank=True)
    expected_results = models.TextField(_("ожидаемые результаты"), blank=True)
    starts_on = models.DateField(_("начало"))
    ends_on = models.DateField(_("окончание"))
    responsible = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                         verbose_name=_("ответственные"))
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("программа наставничества")
        verbose_name_plural = _("программы наставничества")
        ordering = ["-academic_year__start_year", "form__position"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "academic_year", "form"], name="programme_unique_form"),
            models.CheckConstraint(condition=Q(starts_on__lte=models.F("ends_on")), name="programme_dates_ordered",
                                   violation_error_message=_("Программа не может закончиться раньше, чем начнётся.")),
        ]

    def __str__(self):
        return self.title or f"«{self.form}», {self.academic_year}"

    def get_absolute_url(self):
        return object_url("mentoring:programme_detail", self.pk)


class Preference(models.Model):
    """A wish recorded after the networking meeting («анкетирование на предмет предпочитаемого наставника»)."""

    class Side(models.TextChoices):
        MENTEE = "mentee", _("Наставляемый выбирает наставника")
        MENTOR = "mentor", _("Наставник выбирает наставляемого")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="preferences")
    side = models.CharField(_("кто выбирает"), max_length=10, choices=Side.choices)
    mentee = models.ForeignKey("registry.MenteeProfile", on_delete=models.CASCADE, related_name="preferences")
    mentor = models.ForeignKey("registry.MentorProfile", on_delete=models.CASCADE, related_name="preferences")
    rank = models.PositiveSmallIntegerField(_("место в списке"), default=1)

    class Meta:
        verbose_name = _("предпочтение")
        verbose_name_plural = _("предпочтения")
        ordering = ["programme", "side", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "side", "mentee", "mentor"], name="preference_unique"),
            models.CheckConstraint(condition=Q(rank__gte=1) & Q(rank__lte=5), name="preference_rank_1_to_5"),
        ]


class MatchingWeights(models.Model):
    """How much each reason counts in a match score; one row per organisation, defaults otherwise."""

    organisation = models.OneToOneField("registry.Organisation", on_delete=models.CASCADE,
                                        related_name="matching_weights")
    topics = models.FloatField(_("совпадение запросов и компетенций"), default=5.0)
    age = models.FloatField(_("желаемый возраст наставляемых"), default=2.0)
    meeting_times = models.FloatField(_("удобное время встреч"), default=1.0)
    capacity = models.FloatField(_("свободные места у наставника"), default=1.0)
    mentee_wish = models.FloatField(_("выбор наставляемого после нетворкинга"), default=3.0)
    mentor_wish = models.FloatField(_("выбор наставника после нетворкинга"), default=2.0)

    FIELDS = ("topics", "age", "meeting_times", "capacity", "mentee_wish", "mentor_wish")

    class Meta:
        verbose_name = _("веса подбора")
        verbose_name_plural = _("веса подбора")

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.FIELDS}
