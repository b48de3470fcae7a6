"""Participants of the programme, the vocabulary of topics and partners; their mentor and mentee profiles are
in ``registry.models.profiles``."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry import grammar
from registry.paths import object_url
from registry.scoping import ScopedQuerySet
from registry.validators import validate_document_file

ADULT_AGE = 18
SELF_CONSENT_AGE = 14


def normalise_name(text: str) -> str:
    """Lower case with ё as е: how a curator types a name when searching or checking duplicates."""
    return " ".join(text.lower().replace("ё", "е").split())


def normalise_class_name(text: str) -> str:
    return "".join(text.split()).upper()


def full_name(last_name: str, first_name: str, patronymic: str) -> str:
    """«Фамилия Имя Отчество», leaving out what is empty."""
    return " ".join(part for part in (last_name, first_name, patronymic) if part)


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class TopicQuerySet(models.QuerySet):
    def usable_in(self, organisation_ids):
        """The portal-wide entries and the organisations' own ones. ``organisation_ids``: ids, or a queryset
        of them (then a subquery: a list's filter dropdown needs no query of its own for them)."""
        if not isinstance(organisation_ids, models.QuerySet):
            organisation_ids = list(organisation_ids)
        return self.filter(Q(organisation__isnull=True) | Q(organisation_id__in=organisation_ids))


class Topic(models.Model):
    """One entry of the shared vocabulary of competencies and requests.

    Mentors' competencies and mentees' requests use the same words, so matching can compare them.
    Portal-wide entries (no organisation) are kept by the municipal curators; a school may add its own
    local entries, which only it sees and changes.
    """

    name = models.CharField(_("название"), max_length=150)
    organisation = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="topics", verbose_name=_("своё направление организации"))
    is_active = models.BooleanField(_("используется"), default=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("компетенция / запрос")
        verbose_name_plural = _("компетенции и запросы")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], condition=Q(organisation__isnull=True), name="topic_unique_shared"),
            models.UniqueConstraint(fields=["organisation", "name"], name="topic_unique_local"),
        ]

    def __str__(self):
        return self.name


class ParticipantQuerySet(ScopedQuerySet):
    scope_path = "organisation"

    def current(self):
        return self.filter(is_archived=False)

    def with_consent_state(self, on: datetime.date | None = None, *, among=None):
        """Annotate ``has_valid_consent`` and ``has_any_consent`` for the mentoring purpose, in SQL.

        ``among``: the ids of the people asked about (a list's page). PostgreSQL may answer ``EXISTS`` by
        hashing every consent of the table; naming the ids keeps that to the page's consents.
        """
        from registry.models.consents import Consent

        on = on or timezone.localdate()
        consents = Consent.objects.filter(participant=OuterRef("pk"), purpose=Consent.Purpose.MENTORING)
        if among is not None:
            consents = consents.filter(participant_id__in=among)
        return self.annotate(
            has_valid_consent=Exists(consents.valid_on(on)),
            has_any_consent=Exists(consents),
        )

    def with_consent_state_filter(self, state: str, on: datetime.date | None = None):
        qs = self.with_consent_state(on)
        condition = consent_state_q(state)
        return qs if condition is None else qs.filter(condition)

    def duplicates_of(self, *, organisation_id, last_name, first_name, patronymic, birth_date):
        """The same person already in the organisation: same full name (any case, ё = е) and birth date."""
        return self.filter(
            organisation_id=organisation_id,
            search_name=normalise_name(f"{last_name} {first_name} {patronymic or ''}"),
            birth_date=birth_date,
        )


class ConsentState(models.TextChoices):
    VALID = "valid", _("Действует")
    LAPSED = "lapsed", _("Отозвано или истекло")
    MISSING = "missing", _("Нет согласия")


def consent_state_q(state: str) -> Q | None:
    """The condition of a consent state over ``with_consent_state``'s annotations: the list's filter and
    every count of it (the district dashboard's) use this one definition."""
    return {
        ConsentState.VALID: Q(has_valid_consent=True),
        ConsentState.LAPSED: Q(has_valid_consent=False, has_any_consent=True),
        ConsentState.MISSING: Q(has_any_consent=False),
    }.get(state)


class Participant(models.Model):
    class Category(models.TextChoices):
        STUDENT = "student", _("Обучающийся")
        YOUNG_SPECIALIST = "young_specialist", _("Молодой специалист")
        TEACHER = "teacher", _("Педагог")
        PARENT = "parent", _("Родитель")
        GRADUATE = "graduate", _("Выпускник")
        EMPLOYER = "employer", _("Представитель работодателя / партнёра")

    # People who do not work or study in the organisation: they need the no-criminal-record
    # certificate before they may mentor children (Labour Code art. 351.1).
    OUTSIDE_CATEGORIES = frozenset({Category.PARENT, Category.GRADUATE, Category.EMPLOYER})

    organisation = models.ForeignKey(
        "registry.Organisation", on_delete=models.PROTECT, related_name="participants", verbose_name=_("организация")
    )
    last_name = models.CharField(_("фамилия"), max_length=100)
    first_name = models.CharField(_("имя"), max_length=100)
    patronymic = models.CharField(_("отчество"), max_length=100, blank=True)
    gender = models.CharField(_("пол"), max_length=1, choices=grammar.GENDER_CHOICES, blank=True,
                              help_text=grammar.GENDER_HELP)
    birth_date = models.DateField(_("дата рождения"), null=True, blank=True)
    category = models.CharField(_("категория"), max_length=20, choices=Category.choices)
    class_name = models.CharField(
        _("класс / группа"), max_length=30, blank=True, help_text=_("Для обучающихся: «7Б», «СП-21».")
    )
    position = models.CharField(_("должность / место работы"), max_length=200, blank=True)
    phone = models.CharField(_("телефон"), max_length=40, blank=True)
    email = models.EmailField(_("электронная почта"), blank=True)
    search_name = models.CharField(max_length=310, editable=False, db_index=True)
    is_archived = models.BooleanField(_("в архиве"), default=False)
    archived_on = models.DateField(_("перенесён в архив"), null=True, blank=True)
    archive_reason = models.CharField(_("причина"), max_length=300, blank=True)
    # Set when the person's data was destroyed (registry.destruction): the row stays for the figures.
    anonymised_at = models.DateTimeField(_("персональные данные уничтожены"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = ParticipantQuerySet.as_manager()

    # Looking a person up to view them is recorded in the audit trail (registry.scoping.get_visible_or_404).
    audit_access = True

    class Meta:
        verbose_name = _("участник")
        verbose_name_plural = _("участники")
        ordering = ["last_name", "first_name", "patronymic"]
        indexes = [
            models.Index(fields=["organisation", "last_name", "first_name"]),
            models.Index(fields=["organisation", "category"]),
            models.Index(fields=["organisation", "search_name"]),
            # The list's default order across a whole district: read in index order up to the page.
            models.Index(fields=["last_name", "first_name", "patronymic", "id"], name="participant_name_order"),
        ]

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return object_url("registry:participant_detail", self.pk)  # (registry.paths: a list links every row)

    def save(self, *args, **kwargs):
        self.fill_search_name()
        super().save(*args, **kwargs)

    def get_additional_data(self) -> dict:
        """Whose data an audit entry is about (registry.audit)."""
        return {"organisation": self.organisation_id, "participant": self.pk}

    def fill_search_name(self):
        """Derived fields; called by save(), and by bulk_create callers themselves."""
        self.search_name = normalise_name(self.full_name)
        # «7б», «7 Б» and «7Б» are one class: store the one spelling filters compare against.
        self.class_name = normalise_class_name(self.class_name)

    @property
    def full_name(self) -> str:
        return full_name(self.last_name, self.first_name, self.patronymic)

    @property
    def short_name(self) -> str:
        """«Смирнова А. И.»"""
        return grammar.Person.of(self).short

    def age_on(self, day: datetime.date) -> int | None:
        return age_on(self.birth_date, day) if self.birth_date else None

    def is_minor_on(self, day: datetime.date) -> bool:
        age = self.age_on(day)
        if age is None:
            # Without a birth date only a student can be a child; the form insists on the date.
            return self.category == self.Category.STUDENT
        return age < ADULT_AGE

    @property
    def is_outside_person(self) -> bool:
        return self.category in self.OUTSIDE_CATEGORIES

    def clean(self):
        errors = {}
        today = timezone.localdate()
        if self.category == self.Category.STUDENT and not self.birth_date:
            errors["birth_date"] = _("Для обучающегося дата рождения обязательна: от неё зависит, кто подписывает согласие.")
        if self.birth_date:
            if self.birth_date > today:
                errors["birth_date"] = _("Дата рождения не может быть в будущем.")
            elif age_on(self.birth_date, today) > 100:
                errors["birth_date"] = _("Проверьте дату рождения: возраст больше 100 лет.")
            elif age_on(self.birth_date, today) < 5:
                errors["birth_date"] = _("Проверьте дату рождения: участнику меньше 5 лет.")
        if self.organisation_id and self.last_name and self.first_name:
            duplicates = Participant.objects.duplicates_of(
                organisation_id=self.organisation_id, last_name=self.last_name, first_name=self.first_name,
                patronymic=self.patronymic, birth_date=self.birth_date,
            ).exclude(pk=self.pk)
            if duplicates.exists():
                errors["__all__"] = _("Такой участник уже есть в реестре организации (совпадают ФИО и дата рождения).")
        if errors:
            raise ValidationError(errors)

    def archive(self, *, reason: str, on: datetime.date | None = None):
        self.is_archived = True
        self.archived_on = on or timezone.localdate()
        self.archive_reason = reason
        self.save(update_fields=["is_archived", "archived_on", "archive_reason", "updated_at"])

    def restore(self):
        self.is_archived = False
        self.archived_on = None
        self.archive_reason = ""
        self.save(update_fields=["is_archived", "archived_on", "archive_reason", "updated_at"])


def portfolio_upload_to(instance, filename):
    return f"portfolios/{instance.participant.organisation_id}/{filename}"


def certificate_upload_to(instance, filename):
    return f"certificates/{instance.participant.organisation_id}/{filename}"


class PartnerQuerySet(ScopedQuerySet):
    scope_path = "organisation"


def agreement_upload_to(instance, filename):
    return f"partners/{instance.organisation_id}/{filename}"


class Partner(models.Model):
    """An outside organisation that provides mentors under an agreement (соглашение)."""

    organisation = models.ForeignKey(
        "registry.Organisation", on_delete=models.PROTECT, related_name="partners", verbose_name=_("организация")
    )
    name = models.CharField(_("наименование"), max_length=300)
    address = models.CharField(_("адрес"), max_length=500, blank=True,
                               help_text=_("Печатается в согласии на передачу сведений партнёру (ст. 9 152-ФЗ)."))
    contact_person = models.CharField(_("контактное лицо"), max_length=200, blank=True)
    phone = models.CharField(_("телефон"), max_length=40, blank=True)
    email = models.EmailField(_("электронная почта"), blank=True)
    agreement_number = models.CharField(_("номер соглашения"), max_length=50, blank=True)
    agreement_date = models.DateField(_("дата соглашения"), null=True, blank=True)
    agreement_file = models.FileField(
        _("скан соглашения"), upload_to=agreement_upload_to, blank=True, validators=[validate_document_file]
    )
    notes = models.TextField(_("примечание"), blank=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        verbose_name = _("организация-партнёр")
        verbose_name_plural = _("организации-партнёры")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="partner_unique_name")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("registry:partner_detail", args=[self.pk])

    @property
    def has_agreement(self) -> bool:
        return bool(self.agreement_number and self.agreement_date)
