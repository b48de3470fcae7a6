"""Questionnaires (question sets), their questions, responses (personal links too) and answers."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.scoping import MUNICIPALITY_ROLE_PERMISSIONS, Perm, ScopedQuerySet

# --- questionnaires --------------------------------------------------------------------------------


def keeps_shared_question_sets(scope) -> bool:
    """The shared question sets are the portal's: the district level (the municipal curator holds
    EDIT_QUESTIONNAIRES for their municipality) and administrators keep them."""
    return scope.is_superuser or any(
        Perm.EDIT_QUESTIONNAIRES in MUNICIPALITY_ROLE_PERMISSIONS.get(grant.role, frozenset())
        for grant in scope.grants
    )


class QuestionnaireQuerySet(ScopedQuerySet):
    """Shared question sets (no organisation) are read by everyone; an organisation's own are seen by it
    and by those above it (municipality, region) and by no other organisation."""

    scope_path = "organisation"

    def visible_to(self, scope):
        if scope.is_superuser:
            return self.all()
        return self.filter(Q(organisation__isnull=True) | scope.q("organisation"))

    def usable_in(self, organisation_id):
        """What an organisation's people may answer: the shared sets and its own."""
        return self.filter(Q(organisation__isnull=True) | Q(organisation_id=organisation_id))

    def permissions(self, scope, obj) -> frozenset[Perm]:
        if obj.organisation_id is None:
            return frozenset({Perm.VIEW, Perm.EDIT_QUESTIONNAIRES} if keeps_shared_question_sets(scope)
                             else {Perm.VIEW})
        granted = scope.permissions_for(obj.organisation)
        # An organisation's own question set is kept by those who survey its people.
        return granted | {Perm.EDIT_QUESTIONNAIRES} if Perm.SURVEY in granted else granted


class Questionnaire(models.Model):
    """An editable question set. The shared defaults follow the documents: satisfaction of mentors and
    of mentees and the programme's quality (stage 1), the curator's questionnaire, the quarterly interim
    feedback, and the entry and exit assessments (stage 2: motivational-personal, competence and
    professional growth). An organisation may add its own (an intake questionnaire, «Чем я могу быть
    полезен»), answered and reported like the shared ones, by its people only."""

    class Kind(models.TextChoices):
        MENTOR_SATISFACTION = "mentor_satisfaction", _("Удовлетворённость наставника")
        MENTEE_SATISFACTION = "mentee_satisfaction", _("Удовлетворённость наставляемого")
        PROGRAMME_QUALITY = "programme_quality", _("Качество программы наставничества")
        CURATOR = "curator", _("Анкета куратора")
        INTERIM = "interim", _("Промежуточная обратная связь (ежеквартально)")
        ENTRY = "entry", _("Входная оценка (старт-лист)")
        EXIT = "exit", _("Итоговая оценка")
        INTAKE = "intake", _("Анкета участника (при вхождении в программу)")

    SATISFACTION_KINDS = (Kind.MENTOR_SATISFACTION, Kind.MENTEE_SATISFACTION, Kind.PROGRAMME_QUALITY)
    GROWTH_KINDS = (Kind.ENTRY, Kind.EXIT)

    title = models.CharField(_("название"), max_length=300)
    kind = models.CharField(_("назначение"), max_length=30, choices=Kind.choices)
    form = models.ForeignKey("mentoring.MentoringForm", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="questionnaires", verbose_name=_("форма наставничества"),
                             help_text=_("Пусто — для всех форм."))
    description = models.TextField(_("пояснение для отвечающего"), blank=True)
    is_active = models.BooleanField(_("используется"), default=True)
    organisation = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="questionnaires", verbose_name=_("своя анкета организации"),
                                     help_text=_("Пусто — общая анкета для всех организаций."))

    objects = QuestionnaireQuerySet.as_manager()

    class Meta:
        verbose_name = _("анкета")
        verbose_name_plural = _("анкеты")
        ordering = ["kind", "title"]

    def __str__(self):
        return self.title


class Question(models.Model):
    """A question of a questionnaire. One that has answers is never deleted but retired: taken off the
    questionnaire (``retired_at`` set), keeping its position and its answers, and it can come back."""

    class Type(models.TextChoices):
        SCALE_5 = "scale_5", _("Шкала 1–5")
        SCALE_10 = "scale_10", _("Шкала 1–10")
        CHOICE = "choice", _("Выбор варианта")
        TEXT = "text", _("Свободный ответ")

    class Dimension(models.TextChoices):
        NONE = "", _("—")
        MOTIVATION = "motivation", _("Мотивационно-личностный рост")
        COMPETENCE = "competence", _("Компетентностный рост")
        PROFESSIONAL = "professional", _("Профессиональный рост")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("вопрос"), max_length=500)
    type = models.CharField(_("тип ответа"), max_length=10, choices=Type.choices, default=Type.SCALE_5)
    choices = models.JSONField(_("варианты"), default=list, blank=True)
    dimension = models.CharField(_("что измеряет"), max_length=20, choices=Dimension.choices, blank=True, default="")
    required = models.BooleanField(_("обязательный"), default=True)
    retired_at = models.DateTimeField(_("снят с анкеты"), null=True, blank=True)

    class Meta:
        # The active questions by position, then the retired ones in the order they were retired.
        ordering = ["questionnaire", models.F("retired_at").asc(nulls_first=True), "position", "pk"]

    def __str__(self):
        return self.text

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    @property
    def scale_max(self) -> int | None:
        return {self.Type.SCALE_5: 5, self.Type.SCALE_10: 10}.get(self.type)


class ResponseQuerySet(ScopedQuerySet):
    scope_path = "organisation"

    def submitted(self):
        return self.filter(submitted_at__isnull=False)


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Response(models.Model):
    """One person's answers to one questionnaire: entered by the curator, or by the person through a
    personal link (an unguessable token, single use, expiring, reaching nothing else)."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="responses")
    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="responses")
    participant = models.ForeignKey("registry.Participant", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="responses", verbose_name=_("кто отвечает"))
    membership = models.ForeignKey("mentoring.Membership", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="responses", verbose_name=_("пара (для наставляемого)"))
    pair = models.ForeignKey("mentoring.Pair", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="responses")
    # What the answers evaluate: the programme even when the pair is not known (a mentor of several).
    programme = models.ForeignKey("mentoring.Programme", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="responses", verbose_name=_("программа"))
    token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    token_expires_at = models.DateTimeField(_("ссылка действует до"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("ответы получены"), null=True, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", help_text=_("Если ответы внёс куратор."))

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("ответ на анкету")
        verbose_name_plural = _("ответы на анкеты")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "questionnaire", "submitted_at"])]

    def __str__(self):
        return f"{self.questionnaire} — {self.participant or '—'}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    def link_is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(self.token) and not self.is_submitted and (self.token_expires_at is None or now < self.token_expires_at)

    def public_url(self) -> str:
        return reverse("questionnaire_answer", args=[self.token])


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question")]
