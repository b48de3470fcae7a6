"""The factories of mentoring, roadmaps and monitoring (the registry's are in tests/factories.py, which
imports these: use them as ``factories.PairFactory`` etc. after ``from tests import factories``)."""

import datetime

import factory
from django.utils import timezone

from mentoring.models import Meeting, Membership, MentoringForm, MentorLink, Order, Pair, PlanItem, Programme
from monitoring.analysis_models import DistrictAnalysis
from monitoring.models import Answer, ExportJob, MonitoringReport, Question, Questionnaire, Response, new_token
from registry import models
from roadmaps.models import Level, Occurrence, Roadmap, RoadmapItem, RoadmapTemplate, TemplateItem
from tests.factories import (
    MenteeProfileFactory,
    MentorProfileFactory,
    MunicipalityFactory,
    OrganisationFactory,
    ParticipantFactory,
    UserFactory,
)


def current_year():
    return models.AcademicYear.objects.current()


# --- mentoring ----------------------------------------------------------------------------------------

PUPILS = "учитель – ученик"
COLLEAGUES = "учитель – учитель"


class ProgrammeFactory(factory.django.DjangoModelFactory):
    """The whole academic year's programme of a form (``form_name``, the seeded forms' names); one per
    organisation, year and form, as the database allows, so a second call gives the first one."""

    class Meta:
        model = Programme
        django_get_or_create = ("organisation", "academic_year", "form")

    class Params:
        form_name = PUPILS

    organisation = factory.SubFactory(OrganisationFactory)
    academic_year = factory.LazyFunction(current_year)
    form = factory.LazyAttribute(lambda o: MentoringForm.objects.get(name=o.form_name))
    starts_on = factory.LazyAttribute(lambda o: o.academic_year.starts_on)
    ends_on = factory.LazyAttribute(lambda o: o.academic_year.ends_on)


class PairFactory(factory.django.DjangoModelFactory):
    """An active pair of one new mentor and one new mentee of the programme's organisation; pass
    ``mentor=profile`` / ``mentees=[profiles]`` (``[]`` for none), or ``mentor__participant__last_name=…``.
    The links start on ``started_on`` (``links_on`` for a proposal, which has no start yet)."""

    class Meta:
        model = Pair
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    status = Pair.Status.ACTIVE
    started_on = factory.LazyFunction(timezone.localdate)

    @factory.post_generation
    def links_on(pair, create, extracted, **kwargs):  # declared first: the hooks run in this order
        pair._links_on = extracted or pair.started_on or timezone.localdate()

    @factory.post_generation
    def mentor(pair, create, extracted, **fields):
        if create and extracted is not False:
            profile = extracted or MentorProfileFactory(participant__organisation=pair.programme.organisation,
                                                        **fields)
            MentorLink.objects.create(pair=pair, mentor=profile, started_on=pair._links_on)

    @factory.post_generation
    def mentees(pair, create, extracted, **fields):
        if not create:
            return
        if extracted is None:
            extracted = [MenteeProfileFactory(participant__organisation=pair.programme.organisation, **fields)]
        for profile in extracted:
            Membership.objects.create(pair=pair, mentee=profile, joined_on=pair._links_on)


class MentorLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MentorLink

    pair = factory.SubFactory(PairFactory, mentor=False, mentees=[])
    mentor = factory.SubFactory(MentorProfileFactory,
                                participant__organisation=factory.SelfAttribute("...pair.programme.organisation"))
    started_on = factory.LazyAttribute(lambda o: o.pair.started_on or timezone.localdate())


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    pair = factory.SubFactory(PairFactory, mentees=[])
    mentee = factory.SubFactory(MenteeProfileFactory,
                                participant__organisation=factory.SelfAttribute("...pair.programme.organisation"))
    joined_on = factory.LazyAttribute(lambda o: o.pair.started_on or timezone.localdate())


class PlanItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanItem

    membership = factory.SubFactory(MembershipFactory)
    goal = factory.Sequence(lambda n: f"Цель {n}")
    action = "Действие"
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    position = factory.Sequence(lambda n: n)


class MeetingFactory(factory.django.DjangoModelFactory):
    """A pair's regular meeting yesterday; ``pair=None, programme=…`` and a group kind for a group's."""

    class Meta:
        model = Meeting
        skip_postgeneration_save = True

    pair = factory.SubFactory(PairFactory)
    programme = factory.LazyAttribute(lambda o: o.pair.programme)
    kind = factory.LazyAttribute(lambda o: Meeting.Kind.REGULAR if o.pair else Meeting.Kind.GROUP_FINAL)
    held_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    topic = "Разбор задач"

    @factory.post_generation
    def attendees(meeting, create, extracted, **kwargs):
        if create and extracted:
            meeting.attendees.set(extracted)


class OrderFactory(factory.django.DjangoModelFactory):
    """A draft order of an organisation (``organisation=None, municipality=…`` for a district's)."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    academic_year = factory.LazyFunction(current_year)
    kind = Order.Kind.PAIRS
    number = factory.Sequence(lambda n: str(n + 1))
    issued_on = factory.LazyFunction(timezone.localdate)

    @factory.post_generation
    def pairs(order, create, extracted, **kwargs):
        if create and extracted:
            order.pairs.set(extracted)


# --- roadmaps -----------------------------------------------------------------------------------------

STAGES = ("Подготовка условий для запуска программы наставничества", "Формирование базы наставляемых",
          "Формирование базы наставников", "Отбор и обучение наставников", "Формирование пар/групп",
          "Организация работы пар/групп", "Завершение наставничества")
DEADLINES = (
    {"kind": "months", "from": 9, "to": 10, "text": "сентябрь – октябрь"},
    {"kind": "quarterly", "text": "ежеквартально"},
    {"kind": "date", "month": 5, "day": 20, "text": "до 20 мая"},
    {"kind": "year", "text": "в течение учебного года"},
    {"kind": "half_year", "text": "1 раз в полугодие"},
)


def roadmap_template(code="test-school", *, level=Level.ORGANISATION, items=6, stage_count=3):
    """A template of ``items`` items spread over the first ``stage_count`` stages, every kind of deadline in turn."""
    template = RoadmapTemplate.objects.create(
        code=code, level=level, kind="school" if level == Level.ORGANISATION else "district",
        title="Дорожная карта внедрения целевой модели наставничества" if level == Level.ORGANISATION
        else "План мероприятий («дорожная карта») муниципалитета",
    )
    rows, counters = [], {}
    for index in range(items):
        stage = 1 + index * stage_count // items
        counters[stage] = counters.get(stage, 0) + 1
        rows.append(TemplateItem(
            template=template, stage_number=stage, stage_title=STAGES[stage - 1], number=f"{stage}.{counters[stage]}",
            title=f"Мероприятие {index + 1}: анкетирование участников", content=f"Содержание мероприятия {index + 1}",
            documents="Приказ", responsible="Куратор программы наставничества", roles=["curator"],
            deadline=DEADLINES[index % len(DEADLINES)], position=index + 1,
        ))
    TemplateItem.objects.bulk_create(rows)
    return template


class RoadmapFactory(factory.django.DjangoModelFactory):
    """A school's draft roadmap without items (``organisation=None, municipality=…`` for a district's)."""

    class Meta:
        model = Roadmap

    organisation = factory.SubFactory(OrganisationFactory)
    academic_year = factory.LazyFunction(current_year)
    title = "Дорожная карта внедрения целевой модели наставничества"
    status = Roadmap.Status.DRAFT


class RoadmapItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoadmapItem
        skip_postgeneration_save = True

    roadmap = factory.SubFactory(RoadmapFactory)
    stage_number = 1
    stage_title = factory.LazyAttribute(lambda o: f"Этап {o.stage_number}")
    position = factory.Sequence(lambda n: n + 1)
    number = factory.LazyAttribute(lambda o: f"{o.stage_number}.{o.position}")
    title = factory.LazyAttribute(lambda o: f"Мероприятие {o.stage_number}.{o.position:02d}")
    deadline = factory.LazyFunction(lambda: {"kind": "year", "text": "в течение года"})

    @factory.post_generation
    def people(item, create, extracted, **kwargs):
        if create and extracted:
            item.responsible_users.set(extracted)


class OccurrenceFactory(factory.django.DjangoModelFactory):
    """An item's occurrence due in 30 days, open for the 30 days before."""

    class Meta:
        model = Occurrence

    item = factory.SubFactory(RoadmapItemFactory)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    starts_on = factory.LazyAttribute(lambda o: o.due_on - datetime.timedelta(days=30))
    status = Occurrence.Status.NOT_STARTED


# --- monitoring ---------------------------------------------------------------------------------------


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Questionnaire

    title = "Проверочная анкета"
    kind = Questionnaire.Kind.MENTEE_SATISFACTION


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    position = factory.Sequence(lambda n: n)
    text = factory.LazyAttribute(lambda o: f"Вопрос {o.position}")


class ResponseFactory(factory.django.DjangoModelFactory):
    """A submitted response of a new participant of the organisation, entered without a link."""

    class Meta:
        model = Response

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    participant = factory.SubFactory(ParticipantFactory, organisation=factory.SelfAttribute("..organisation"))
    submitted_at = factory.LazyFunction(timezone.now)


def questionnaire_with(kind, *questions, title=None):
    """A questionnaire of ``kind`` and its questions, one per (type, dimension), numbered from 0."""
    made = QuestionnaireFactory(kind=kind, title=title or f"Тестовая анкета: {kind}")
    return made, [QuestionFactory(questionnaire=made, position=index, text=f"Вопрос {index}", type=type_,
                                  dimension=dimension) for index, (type_, dimension) in enumerate(questions)]


def answered(questionnaire, organisation, participant, answers, **fields):
    """A response with its (question, value) answers, a number or a text each."""
    response = ResponseFactory(questionnaire=questionnaire, organisation=organisation, participant=participant,
                               **fields)
    Answer.objects.bulk_create(Answer(response=response, question=question,
                                      **({"text": value} if isinstance(value, str) else {"number": value}))
                               for question, value in answers)
    return response


class LinkFactory(ResponseFactory):
    """A response received through a personal link (``submitted_at=None`` for a link not answered yet)."""

    token = factory.LazyFunction(new_token)


def report_due_on(year, half) -> datetime.date:
    return datetime.date(year.start_year, 12, 10) if half == 1 else datetime.date(year.start_year + 1, 6, 10)


def report_sent_at(year, half) -> datetime.datetime:
    """Before the half's due date: the 1st of December or of May, at noon."""
    return timezone.make_aware(datetime.datetime(year.start_year if half == 1 else year.start_year + 1,
                                                 12 if half == 1 else 5, 1, 12))


class ReportFactory(factory.django.DjangoModelFactory):
    """A half-year report; a submitted one was sent before its due date, an accepted one accepted now."""

    class Meta:
        model = MonitoringReport

    organisation = factory.SubFactory(OrganisationFactory)
    academic_year = factory.LazyFunction(current_year)
    half = 1
    status = MonitoringReport.Status.DRAFT
    due_on = factory.LazyAttribute(lambda o: report_due_on(o.academic_year, o.half))
    submitted_at = factory.LazyAttribute(lambda o: None if o.status == MonitoringReport.Status.DRAFT else report_sent_at(
        o.academic_year, o.half))
    accepted_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == MonitoringReport.Status.ACCEPTED else None)


class AnalysisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DistrictAnalysis

    municipality = factory.SubFactory(MunicipalityFactory)
    academic_year = factory.LazyFunction(current_year)
    half = 1
    quality_analysis = "Удовлетворённость наставляемых высокая."
    growth_analysis = "Рост компетентностной составляющей у наставляемых."


class ExportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExportJob

    kind = "statistics"
    params = factory.LazyFunction(lambda: {"year": current_year().start_year})
    requested_by = factory.SubFactory(UserFactory)
    status = ExportJob.Status.PENDING
