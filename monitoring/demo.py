"""Demo data of monitoring: the district's targets, questionnaire answers (the mentees' and the mentors'
satisfaction and the programme's quality, so the district's satisfaction page compares schools; entry and
exit assessments in pairs of every form, so growth shows by school and form), the first half-year's reports
in every state, a few cases, and the municipal curator's analysis of the first half with three management
decisions in the district roadmap. The quarterly personalised accounting needs nothing of its own: it is
read from the pairs and meetings the mentoring step made (this quarter's and the previous one's). Also the
first school's own intake questionnaire, and personal links handed out to one class, ready to print."""

from __future__ import annotations

import datetime
from collections import Counter

from django.utils import timezone

from mentoring.models import Membership, MentorLink, Pair, Programme
from monitoring import analysis, figures, links, notices, summaries
from monitoring.models import (
    Answer,
    BestPractice,
    CoverageTarget,
    DistrictAnalysis,
    MonitoringReport,
    Question,
    Questionnaire,
    ReportReview,
    Response,
)
from registry.demo import DemoContext, demo_step
from registry.models import Participant

TEXTS = {
    "strengths": "Сформированы пары по трём формам наставничества; наставники прошли обучение в «Школе наставника».",
    "weaknesses": "Не у всех участников собраны согласия; часть индивидуальных планов выполняется с опозданием.",
    "opportunities": "Партнёрство с предприятиями района; привлечение выпускников в долгосрочную базу наставников.",
    "threats": "Нагрузка педагогов; отток молодых специалистов.",
    "decisions": "Провести методический семинар для наставников; собрать недостающие согласия до конца месяца.",
}


def _answers(response: Response, questions: list[Question], rng, *, shift: int = 0) -> list[Answer]:
    answers = []
    for question in questions:
        if question.type in (Question.Type.SCALE_5, Question.Type.SCALE_10):
            top = question.scale_max
            value = min(top, max(1, round(top * rng.uniform(0.55, 0.95)) + shift))
            answers.append(Answer(response=response, question=question, number=value))
        elif question.type == Question.Type.CHOICE and question.choices:
            answers.append(Answer(response=response, question=question, text=rng.choice(question.choices)))
        elif question.required:
            answers.append(Answer(response=response, question=question, text="Всё устраивает."))
    return answers


@demo_step(order=130)
def build_monitoring(ctx: DemoContext) -> None:
    year = ctx.current_year
    CoverageTarget.objects.get_or_create(municipality=ctx.municipality, academic_year=year)
    questionnaires = {q.kind: q for q in Questionnaire.objects.filter(is_active=True, form__isnull=True,
                                                                      organisation__isnull=True)
                      .prefetch_related("questions")}
    now = timezone.now()
    first_due = datetime.date(year.start_year, *ctx.municipality.half_year_due_dates[0])
    for index, organisation in enumerate(ctx.organisations[:5]):
        if organisation.pk not in ctx.populated_organisation_ids:
            continue
        rng = ctx.rng("monitoring", organisation.short_name)
        curator = ctx.curators.get(organisation.pk)
        memberships = list(Membership.objects.filter(pair__programme__organisation=organisation,
                                                     pair__status__in=(Pair.Status.ACTIVE, Pair.Status.ENDED_EARLY))
                           .select_related("pair", "mentee")[:25])
        responses, answers = [], []
        for membership in memberships:
            plan = [("mentee_satisfaction", 0, 0), ("entry", -2, 40)]
            if membership.pair.status == Pair.Status.ENDED_EARLY or rng.random() < 0.5:
                plan.append(("exit", 1, 0))
            for kind, shift, days_ago in plan:
                questionnaire = questionnaires.get(kind)
                if questionnaire is None:
                    continue
                response = Response.objects.create(
                    questionnaire=questionnaire, organisation=organisation,
                    participant_id=membership.mentee.participant_id, membership=membership, pair=membership.pair,
                    created_by=curator, entered_by=curator, submitted_at=now - datetime.timedelta(days=days_ago),
                )
                responses.append(response)
                answers.extend(_answers(response, list(questionnaire.questions.all()), rng, shift=shift))
        # The mentors' satisfaction and the programme's quality, so that the district's satisfaction page
        # compares mentors with mentees school by school.
        links = (MentorLink.objects.filter(pair__in={m.pair_id for m in memberships}, ended_on__isnull=True)
                 .select_related("mentor", "pair"))
        seen = set()
        for link in links:
            if link.mentor_id in seen:
                continue
            seen.add(link.mentor_id)
            for kind, shift in (("mentor_satisfaction", 0), ("programme_quality", 0)):
                questionnaire = questionnaires.get(kind)
                if questionnaire is None or (kind == "programme_quality" and rng.random() < 0.5):
                    continue
                response = Response.objects.create(
                    questionnaire=questionnaire, organisation=organisation,
                    participant_id=link.mentor.participant_id, pair=link.pair, created_by=curator,
                    entered_by=curator, submitted_at=now - datetime.timedelta(days=rng.randint(3, 60)))
                responses.append(response)
                answers.extend(_answers(response, list(questionnaire.questions.all()), rng, shift=shift))
        Answer.objects.bulk_create(answers)
        ctx.created["ответов на анкеты"] += len(responses)

        # The first half-year's report: returned (the first school's curator finds the reviewer's comment
        # among her notices), submitted (it waits for the municipal curator), accepted, still in work.
        status = [MonitoringReport.Status.RETURNED, MonitoringReport.Status.SUBMITTED,
                  MonitoringReport.Status.ACCEPTED, MonitoringReport.Status.DRAFT,
                  MonitoringReport.Status.DRAFT][index % 5]
        report, created = MonitoringReport.objects.get_or_create(
            organisation=organisation, academic_year=year, half=1,
            defaults={"due_on": first_due, "status": MonitoringReport.Status.DRAFT, **TEXTS},
        )
        if not created:
            continue
        ctx.created["отчётов мониторинга"] += 1
        if status == MonitoringReport.Status.DRAFT:
            continue
        report.submitted_at, report.submitted_by = now, curator
        submitted = ReportReview.objects.create(report=report, action=ReportReview.Action.SUBMITTED, by=curator)
        municipal = ctx.users.get("municipal")
        if status == MonitoringReport.Status.SUBMITTED:
            notices.report_submitted(report, submitted)
        if status == MonitoringReport.Status.RETURNED:
            returned = ReportReview.objects.create(
                report=report, action=ReportReview.Action.RETURNED, by=municipal,
                comment="Дополните выводы по охвату педагогов и приложите план действий.")
            notices.report_returned(report, returned)
        if status == MonitoringReport.Status.ACCEPTED:
            report.figures = figures.compute([organisation], year, period=figures.Period.half(year, 1))[organisation.pk]
            report.accepted_at, report.accepted_by = now, municipal
            ReportReview.objects.create(report=report, action=ReportReview.Action.ACCEPTED, by=municipal)
        report.status = status
        report.save()

    first = ctx.organisations[0]
    if first.pk in ctx.populated_organisation_ids:
        pair = Pair.objects.filter(programme__organisation=first).select_related("programme__form").first()
        for title, published in (("Олимпиадная подготовка в паре «учитель – ученик»", True),
                                 ("Адаптация пятиклассников силами старшеклассников", True),
                                 ("Наставничество молодых педагогов: открытые уроки", False)):
            BestPractice.objects.create(
                organisation=first, form=pair.programme.form if pair else None, pair=pair, title=title,
                description="Как была организована работа пары, какие встречи проводились и что помогло.",
                results="Индивидуальный план выполнен полностью; наставляемый — призёр муниципального этапа.",
                published=published, created_by=ctx.curators.get(first.pk),
            )
        ctx.created["кейсов лучших практик"] += 3

    _district_analysis(ctx)



@demo_step(order=990)
def fresh_summaries(ctx: DemoContext) -> None:
    """The loader holds the change signals (``registry.signals.changes_held``) and writes much in bulk: the
    dashboards' summaries start afresh after every other step (and computed, so the first district
    dashboard opens as quickly as the rest)."""
    summaries.invalidate()
    summaries.refresh(ctx.current_year)


ANALYSIS = {
    "quality": ("Отчёты приняты не у всех организаций: одна справка возвращена на доработку, две готовятся. "
                "Удовлетворённость наставляемых работой пар высокая, качество программ оценено выше среднего.\n"
                "Индивидуальные планы в большинстве пар выполняются по графику; отстают пары, сформированные "
                "позже октября. Согласия собраны не у всех участников — это сдерживает формирование новых пар."),
    "growth": ("По сравнению со старт-листом у наставляемых заметен рост по компетентностной и мотивационно-"
               "личностной составляющим; профессиональный рост педагогов оценён по итоговым анкетам в части пар."),
}
DECISIONS = (
    ("Провести муниципальный семинар «Школа наставника» для наставников и школьных кураторов",
     "Муниципальный куратор", 20),
    ("Обеспечить сбор согласий на обработку персональных данных от 100 % участников программ",
     "Руководители ОО", 45),
    ("Организовать обмен лучшими практиками наставничества между организациями района",
     "Муниципальный куратор, школьные кураторы", 90),
)


def _district_analysis(ctx: DemoContext) -> None:
    """The first half's analysis, linked to the accepted reports, with decisions in the district roadmap."""
    year, municipal = ctx.current_year, ctx.users.get("municipal")
    if DistrictAnalysis.objects.filter(municipality=ctx.municipality, academic_year=year, half=1).exists():
        return
    made = analysis.save_analysis(municipality=ctx.municipality, academic_year=year, half=1,
                                  quality_analysis=ANALYSIS["quality"], growth_analysis=ANALYSIS["growth"],
                                  by=municipal)
    ctx.created["анализов мониторинга района"] += 1
    if analysis.district_roadmap(ctx.municipality, year) is None:
        return
    for text, responsible, days in DECISIONS:
        analysis.add_decision(made, text=text, responsible=responsible,
                              due_on=ctx.today + datetime.timedelta(days=days), by=municipal, today=ctx.today)
        ctx.created["управленческих решений"] += 1


INTAKE_TITLE = "Анкета наставника: чем я могу быть полезен"
INTAKE_QUESTIONS = [
    ("Чем вы можете быть полезны наставляемым?", Question.Type.TEXT, []),
    ("С кем вам интереснее работать?", Question.Type.CHOICE, ["с учениками 5–7 классов", "со старшеклассниками",
                                                               "с молодыми педагогами"]),
    ("Насколько вы готовы уделять наставничеству час в неделю?", Question.Type.SCALE_5, []),
]
INTAKE_ANSWERS = ["Помогу подготовиться к олимпиаде по математике.", "Проектная работа, публичные выступления.",
                  "Расскажу о профессии, покажу предприятие.", "Поддержу в адаптации к новому коллективу."]


@demo_step(order=135)
def build_questionnaire_links(ctx: DemoContext) -> None:
    """The first school's own intake questionnaire («Чем я могу быть полезен»), answered by a few mentors,
    and personal links to the quarterly feedback handed out to the class with the most mentees in pairs."""
    first = ctx.organisations[0]
    if first.pk not in ctx.populated_organisation_ids:
        return
    curator = ctx.curators.get(first.pk)
    rng = ctx.rng("questionnaire-links", first.short_name)
    intake = Questionnaire.objects.create(
        title=INTAKE_TITLE, kind=Questionnaire.Kind.INTAKE, organisation=first,
        description="Для потенциальных наставников: ответы помогают подобрать пары.")
    questions = Question.objects.bulk_create(
        Question(questionnaire=intake, position=position, text=text, type=type_, choices=choices)
        for position, (text, type_, choices) in enumerate(INTAKE_QUESTIONS, start=1))
    mentors = list(Participant.objects.filter(organisation=first, is_archived=False, mentor_profile__isnull=False)
                   .with_consent_state().filter(has_valid_consent=True).order_by("pk")[:4])
    now = timezone.now()
    answers = []
    for person in mentors:
        response = Response.objects.create(questionnaire=intake, organisation=first, participant=person,
                                           created_by=curator, entered_by=curator,
                                           submitted_at=now - datetime.timedelta(days=rng.randint(20, 60)))
        answers += [Answer(response=response, question=questions[0], text=rng.choice(INTAKE_ANSWERS)),
                    Answer(response=response, question=questions[1], text=rng.choice(questions[1].choices)),
                    Answer(response=response, question=questions[2], number=rng.randint(3, 5))]
    Answer.objects.bulk_create(answers)
    ctx.created["своих анкет школ"] += 1

    interim = Questionnaire.objects.filter(kind=Questionnaire.Kind.INTERIM, organisation__isnull=True,
                                           is_active=True).first()
    # As a curator would: the programme and class with the most mentees in pairs, everyone found at once.
    places = Counter(Membership.objects.filter(pair__programme__organisation=first, left_on__isnull=True,
                                               pair__programme__academic_year=ctx.current_year,
                                               pair__status__in=Pair.OPEN_STATUSES)
                     .exclude(mentee__participant__class_name="")
                     .values_list("pair__programme", "mentee__participant__class_name"))
    if interim is None or not places:
        return
    programme_id, class_name = places.most_common(1)[0][0]
    people = Participant.objects.filter(organisation=first, class_name=class_name, is_archived=False,
                                        mentee_profile__memberships__pair__programme_id=programme_id,
                                        mentee_profile__memberships__left_on__isnull=True).distinct()
    batch = links.issue_bulk(questionnaire=interim, people=people, role=links.Audience.MENTEES, days=14, by=curator,
                             pairs=links.evaluable_pairs(interim, programme=Programme.objects.get(pk=programme_id)))
    ctx.created["личных ссылок на анкеты"] += batch.new
