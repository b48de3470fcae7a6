"""Pairs and groups with their history (mentor links, memberships), individual plans and meetings."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mentoring.models.programmes import Programme
from registry.paths import object_url
from registry.scoping import ScopedQuerySet


class PairQuerySet(ScopedQuerySet):
    scope_path = "programme__organisation"

    def open(self):
        return self.filter(status__in=Pair.OPEN_STATUSES)


class Pair(models.Model):
    """A mentoring pair or group (наставническая пара / группа): one mentor, one or more mentees.

    Who the mentor was and who the mentees were is history (MentorLink, Membership): a replaced
    mentor or a mentee who left stays on record with dates and a reason.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Предложена подбором")
        FORMING = "forming", _("Формируется")
        ACTIVE = "active", _("Действует")
        COMPLETED = "completed", _("Завершена")
        ENDED_EARLY = "ended_early", _("Прекращена досрочно")
        REJECTED = "rejected", _("Предложение отклонено")
        SUSPENDED = "suspended", _("Приостановлена")

    # Pairs that work: meetings, plans, questionnaires and orders are accepted for them.
    OPEN_STATUSES = (Status.FORMING, Status.ACTIVE)
    # Pairs that hold a mentor's capacity and a mentee's place in the programme: a pair suspended
    # while a consent is missing keeps both, so a new consent resumes it as it was.
    HOLDING_STATUSES = (Status.FORMING, Status.ACTIVE, Status.SUSPENDED)
    CLOSED_STATUSES = (Status.COMPLETED, Status.ENDED_EARLY, Status.REJECTED)

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="pairs",
                                  verbose_name=_("программа"))
    status = models.CharField(_("состояние"), max_length=20, choices=Status.choices, default=Status.FORMING)
    started_on = models.DateField(_("начало"), null=True, blank=True)
    planned_end_on = models.DateField(_("плановое окончание"), null=True, blank=True)
    ended_on = models.DateField(_("окончание"), null=True, blank=True)
    end_reason = models.CharField(_("причина прекращения"), max_length=300, blank=True)
    # A suspended pair returns to the status it had (registry.processing, mentoring.processing).
    status_before_suspension = models.CharField(max_length=20, blank=True, editable=False)
    suspension_reason = models.CharField(_("причина приостановки"), max_length=500, blank=True)
    match_score = models.FloatField(_("оценка подбора"), null=True, blank=True)
    match_reasons = models.JSONField(_("обоснование подбора"), default=list, blank=True)
    results = models.TextField(_("результаты"), blank=True)
    reflection = models.TextField(_("рефлексия"), blank=True)
    best_practice = models.TextField(
        _("кейс (лучшая практика)"), blank=True, help_text=_("Описание для базы лучших практик, если пара стала примером.")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)

    objects = PairQuerySet.as_manager()

    class Meta:
        verbose_name = _("наставническая пара / группа")
        verbose_name_plural = _("наставнические пары и группы")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["programme", "status"]),
            # The pair list's default order (newest first) across a district, read up to the page.
            models.Index(fields=["created_at", "id"], name="pair_created_order"),
        ]

    def __str__(self):
        return _("Пара № %(pk)s") % {"pk": self.pk}

    def get_absolute_url(self):
        return object_url("mentoring:pair_detail", self.pk)  # (registry.paths: a list links every row)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED

    def get_additional_data(self) -> dict:
        return {"organisation": self.programme.organisation_id}

    @property
    def current_mentor_link(self):
        """The current link; uses the prefetched ``mentor_links`` when the list prefetched them."""
        return next((link for link in self.mentor_links.all() if link.ended_on is None), None)

    @property
    def current_memberships(self):
        return [m for m in self.memberships.all() if m.left_on is None]

    @property
    def is_group(self) -> bool:
        return len(self.current_memberships) > 1


class MentorLink(models.Model):
    """Who mentored a pair, from when to when. Replacing a mentor ends one link and starts another."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="mentor_links", verbose_name=_("пара"))
    mentor = models.ForeignKey("registry.MentorProfile", on_delete=models.PROTECT, related_name="pair_links",
                               verbose_name=_("наставник"))
    started_on = models.DateField(_("с"), default=timezone.localdate)
    ended_on = models.DateField(_("по"), null=True, blank=True)
    end_reason = models.CharField(_("причина замены"), max_length=300, blank=True)
    on_mentee_request = models.BooleanField(_("по ходатайству наставляемого"), default=False)
    suspended_on = models.DateField(_("приостановлено с"), null=True, blank=True)
    suspension_reason = models.CharField(_("причина приостановки"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("наставник пары")
        verbose_name_plural = _("наставники пар")
        ordering = ["started_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pair"], condition=Q(ended_on__isnull=True),
                                    name="one_current_mentor_per_pair"),
        ]

    def __str__(self):
        return str(self.mentor)

    def get_additional_data(self) -> dict:
        return {"organisation": self.pair.programme.organisation_id, "participant": self.mentor.participant_id}


class MembershipQuerySet(ScopedQuerySet):
    scope_path = "pair__programme__organisation"


class Membership(models.Model):
    """A mentee in a pair or group; the individual plan hangs on it."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("пара"))
    mentee = models.ForeignKey("registry.MenteeProfile", on_delete=models.PROTECT, related_name="memberships",
                               verbose_name=_("наставляемый"))
    joined_on = models.DateField(_("с"), default=timezone.localdate)
    left_on = models.DateField(_("по"), null=True, blank=True)
    leave_reason = models.CharField(_("причина выхода"), max_length=300, blank=True)
    offered_mentor_base = models.BooleanField(_("предложено войти в базу наставников"), default=False)
    # Processing of the mentee's data stopped (no valid consent): the place is kept, nothing new is done.
    suspended_on = models.DateField(_("приостановлено с"), null=True, blank=True)
    suspension_reason = models.CharField(_("причина приостановки"), max_length=500, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("участие наставляемого")
        verbose_name_plural = _("участие наставляемых")
        ordering = ["joined_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pair", "mentee"], condition=Q(left_on__isnull=True),
                                    name="mentee_once_per_pair"),
        ]

    def __str__(self):
        return str(self.mentee)

    def get_additional_data(self) -> dict:
        return {"organisation": self.pair.programme.organisation_id, "participant": self.mentee.participant_id}

    @property
    def is_suspended(self) -> bool:
        return self.suspended_on is not None

    def plan_completion(self) -> int:
        """Percent of the plan's items done, cancelled items left out; uses prefetched items."""
        items = [item for item in self.plan_items.all() if item.status != PlanItem.Status.CANCELLED]
        if not items:
            return 0
        return round(100 * sum(item.status == PlanItem.Status.DONE for item in items) / len(items))


class PlanItemQuerySet(ScopedQuerySet):
    scope_path = "membership__pair__programme__organisation"


class PlanItem(models.Model):
    """One line of a mentee's individual development plan (индивидуальный план развития)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Запланировано")
        IN_PROGRESS = "in_progress", _("Выполняется")
        DONE = "done", _("Выполнено")
        CANCELLED = "cancelled", _("Отменено")

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="plan_items")
    goal = models.CharField(_("цель"), max_length=300)
    action = models.TextField(_("мероприятие / действие"))
    due_on = models.DateField(_("срок"))
    status = models.CharField(_("состояние"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    evidence = models.TextField(_("подтверждение выполнения"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = PlanItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("пункт индивидуального плана")
        verbose_name_plural = _("пункты индивидуального плана")
        ordering = ["position", "due_on", "pk"]

    def __str__(self):
        return self.goal

    def get_additional_data(self) -> dict:
        return {"organisation": self.membership.pair.programme.organisation_id,
                "participant": self.membership.mentee.participant_id}

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status in (self.Status.PLANNED, self.Status.IN_PROGRESS) and self.due_on < today


class MeetingQuerySet(ScopedQuerySet):
    scope_path = "programme__organisation"


class Meeting(models.Model):
    class Kind(models.TextChoices):
        INTRODUCTION = "introduction", _("Встреча-знакомство")
        TRIAL = "trial", _("Пробная встреча")
        PLANNING = "planning", _("Встреча-планирование")
        REGULAR = "regular", _("Регулярная встреча")
        FINAL = "final", _("Итоговая встреча")
        GROUP_FINAL = "group_final", _("Общая итоговая встреча всех пар")

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("Очно")
        REMOTE = "remote", _("Дистанционно")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="meetings",
                                  verbose_name=_("программа"))
    pair = models.ForeignKey(Pair, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings",
                             verbose_name=_("пара / группа"))
    kind = models.CharField(_("вид встречи"), max_length=20, choices=Kind.choices, default=Kind.REGULAR)
    held_on = models.DateField(_("дата"))
    format = models.CharField(_("формат"), max_length=20, choices=Format.choices, default=Format.IN_PERSON)
    topic = models.CharField(_("тема"), max_length=300)
    attendees = models.ManyToManyField("registry.Participant", blank=True, related_name="meetings",
                                       verbose_name=_("присутствовали"))
    note = models.TextField(_("подтверждающая запись"), blank=True,
                            help_text=_("Что сделано на встрече: подтверждающая форма."))
    mentor_feedback = models.TextField(_("отзыв наставника"), blank=True)
    mentee_feedback = models.TextField(_("отзыв наставляемого"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("встреча")
        verbose_name_plural = _("встречи")
        ordering = ["-held_on", "-pk"]
        indexes = [
            # The meeting list's default order (newest first) across a district, read up to the page.
            models.Index(fields=["held_on", "id"], name="meeting_held_order"),
            # A pair's last meeting (the pair list, quiet pairs) read from the index alone.
            models.Index(fields=["pair", "held_on"], name="meeting_pair_held"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="group_final", pair__isnull=True) | (~Q(kind="group_final") & Q(pair__isnull=False))),
                name="meeting_pair_matches_kind",
                violation_error_message=_("Встреча пары относится к паре; общая итоговая встреча — ко всей программе."),
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.held_on:%d.%m.%Y}"

    def get_additional_data(self) -> dict:
        return {"organisation": self.programme.organisation_id}

    def clean(self):
        if self.held_on and self.held_on > timezone.localdate():
            raise ValidationError({"held_on": _("Встречу можно отметить только после того, как она прошла.")})
