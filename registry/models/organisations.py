"""Where people belong: region → municipality → organisation, academic years, head counts."""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry import grammar
from registry.paths import object_url
from registry.scoping import ScopedQuerySet


class Region(models.Model):
    name = models.CharField(_("название"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("регион")
        verbose_name_plural = _("регионы")
        ordering = ["name"]

    def __str__(self):
        return self.name


class MunicipalityQuerySet(models.QuerySet):
    """What belongs to a municipality itself (its coverage targets, its district roadmap) is looked up
    through it: its curator, its region and the staff of its organisations see it."""

    def visible_to(self, scope):
        return self.filter(scope.q_municipality(""))

    def permissions(self, scope, municipality):
        return scope.permissions_for_municipality(municipality)


class Municipality(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("регион"))
    name = models.CharField(_("название"), max_length=200)
    education_authority = models.CharField(
        _("орган управления образованием"), max_length=300, blank=True,
        help_text=_("Например: «Управление образования администрации Селивановского района»."),
    )
    # Who signs the municipal orders (mentoring.order_kinds.municipal): «Начальник управления образования».
    head_position = models.CharField(_("должность руководителя органа управления образованием"), max_length=200,
                                     default=_("Начальник управления образования"))
    head_name = models.CharField(_("ФИО руководителя органа управления образованием"), max_length=200, blank=True,
                                 help_text=_("Как под подписью муниципальных приказов, например «А. Н. Петрова»."))
    # «1 раз в полугодие (не позднее 10 декабря и 10 июня)» (seed 000); seed 002's district uses
    # 20 December and 20 May. Roadmap deadlines and monitoring reports take their dates from here.
    first_half_due_month = models.PositiveSmallIntegerField(
        _("срок за первое полугодие: месяц"), default=12, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    first_half_due_day = models.PositiveSmallIntegerField(
        _("срок за первое полугодие: число"), default=10, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    second_half_due_month = models.PositiveSmallIntegerField(
        _("срок за второе полугодие: месяц"), default=6, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    second_half_due_day = models.PositiveSmallIntegerField(
        _("срок за второе полугодие: число"), default=10, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = _("муниципалитет")
        verbose_name_plural = _("муниципалитеты")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="municipality_unique_name")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("registry:municipality_settings", args=[self.pk])

    def clean(self):
        errors = {}
        for prefix in ("first_half", "second_half"):
            month, day = getattr(self, f"{prefix}_due_month"), getattr(self, f"{prefix}_due_day")
            if not (isinstance(month, int) and isinstance(day, int) and 1 <= month <= 12 and 1 <= day <= 31):
                continue  # the fields' own validators say what is wrong with each
            # A leap year, so 29 February is allowed.
            days = calendar.monthrange(2024, month)[1]
            if day > days:
                # Only a month of 29 or 30 days refuses a day: «дней» is right for both, no plural needed.
                errors[f"{prefix}_due_day"] = _("Такой даты нет: %(day)s %(month)s — в этом месяце %(days)s дней.") % {
                    "day": day, "month": grammar.MONTHS_GENITIVE[month - 1], "days": days}
        if errors:
            raise ValidationError(errors)

    @property
    def head(self) -> grammar.Person:
        return grammar.Person.parse(self.head_name)

    @property
    def half_year_due_dates(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """(month, day) of the first-half and second-half deadlines."""
        return (
            (self.first_half_due_month, self.first_half_due_day),
            (self.second_half_due_month, self.second_half_due_day),
        )


class OrganisationQuerySet(ScopedQuerySet):
    scope_path = ""


class Organisation(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", _("Школа")
        COLLEGE = "college", _("Колледж / техникум")
        CENTRE = "centre", _("Центр (ППМС, дополнительного образования)")
        KINDERGARTEN = "kindergarten", _("Детский сад")
        OTHER = "other", _("Иная организация")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("муниципалитет")
    )
    kind = models.CharField(_("тип"), max_length=20, choices=Kind.choices, default=Kind.SCHOOL)
    full_name = models.CharField(_("полное наименование"), max_length=500)
    short_name = models.CharField(_("краткое наименование"), max_length=200)
    address = models.CharField(_("адрес"), max_length=500, blank=True)
    # The consent to publication (152-ФЗ art. 10.1, Roskomnadzor order of 24.02.2021 № 18) names the
    # operator with its INN and OGRN and the web resource where the data is published.
    inn = models.CharField(_("ИНН"), max_length=10, blank=True, validators=[RegexValidator(
        r"^\d{10}$", _("ИНН организации — 10 цифр."))])
    ogrn = models.CharField(_("ОГРН"), max_length=13, blank=True, validators=[RegexValidator(
        r"^\d{13}$", _("ОГРН — 13 цифр."))])
    website = models.URLField(_("официальный сайт"), max_length=200, blank=True,
                               help_text=_("Адрес сайта, например https://school1.example.ru; печатается в согласии "
                                           "на публикацию."))
    director_name = models.CharField(
        _("ФИО руководителя"), max_length=200, blank=True, help_text=_("Как в подписи приказа: «Г.А. Шабаева».")
    )
    director_position = models.CharField(_("должность руководителя"), max_length=200, default=_("Директор"))
    director_gender = models.CharField(_("пол руководителя"), max_length=1, choices=grammar.GENDER_CHOICES,
                                       blank=True, help_text=grammar.GENDER_HELP)
    locality = models.CharField(
        _("населённый пункт"), max_length=200, blank=True,
        help_text=_("Как под датой приказа: «г. Владимир», «п. Красная Горбатка». Пусто — берётся из адреса."),
    )
    # The full name in the other cases, for sentences («даю согласие …», «в …»): generated from the
    # full name, corrected by hand where the analyser is wrong, and then kept (registry.grammar).
    name_gent = models.CharField(_("наименование в родительном падеже"), max_length=600, blank=True,
                                 help_text=grammar.CASE_LABELS["gent"])
    name_datv = models.CharField(_("наименование в дательном падеже"), max_length=600, blank=True,
                                 help_text=grammar.CASE_LABELS["datv"])
    name_accs = models.CharField(_("наименование в винительном падеже"), max_length=600, blank=True,
                                 help_text=grammar.CASE_LABELS["accs"])
    name_ablt = models.CharField(_("наименование в творительном падеже"), max_length=600, blank=True,
                                 help_text=grammar.CASE_LABELS["ablt"])
    name_loct = models.CharField(_("наименование в предложном падеже"), max_length=600, blank=True,
                                 help_text=grammar.CASE_LABELS["loct"])
    case_forms_by_hand = models.BooleanField(_("падежные формы исправлены вручную"), default=False, editable=False)
    # The full name the forms were generated from: a new full name brings new forms (unless by hand).
    case_forms_source = models.CharField(max_length=500, blank=True, editable=False)
    is_active = models.BooleanField(_("действует"), default=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("образовательная организация")
        verbose_name_plural = _("образовательные организации")
        ordering = ["short_name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "short_name"], name="organisation_unique_short_name")
        ]

    def __str__(self):
        return self.short_name

    def get_absolute_url(self):
        return object_url("registry:organisation_detail", self.pk)

    def save(self, *args, **kwargs):
        self.fill_case_forms()
        super().save(*args, **kwargs)

    @property
    def official_name(self) -> str:
        return self.full_name or self.short_name

    def fill_case_forms(self, *, force: bool = False) -> None:
        """Generate the case forms when the full name is new; forms corrected by hand are kept."""
        name = self.official_name
        forms = self.case_forms()
        if force or (self.case_forms_source != name and not self.case_forms_by_hand):
            forms = dict.fromkeys(forms, "")
            self.case_forms_by_hand = False
        if not all(forms.values()):
            # A form cleared by hand is generated again; the others stay as corrected.
            for case, form in grammar.phrase_forms(name).items():
                if not forms.get(case):
                    setattr(self, f"name_{case}", form)
        self.case_forms_source = name

    def case_forms(self) -> dict[str, str]:
        return {case: getattr(self, f"name_{case}") for case in grammar.STORED_CASES}

    def name_in(self, case: str, style: str = "full") -> str:
        """The full name in ``case`` (the ``case`` template filter asks this); ``short``: the short name.

        A short name usually starts with an abbreviation and stays as it is («в МБОУ СОШ № 1»); one
        made of words declines («в Лицее № 2»).
        """
        if style == "short" and self.short_name:
            return grammar.phrase_in(self.short_name, case)
        if case not in grammar.STORED_CASES:
            return self.official_name
        # Rows written around save() (bulk_create) have no forms yet: decline them now.
        return getattr(self, f"name_{case}") or grammar.phrase_in(self.official_name, case)

    @property
    def director(self) -> grammar.Person:
        """The head as a person to decline: «в лице директора Соколовой Н. В.»."""
        return grammar.Person.parse(self.director_name, self.director_gender)

    @property
    def place(self) -> str:
        """«п. Красная Горбатка»: the locality, or the one the address names."""
        return self.locality.strip() or grammar.locality_from_address(self.address)


class AcademicYearQuerySet(models.QuerySet):
    def current(self) -> "AcademicYear":
        """The year marked current; on a fresh install, the one today falls in (created current)."""
        year = self.filter(is_current=True).first()
        if year is None:
            year, _created = self.get_or_create(
                start_year=AcademicYear.start_year_for(timezone.localdate()), defaults={"is_current": True}
            )
        return year

    def from_param(self, value, *, default: "AcademicYear | None" = None) -> "AcademicYear":
        """The year a query parameter names by its first calendar year (``?year=2025`` is 2025/2026, on
        every page); for anything else — missing, malformed, unknown — ``default`` or the current year."""
        value = str(value or "").strip()
        year = self.filter(start_year=int(value)).first() if value.isdigit() and len(value) == 4 else None
        return year or default or self.current()


class AcademicYear(models.Model):
    """A school year from 1 September to 31 August, named «2024/2025»."""

    start_year = models.PositiveSmallIntegerField(_("год начала"), unique=True)
    is_current = models.BooleanField(_("текущий"), default=False)

    objects = AcademicYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("учебный год")
        verbose_name_plural = _("учебные годы")
        ordering = ["-start_year"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="one_current_academic_year")
        ]

    def __str__(self):
        return f"{self.start_year}/{self.start_year + 1}"

    @staticmethod
    def start_year_for(day: datetime.date) -> int:
        return day.year if day.month >= 9 else day.year - 1

    @property
    def starts_on(self) -> datetime.date:
        return datetime.date(self.start_year, 9, 1)

    @property
    def ends_on(self) -> datetime.date:
        return datetime.date(self.start_year + 1, 8, 31)

    def make_current(self):
        type(self).objects.filter(is_current=True).exclude(pk=self.pk).update(is_current=False)
        self.is_current = True
        self.save(update_fields=["is_current"])


class OrganisationHeadcountQuerySet(ScopedQuerySet):
    scope_path = "organisation"


class OrganisationHeadcount(models.Model):
    """The denominators of coverage: how many students and teachers an organisation has in a year."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="headcounts", verbose_name=_("организация")
    )
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="headcounts", verbose_name=_("учебный год")
    )
    students_total = models.PositiveIntegerField(_("обучающихся всего"), default=0)
    students_aged_10_plus = models.PositiveIntegerField(_("обучающихся в возрасте от 10 лет"), default=0)
    teachers_total = models.PositiveIntegerField(_("педагогических работников"), default=0)
    young_specialists = models.PositiveIntegerField(_("молодых специалистов"), default=0)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    objects = OrganisationHeadcountQuerySet.as_manager()

    class Meta:
        verbose_name = _("численность")
        verbose_name_plural = _("численность")
        ordering = ["-academic_year__start_year"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "academic_year"], name="headcount_unique_per_year"),
            models.CheckConstraint(
                condition=Q(students_aged_10_plus__lte=F("students_total")),
                name="headcount_students_10_plus_within_total",
                violation_error_message=_("Обучающихся от 10 лет не может быть больше, чем обучающихся всего."),
            ),
            models.CheckConstraint(
                condition=Q(young_specialists__lte=F("teachers_total")),
                name="headcount_young_specialists_within_teachers",
                violation_error_message=_("Молодых специалистов не может быть больше, чем педагогов."),
            ),
        ]

    def __str__(self):
        return f"{self.organisation} — {self.academic_year}"
