"""Roadmap templates from the real documents, the roles and levels they name."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ResponsibleRole(models.TextChoices):
    """Who the paper names as responsible, as codes the portal can map to people."""

    DIRECTOR = "director", _("Директор")
    DEPUTY_DIRECTOR = "deputy_director", _("Заместитель директора")
    CURATOR = "curator", _("Куратор программы наставничества")
    METHODIST = "methodist", _("Методист / методическая служба")
    PSYCHOLOGIST = "psychologist", _("Педагог-психолог")
    SOCIAL_PEDAGOGUE = "social_pedagogue", _("Социальный педагог")
    CLASS_TEACHER = "class_teacher", _("Классные руководители")
    ORGANISER = "organiser", _("Педагог-организатор")
    SITE_ADMIN = "site_admin", _("Ответственный за сайт")
    WORKING_GROUP = "working_group", _("Рабочая группа")
    MENTORS = "mentors", _("Наставники и участники")
    MUNICIPAL_CURATOR = "municipal_curator", _("Муниципальный куратор")
    EDUCATION_HEAD = "education_head", _("Начальник управления образования")
    HEADS_OF_ORGANISATIONS = "heads_of_organisations", _("Руководители ОО")
    REGIONAL_INSTITUTE = "regional_institute", _("Региональный институт развития образования")
    OTHER = "other", _("Другие")


class Level(models.TextChoices):
    ORGANISATION = "organisation", _("Образовательная организация")
    MUNICIPALITY = "municipality", _("Муниципалитет")


# The code of the template item «the federal statistical form by 30 December» (monitoring.statistics_form).
FEDERAL_STATISTICS = "federal_statistics"


class Period(models.TextChoices):
    """What a plan's year is: a school year (1 September – 31 August) or a calendar year («на 2022 год»)."""

    SCHOOL = "school", _("Учебный год")
    CALENDAR = "calendar", _("Календарный год")


class RoadmapTemplate(models.Model):
    """A roadmap as a document gives it (seed 000–004), loaded from ``roadmaps/seed_templates``."""

    code = models.SlugField(_("код"), max_length=50, unique=True)
    title = models.CharField(_("название"), max_length=300)
    level = models.CharField(_("уровень"), max_length=20, choices=Level.choices)
    kind = models.CharField(_("для кого"), max_length=20)
    source = models.CharField(_("источник"), max_length=300, blank=True)
    period = models.CharField(_("период плана"), max_length=10, choices=Period.choices, default=Period.SCHOOL)
    # The grif of the paper, lines with {order}, {approved_by}, {date}, {Y}… (roadmaps.years.approval_blocks).
    approval = models.TextField(_("гриф утверждения"), blank=True)

    class Meta:
        verbose_name = _("шаблон дорожной карты")
        verbose_name_plural = _("шаблоны дорожных карт")
        ordering = ["level", "code"]

    def __str__(self):
        return self.title


class TemplateItem(models.Model):
    template = models.ForeignKey(RoadmapTemplate, on_delete=models.CASCADE, related_name="items")
    stage_number = models.PositiveSmallIntegerField(_("этап"))
    stage_title = models.CharField(_("название этапа"), max_length=500)
    number = models.CharField(_("номер"), max_length=20)
    title = models.TextField(_("мероприятие"))
    content = models.TextField(_("содержание"), blank=True)
    documents = models.TextField(_("документы / результат"), blank=True)
    result = models.TextField(_("показатель результата"), blank=True)
    responsible = models.TextField(_("ответственные (как в документе)"), blank=True)
    roles = models.JSONField(_("ответственные роли"), default=list)
    deadline = models.JSONField(_("срок"))
    position = models.PositiveIntegerField(default=0)
    # What the portal itself attaches to the item («federal_statistics»: the form due by 30 December).
    code = models.CharField(_("код"), max_length=30, blank=True)

    class Meta:
        ordering = ["template", "position"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="template_item_unique_number")]

    def __str__(self):
        return f"{self.number} {self.title[:60]}"
