"""Roadmaps of an academic year, their dated items and occurrences with progress and evidence, and the history of every change."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roadmaps.deadlines import DeadlineSpec
from roadmaps.models.templates import Period, RoadmapTemplate


def roadmap_permissions(scope, roadmap) -> frozenset:
    """What ``scope`` may do with a roadmap: by its organisation's roles, or its municipality's."""
    if roadmap.organisation_id:
        return scope.permissions_for(roadmap.organisation)
    return scope.permissions_for_municipality(roadmap.municipality)


class RoadmapQuerySet(models.QuerySet):
    """Roadmaps belong to an organisation or to a municipality; both are scoped."""

    def visible_to(self, scope):
        return self.filter(scope.q("organisation") & Q(organisation__isnull=False)
                           | scope.q_municipality("municipality") & Q(municipality__isnull=False))

    def permissions(self, scope, roadmap) -> frozenset:
        return roadmap_permissions(scope, roadmap)


class Roadmap(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Проект")
        APPROVED = "approved", _("Утверждена")

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="roadmaps", verbose_name=_("организация"))
    municipality = models.ForeignKey("registry.Municipality", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="roadmaps", verbose_name=_("муниципалитет"))
    academic_year = models.ForeignKey("registry.AcademicYear", on_delete=models.PROTECT, related_name="roadmaps",
                                      verbose_name=_("учебный год"))
    title = models.CharField(_("название"), max_length=300)
    template = models.ForeignKey(RoadmapTemplate, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="roadmaps", verbose_name=_("шаблон"))
    copied_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name=_("скопирована с"))
    period = models.CharField(_("период плана"), max_length=10, choices=Period.choices, default=Period.SCHOOL,
                              help_text=_("План на календарный год относится к учебному году, в котором он "
                                          "начинается: план на 2022 год — к 2021/2022 учебному году."))
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    order_number = models.CharField(_("номер приказа"), max_length=30, blank=True)
    order_date = models.DateField(_("дата приказа"), null=True, blank=True)
    approved_by_name = models.CharField(_("кем утверждена"), max_length=200, blank=True,
                                        help_text=_("Должность и ФИО, как в грифе «УТВЕРЖДЕНО»."))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", editable=False)
    # The order of the register that approved it (mentoring.Order, through registry.approvals): a plain id,
    # since roadmaps may not import mentoring; number, date and signer above are copied from it.
    approval_order_id = models.PositiveIntegerField(_("приказ об утверждении"), null=True, blank=True,
                                                    editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoadmapQuerySet.as_manager()

    class Meta:
        verbose_name = _("дорожная карта")
        verbose_name_plural = _("дорожные карты")
        ordering = ["-academic_year__start_year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, municipality__isnull=True)
                | Q(organisation__isnull=True, municipality__isnull=False),
                name="roadmap_belongs_to_one_owner",
            ),
            models.UniqueConstraint(fields=["organisation", "academic_year"], condition=Q(organisation__isnull=False),
                                    name="one_roadmap_per_organisation_year"),
            models.UniqueConstraint(fields=["municipality", "academic_year"], condition=Q(municipality__isnull=False),
                                    name="one_roadmap_per_municipality_year"),
        ]

    def __str__(self):
        return f"{self.title} ({self.academic_year})"

    def get_absolute_url(self):
        return reverse("roadmaps:roadmap_detail", args=[self.pk])

    @property
    def owner(self):
        return self.organisation or self.municipality

    @property
    def owner_municipality(self):
        return self.municipality if self.municipality_id else self.organisation.municipality

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def is_calendar(self) -> bool:
        return self.period == Period.CALENDAR

    @property
    def plan_year(self) -> int:
        """The year the plan's deadlines are resolved in: the school year's first year, or the calendar
        year of a calendar plan (1 January of it falls in the academic year the roadmap belongs to)."""
        start = self.academic_year.start_year
        return start + 1 if self.is_calendar else start

    @property
    def period_label(self) -> str:
        """«2022 год» or «2021/2022 учебный год», as the paper's title says it."""
        if self.is_calendar:
            return _("%(year)s год") % {"year": self.plan_year}
        return _("%(year)s учебный год") % {"year": self.academic_year}


class RoadmapItemQuerySet(models.QuerySet):
    def visible_to(self, scope):
        return self.filter(roadmap__in=Roadmap.objects.visible_to(scope))

    def permissions(self, scope, item) -> frozenset:
        return roadmap_permissions(scope, item.roadmap)


class RoadmapItem(models.Model):
    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="items")
    stage_number = models.PositiveSmallIntegerField(_("этап"))
    stage_title = models.CharField(_("название этапа"), max_length=500)
    number = models.CharField(_("номер"), max_length=20)
    title = models.TextField(_("мероприятие"))
    content = models.TextField(_("содержание"), blank=True)
    documents = models.TextField(_("документы / результат"), blank=True)
    result = models.TextField(_("показатель результата"), blank=True)
    responsible = models.TextField(_("ответственные (как в документе)"), blank=True)
    roles = models.JSONField(_("ответственные роли"), default=list, blank=True)
    responsible_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="roadmap_items",
                                               verbose_name=_("ответственные сотрудники"))
    deadline = models.JSONField(_("срок"))
    position = models.PositiveIntegerField(default=0)
    is_removed = models.BooleanField(_("исключён"), default=False)
    code = models.CharField(_("код"), max_length=30, blank=True, editable=False)

    objects = RoadmapItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("мероприятие дорожной карты")
        verbose_name_plural = _("мероприятия дорожной карты")
        ordering = ["roadmap", "position", "pk"]

    def __str__(self):
        return f"{self.number} {self.title[:80]}"

    @property
    def deadline_spec(self) -> DeadlineSpec:
        return DeadlineSpec.from_json(self.deadline)

    def clean(self):
        try:
            DeadlineSpec.from_json(self.deadline)
        except ValueError as error:
            raise ValidationError({"deadline": str(error)}) from None


class OccurrenceQuerySet(models.QuerySet):
    def visible_to(self, scope):
        return self.filter(item__roadmap__in=Roadmap.objects.visible_to(scope))

    def permissions(self, scope, occurrence) -> frozenset:
        return roadmap_permissions(scope, occurrence.item.roadmap)

    def open(self):
        return self.exclude(status__in=(Occurrence.Status.DONE, Occurrence.Status.CANCELLED))

    def overdue(self, today=None):
        return self.open().filter(due_on__lt=today or timezone.localdate())


class Occurrence(models.Model):
    """One dated instance of an item: a recurring item («ежеквартально») has several."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Не начато")
        IN_PROGRESS = "in_progress", _("Выполняется")
        DONE = "done", _("Выполнено")
        CANCELLED = "cancelled", _("Не требуется")

    item = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="occurrences")
    sequence = models.PositiveSmallIntegerField(_("номер повторения"), default=1)
    starts_on = models.DateField(_("начало"))
    due_on = models.DateField(_("срок"))
    status = models.CharField(_("состояние"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    done_on = models.DateField(_("выполнено"), null=True, blank=True)
    evidence = models.TextField(_("подтверждение"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OccurrenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("срок мероприятия")
        verbose_name_plural = _("сроки мероприятий")
        ordering = ["due_on", "item__position", "sequence"]
        constraints = [models.UniqueConstraint(fields=["item", "sequence"], name="occurrence_unique_sequence")]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self):
        return f"{self.item.number} — {self.due_on:%d.%m.%Y}"

    def is_overdue(self, today=None) -> bool:
        return self.status in (self.Status.NOT_STARTED, self.Status.IN_PROGRESS) and \
            self.due_on < (today or timezone.localdate())


def evidence_upload_to(instance, filename):
    return f"roadmaps/{instance.occurrence.item.roadmap_id}/{filename}"


class EvidenceFile(models.Model):
    """A protocol, an order, questionnaires: what proves an occurrence was done."""

    occurrence = models.ForeignKey(Occurrence, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(_("файл"), upload_to=evidence_upload_to)
    title = models.CharField(_("описание"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("файл-подтверждение")
        verbose_name_plural = _("файлы-подтверждения")
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.title or self.file.name.rsplit("/", 1)[-1]


class RoadmapChange(models.Model):
    """The history: a changed deadline keeps the old one, an added or removed item, approval."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Создана")
        ITEM_ADDED = "item_added", _("Добавлено мероприятие")
        ITEM_CHANGED = "item_changed", _("Изменено мероприятие")
        ITEM_REMOVED = "item_removed", _("Мероприятие исключено")
        REORDERED = "reordered", _("Изменён порядок")
        DEADLINE_CHANGED = "deadline_changed", _("Изменён срок")
        APPROVED = "approved", _("Утверждена")
        STATUS_CHANGED = "status_changed", _("Изменено состояние")

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="changes")
    item = models.ForeignKey(RoadmapItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes")
    occurrence = models.ForeignKey(Occurrence, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="changes")
    kind = models.CharField(_("что"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("описание"))
    old_value = models.CharField(_("было"), max_length=300, blank=True)
    new_value = models.CharField(_("стало"), max_length=300, blank=True)
    reason = models.CharField(_("причина"), max_length=300, blank=True)
    after_approval = models.BooleanField(_("после утверждения"), default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("изменение дорожной карты")
        verbose_name_plural = _("история изменений дорожной карты")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return self.description
