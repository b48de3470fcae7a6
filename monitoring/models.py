"""Monitoring: questionnaires and their answers, half-yearly reports with review, coverage targets,
statistical exports built as jobs, and the best-practice base."""

import hashlib
import json
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mentoring.plan_target import DEFAULT_PLAN_TARGET_PERCENT
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


# --- targets ----------------------------------------------------------------------------------------


class CoverageTarget(models.Model):
    """The coverage targets of a municipality for a year; they differ by place and year (seed 004:
    ≥ 10% of students and ≥ 15% of teachers; the federal target: 70% of students aged 10–18)."""

    class StudentBase(models.TextChoices):
        ALL = "all", _("от всех обучающихся")
        AGED_10_PLUS = "aged_10_plus", _("от обучающихся в возрасте от 10 лет")

    municipality = models.ForeignKey("registry.Municipality", on_delete=models.CASCADE, related_name="targets")
    academic_year = models.ForeignKey("registry.AcademicYear", on_delete=models.PROTECT, related_name="targets")
    students_percent = models.DecimalField(_("охват обучающихся, %"), max_digits=5, decimal_places=1, default=10,
                                           validators=[MinValueValidator(0), MaxValueValidator(100)])
    student_base = models.CharField(_("считать"), max_length=20, choices=StudentBase.choices,
                                    default=StudentBase.ALL)
    teachers_percent = models.DecimalField(_("охват педагогов, %"), max_digits=5, decimal_places=1, default=15,
                                           validators=[MinValueValidator(0), MaxValueValidator(100)])
    plans_percent = models.PositiveSmallIntegerField(_("выполнение индивидуальных планов, %"),
                                                     default=DEFAULT_PLAN_TARGET_PERCENT,
                                                     validators=[MaxValueValidator(100)])
    consents_percent = models.PositiveSmallIntegerField(_("согласия участников, %"), default=100,
                                                        validators=[MaxValueValidator(100)])

    class Meta:
        verbose_name = _("целевые показатели")
        verbose_name_plural = _("целевые показатели")
        constraints = [models.UniqueConstraint(fields=["municipality", "academic_year"], name="one_target_per_year")]

    def __str__(self):
        return f"{self.municipality}, {self.academic_year}"


# --- half-yearly reports ------------------------------------------------------------------------------


class ReportQuerySet(ScopedQuerySet):
    scope_path = "organisation"


class MonitoringReport(models.Model):
    """The half-yearly monitoring of an organisation, as an information note (информационная справка)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Готовится")
        SUBMITTED = "submitted", _("Отправлен на проверку")
        RETURNED = "returned", _("Возвращён на доработку")
        ACCEPTED = "accepted", _("Принят")

    EDITABLE = (Status.DRAFT, Status.RETURNED)

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="reports")
    academic_year = models.ForeignKey("registry.AcademicYear", on_delete=models.PROTECT, related_name="reports")
    half = models.PositiveSmallIntegerField(_("полугодие"), choices=[(1, _("первое")), (2, _("второе"))])
    due_on = models.DateField(_("срок сдачи"))
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    strengths = models.TextField(_("сильные стороны"), blank=True)
    weaknesses = models.TextField(_("слабые стороны"), blank=True)
    opportunities = models.TextField(_("возможности"), blank=True)
    threats = models.TextField(_("угрозы"), blank=True)
    decisions = models.TextField(_("выводы и управленческие решения"), blank=True)
    figures = models.JSONField(_("показатели на момент принятия"), default=dict, blank=True, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("отчёт мониторинга")
        verbose_name_plural = _("отчёты мониторинга")
        ordering = ["-academic_year__start_year", "-half", "organisation__short_name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "academic_year", "half"], name="one_report_per_half")
        ]

    def __str__(self):
        return f"{self.organisation}: {self.academic_year}, {self.get_half_display()} полугодие"

    def get_absolute_url(self):
        return reverse("monitoring:report_detail", args=[self.pk])

    def get_additional_data(self) -> dict:
        return {"organisation": self.organisation_id}

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_frozen(self) -> bool:
        return self.status == self.Status.ACCEPTED


class ReportReview(models.Model):
    """Every step of a report's review, kept: submitted, returned with a comment, accepted."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Отправлен")
        RETURNED = "returned", _("Возвращён")
        ACCEPTED = "accepted", _("Принят")

    report = models.ForeignKey(MonitoringReport, on_delete=models.CASCADE, related_name="reviews")
    action = models.CharField(max_length=10, choices=Action.choices)
    comment = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]


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
    class Kind(models.TextChoices):
        STATISTICS = "statistics", _("Статистика участников по категориям и формам (до 30 декабря)")
        DISTRICT_MONITORING = "district_monitoring", _("Таблица мониторинга района")
        MENTORS = "mentors", _("База наставников")
        MENTEES = "mentees", _("База наставляемых")
        ROADMAP_MATRIX = "roadmap_matrix", _("Мероприятия дорожных карт по организациям района")
        ACCOUNTING = "accounting", _("Персонифицированный учёт участников за квартал")
        STATISTICS_FORM = "statistics_form", _("Форма статистики организации: участники по категориям и формам")

    # Exports that hold people's personal data: their downloads go into the export log.
    PERSONAL_KINDS = (Kind.MENTORS, Kind.MENTEES, Kind.ACCOUNTING)

    class Status(models.TextChoices):
        PENDING = "pending", _("В очереди")
        RUNNING = "running", _("Готовится")
        DONE = "done", _("Готово")
        FAILED = "failed", _("Ошибка")
        CANCELLED = "cancelled", _("Отменено")

    kind = models.CharField(_("что"), max_length=30, choices=Kind.choices)
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


# --- best practices -----------------------------------------------------------------------------------


class BestPracticeQuerySet(ScopedQuerySet):
    scope_path = "organisation"

    def visible_to(self, scope):
        """Every case of an organisation one works in, and the published cases of whatever else one
        reaches (the municipality, the region): a school's drafts stay in the school."""
        if scope.is_superuser:
            return self.all()
        own = Q(organisation_id__in=sorted(scope.organisation_ids))
        return self.filter(own | (Q(published=True) & scope.q("organisation")))


class BestPractice(models.Model):
    """A case (кейс) for the best-practice base."""

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="cases",
                                     verbose_name=_("организация"))
    form = models.ForeignKey("mentoring.MentoringForm", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="cases", verbose_name=_("форма наставничества"))
    pair = models.ForeignKey("mentoring.Pair", on_delete=models.SET_NULL, null=True, blank=True, related_name="cases")
    title = models.CharField(_("название"), max_length=300)
    description = models.TextField(_("описание"))
    results = models.TextField(_("результаты"), blank=True)
    published = models.BooleanField(_("опубликован для района и региона"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BestPracticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("лучшая практика")
        verbose_name_plural = _("лучшие практики")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("monitoring:case_detail", args=[self.pk])

    def get_additional_data(self) -> dict:
        return {"organisation": self.organisation_id}


def case_upload_to(instance, filename):
    return f"cases/{instance.case.organisation_id}/{filename}"


class BestPracticeFile(models.Model):
    case = models.ForeignKey(BestPractice, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("файл"), upload_to=case_upload_to)
    title = models.CharField(_("описание"), max_length=200, blank=True)


class OrganisationSummary(models.Model):
    """What the district dashboard shows of one organisation for one academic year, kept between
    requests (derived data: recomputed, never edited, safe to delete).

    ``generation`` goes up whenever the organisation's data changes (``monitoring.summaries`` listens to
    the writes); ``data`` was computed from the generation recorded in ``computed_generation`` on the day
    ``computed_on``. A row behind its generation or computed on another day is stale and is computed again
    by the next reader.
    """

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, related_name="+")
    academic_year = models.ForeignKey("registry.AcademicYear", on_delete=models.CASCADE, related_name="+")
    generation = models.PositiveBigIntegerField(default=0)
    computed_generation = models.PositiveBigIntegerField(null=True)
    computed_on = models.DateField(null=True)
    data = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "academic_year"],
                                               name="one_summary_per_organisation_and_year")]

    def __str__(self):
        return f"{self.organisation_id}/{self.academic_year_id} @{self.generation}"

    def is_fresh(self, today) -> bool:
        return self.computed_on == today and self.computed_generation == self.generation


class BeatMark(models.Model):
    """When a periodic task last completed (``/healthz`` tells an outside monitor how old it is)."""

    name = models.CharField(max_length=100, unique=True)
    at = models.DateTimeField()

    @classmethod
    def touch(cls, name: str) -> None:
        from django.utils import timezone

        cls.objects.update_or_create(name=name, defaults={"at": timezone.now()})


# The district's analysis and management decisions live in their own module (seed 000 items 4.5, 4.7).
from monitoring.analysis_models import DistrictAnalysis, ManagementDecision  # noqa: E402, F401
from monitoring.statistics_models import StatisticsSubmission  # noqa: E402, F401
