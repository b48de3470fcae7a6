"""The figures of monitoring against a small organisation counted by hand.

Every number of ``figures.compute`` and ``figures.total`` is asserted, with the counting in the
comments, for the first half of 2025/2026 (and what changes in the second half and with the
federal target over students aged 10 and over). Then: the number of queries does not depend on the
number of organisations or municipalities.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mentoring import services
from mentoring.models import (
    Meeting,
    Membership,
    MentoringForm,
    MentorLink,
    Pair,
    PlanItem,
    Programme,
)
from monitoring import figures
from monitoring.figures import Period
from monitoring.models import CoverageTarget, Question, Questionnaire
from registry.models import AcademicYear, Consent, OrganisationHeadcount, Participant
from tests import factories

D = datetime.date
MOSCOW = ZoneInfo("Europe/Moscow")
SIGNED = D(2025, 8, 25)  # every consent of the fixture is signed before the year starts
TEACHER_TO_STUDENT, TEACHER_TO_TEACHER = "учитель – ученик", "учитель – учитель"


# --- building blocks ---------------------------------------------------------------------------------


def year_2025():
    year, _created = AcademicYear.objects.get_or_create(start_year=2025)
    return year


def consent(participant, *, signed_by=Consent.SignedBy.PARTICIPANT, purpose=Consent.Purpose.MENTORING):
    extra = {}
    if signed_by != Consent.SignedBy.PARTICIPANT:
        extra = {"representative_name": "Родитель", "representative_relation": Consent.Relation.MOTHER,
                 "representative_document": "свидетельство о рождении"}
    return factories.ConsentFactory(participant=participant, signed_by=signed_by, signed_on=SIGNED, purpose=purpose,
                                    **extra)


def teacher(org, name, *, capacity=2):
    profile = factories.MentorProfileFactory(participant__organisation=org, participant__last_name=name,
                                             capacity=capacity)
    consent(profile.participant)
    return profile


def young_specialist(org, name):
    profile = factories.MenteeProfileFactory(
        participant__organisation=org, participant__last_name=name, participant__class_name="",
        participant__category=Participant.Category.YOUNG_SPECIALIST, participant__birth_date=D(2001, 4, 1))
    consent(profile.participant)
    return profile


def student(org, name, born, *, with_consent=True):
    profile = factories.MenteeProfileFactory(participant__organisation=org, participant__last_name=name,
                                             participant__birth_date=born)
    if with_consent:
        age = profile.participant.age_on(SIGNED)
        consent(profile.participant,
                signed_by=Consent.SignedBy.BOTH if age >= 14 else Consent.SignedBy.REPRESENTATIVE)
    return profile


def pair(prog, mentor, mentees, started_on):
    return services.form_pair(programme=prog, mentor=mentor, mentees=mentees, started_on=started_on)


def meeting(prog, the_pair, held_on, kind=Meeting.Kind.REGULAR):
    return services.log_meeting(programme=prog, pair=the_pair, data=services.MeetingInput(
        kind=kind, held_on=held_on, format=Meeting.Format.IN_PERSON, topic="Встреча", attendee_ids=[]))


def plan(membership, *statuses):
    for position, status in enumerate(statuses):
        factories.PlanItemFactory(membership=membership, goal=f"Цель {position}", due_on=D(2025, 12, 1),
                                  status=status, position=position)


def noon(day):
    return datetime.datetime(day.year, day.month, day.day, 12, 0, tzinfo=MOSCOW)


DONE, PLANNED, IN_PROGRESS, CANCELLED = (PlanItem.Status.DONE, PlanItem.Status.PLANNED, PlanItem.Status.IN_PROGRESS,
                                         PlanItem.Status.CANCELLED)
S5, S10, TEXT = Question.Type.SCALE_5, Question.Type.SCALE_10, Question.Type.TEXT
MOTIVATION, COMPETENCE = Question.Dimension.MOTIVATION, Question.Dimension.COMPETENCE


# --- the hand-built organisation ---------------------------------------------------------------------


@pytest.fixture
def school(district):
    """МБОУ СОШ № 1 in 2025/2026, built by hand; the numbers in the tests are counted from here.

    Registry (not archived): teachers T1, T2, T3; young specialist Y1; students S1…S6; parent P1 — 11.
    Archived student S7 (with a consent) counts nowhere. Ages on 1 September 2025: S1 15, S2 12, S3 9,
    S4 16, S5 14, S6 8.
    Consents for mentoring valid on 5 December 2025: T1–T3, Y1, S1–S5 = 9. P1's was revoked on
    1 November; S6 has only a publication consent.
    Head count: 100 students (60 aged 10+), 20 teachers.

    Programme A «учитель – ученик», programme B «учитель – учитель»; pairs:
      active      A  T1 → S1        from 15.09.2025
      group       A  T2 → S2, S3    from 20.09.2025 (active, a group of 2)
      completed   B  T3 → Y1        10.09.2025 – 01.12.2025
      ended early A  T1 → S4        01.10.2025 – 15.11.2025
      proposed    A  T3 → S5        (no start: nobody covered)
      rejected    A  T2 → S6
      late        A  T3 → S5        from 01.02.2026 (second half only; still forming)
    """
    org = district.school1
    year = year_2025()
    OrganisationHeadcount.objects.create(organisation=org, academic_year=year, students_total=100,
                                         students_aged_10_plus=60, teachers_total=20, young_specialists=2)
    t1, t2, t3 = teacher(org, "Учитель1"), teacher(org, "Учитель2"), teacher(org, "Учитель3")
    y1 = young_specialist(org, "Молодой1")
    s1 = student(org, "Ученик1", D(2010, 3, 1))
    s2 = student(org, "Ученик2", D(2013, 5, 10))
    s3 = student(org, "Ученик3", D(2016, 6, 1))
    s4 = student(org, "Ученик4", D(2009, 1, 15))
    s5 = student(org, "Ученик5", D(2011, 4, 4))
    s6 = student(org, "Ученик6", D(2017, 2, 2), with_consent=False)
    consent(s6.participant, signed_by=Consent.SignedBy.REPRESENTATIVE, purpose=Consent.Purpose.PUBLICATION)
    p1 = factories.ParticipantFactory(organisation=org, last_name="Родитель1", category=Participant.Category.PARENT,
                                      birth_date=D(1985, 1, 1), class_name="")
    consent(p1).revoke(on=D(2025, 11, 1), reason="заявление")
    s7 = factories.ParticipantFactory(organisation=org, last_name="Архивный", birth_date=D(2010, 1, 1),
                                      is_archived=True)
    consent(s7, signed_by=Consent.SignedBy.BOTH)

    a = factories.ProgrammeFactory(organisation=org, academic_year=year, form_name=TEACHER_TO_STUDENT, ends_on=D(2026, 5, 31))
    b = factories.ProgrammeFactory(organisation=org, academic_year=year, form_name=TEACHER_TO_TEACHER, ends_on=D(2026, 5, 31))
    active = pair(a, t1, [s1], D(2025, 9, 15))
    services.activate(active)
    group = pair(a, t2, [s2, s3], D(2025, 9, 20))
    services.activate(group)
    completed = pair(b, t3, [y1], D(2025, 9, 10))
    early = pair(a, t1, [s4], D(2025, 10, 1))
    # Proposed (or rejected by the curator): no start date, nobody covered; the links carry the proposal's day.
    proposed = factories.PairFactory(programme=a, status=Pair.Status.PROPOSED, started_on=None, mentor=t3,
                                     mentees=[s5], links_on=D(2025, 10, 1)).memberships.get()
    factories.PairFactory(programme=a, status=Pair.Status.REJECTED, started_on=None, mentor=t2, mentees=[s6],
                          links_on=D(2025, 10, 1))
    late = pair(a, t3, [s5], D(2026, 2, 1))

    # Meetings: five in the first half (the group final one belongs to the programme), two in the second.
    meeting(a, active, D(2025, 9, 16), Meeting.Kind.INTRODUCTION)
    meeting(a, active, D(2025, 10, 10))
    meeting(a, group, D(2025, 10, 5), Meeting.Kind.PLANNING)
    meeting(b, completed, D(2025, 11, 30), Meeting.Kind.FINAL)
    meeting(a, None, D(2025, 12, 20), Meeting.Kind.GROUP_FINAL)
    meeting(a, active, D(2026, 1, 20))
    meeting(a, late, D(2026, 2, 10), Meeting.Kind.INTRODUCTION)

    services.close_pair(completed, status=Pair.Status.COMPLETED, on=D(2025, 12, 1), results="План выполнен")
    services.close_pair(early, status=Pair.Status.ENDED_EARLY, on=D(2025, 11, 15), reason="переезд семьи")

    # Plans: S1 3 of 4 = 75%; S2 2 of 2 = 100%; S3 1 of 2 (the cancelled item left out) = 50%;
    # Y1 5 of 5 = 100%; S4 0 of 2 = 0%; the proposed pair's plan does not count.
    membership = {m.mentee_id: m for m in Membership.objects.filter(pair__programme__organisation=org)
                  .exclude(pair=late)}
    plan(membership[s1.pk], DONE, DONE, DONE, PLANNED)
    plan(membership[s2.pk], DONE, DONE)
    plan(membership[s3.pk], DONE, IN_PROGRESS, CANCELLED)
    plan(membership[y1.pk], DONE, DONE, DONE, DONE, DONE)
    plan(membership[s4.pk], PLANNED, IN_PROGRESS)
    plan(proposed, DONE)

    # Satisfaction (stage 1). Mentors: a 5-point and a 10-point question, and a free answer.
    mentors_q, (m5, m10, mtext) = factories.questionnaire_with(Questionnaire.Kind.MENTOR_SATISFACTION, (S5, ""), (S10, ""), (TEXT, ""))
    factories.answered(mentors_q, org, t1.participant, [(m5, 4), (m10, 1), (mtext, "всё хорошо")], submitted_at=noon(D(2025, 12, 1)))
    factories.answered(mentors_q, org, t2.participant, [(m5, 5), (m10, 10)], submitted_at=noon(D(2025, 11, 20)))
    mentees_q, (e10,) = factories.questionnaire_with(Questionnaire.Kind.MENTEE_SATISFACTION, (S10, ""))
    factories.answered(mentees_q, org, s1.participant, [(e10, 7)], submitted_at=noon(D(2025, 12, 2)))
    factories.answered(mentees_q, org, s2.participant, [(e10, 10)], submitted_at=noon(D(2025, 12, 3)))
    factories.answered(mentees_q, org, s1.participant, [(e10, 1)], submitted_at=noon(D(2026, 1, 15)))  # second half
    factories.answered(mentees_q, org, s4.participant, [(e10, 1)], submitted_at=None)  # never sent

    # Growth (stage 2): entry and exit per dimension; S4 left early and has no exit.
    entry_q, (en_mot, en_comp, en_none) = factories.questionnaire_with(Questionnaire.Kind.ENTRY, (S5, MOTIVATION), (S10, COMPETENCE), (S5, ""))
    exit_q, (ex_mot, ex_comp) = factories.questionnaire_with(Questionnaire.Kind.EXIT, (S5, MOTIVATION), (S10, COMPETENCE))
    factories.answered(entry_q, org, s1.participant, [(en_mot, 2), (en_comp, 4), (en_none, 5)], submitted_at=noon(D(2025, 9, 12)))
    factories.answered(entry_q, org, s2.participant, [(en_mot, 3), (en_comp, 7)], submitted_at=noon(D(2025, 9, 12)))
    factories.answered(entry_q, org, s4.participant, [(en_mot, 2), (en_comp, 1)], submitted_at=noon(D(2025, 10, 2)))
    factories.answered(entry_q, org, s1.participant, [(en_mot, 5)], submitted_at=noon(D(2025, 5, 10)))  # last academic year
    factories.answered(exit_q, org, s1.participant, [(ex_mot, 4), (ex_comp, 10)], submitted_at=noon(D(2025, 12, 15)))
    factories.answered(exit_q, org, s2.participant, [(ex_mot, 4), (ex_comp, 7)], submitted_at=noon(D(2025, 12, 15)))
    return org


@pytest.fixture
def small_school(district):
    """МБОУ СОШ № 2: one teacher, one student, one forming pair, one meeting, a plan done — and no head count."""
    org = district.school2
    year = year_2025()
    mentor, mentee = teacher(org, "Учитель"), student(org, "Ученик", D(2012, 2, 2))
    prog = factories.ProgrammeFactory(organisation=org, academic_year=year, form_name=TEACHER_TO_STUDENT, ends_on=D(2026, 5, 31))
    made = pair(prog, mentor, [mentee], D(2025, 10, 1))
    meeting(prog, made, D(2025, 10, 20))
    plan(made.memberships.get(), DONE)
    return org


DECEMBER_5 = D(2025, 12, 5)


def first_half(*organisations, today=DECEMBER_5):
    year = year_2025()
    return figures.compute(organisations, year, period=Period.half(year, 1), today=today)


# --- the tests -----------------------------------------------------------------------------------


def test_every_figure_of_the_first_half(school):
    result = first_half(school)
    assert list(result) == [school.pk]
    assert result[school.pk] == {
        "organisation": "МБОУ СОШ № 1",
        "period": ["2025-09-01", "2025-12-31"],
        "computed_on": "2025-12-05",
        # S7 is archived: 3 teachers, 1 young specialist, 6 students, 1 parent = 11.
        "registry": {"teacher": 3, "young_specialist": 1, "student": 6, "parent": 1},
        "participants_total": 11,
        # A: mentors T1, T2 (the late pair's T3 began in February); mentees S1–S4 (not S5: proposed, late;
        # not S6: rejected). B: T3 → Y1.
        "by_form": [{"form": TEACHER_TO_STUDENT, "mentors": 2, "mentees": 4},
                    {"form": TEACHER_TO_TEACHER, "mentors": 1, "mentees": 1}],
        # T1, T2, T3, Y1, S1, S2, S3, S4: T1 counted once for two pairs.
        "in_programme": 8,
        "in_programme_by_category": {"teacher": 3, "young_specialist": 1, "student": 4},
        "coverage": {
            # 4 of 100 students = 4.0% < 10%; 4 of 20 teachers (T1–T3 and Y1) = 20.0% ≥ 15%.
            "students": 4, "students_all": 4, "students_base": 100, "students_percent": 4.0,
            "students_target": 10.0, "student_base_kind": "all", "students_on_target": False,
            "teachers": 4, "teachers_base": 20, "teachers_percent": 20.0, "teachers_target": 15.0,
            "teachers_on_target": True, "has_headcount": True,
        },
        # active: T1→S1 and the group; the late pair (forming) began after 31 December.
        "pairs": {"forming": 0, "active": 2, "completed": 1, "ended_early": 1, "proposed": 1, "groups": 1, "suspended": 0},
        # 16.09, 10.10, 05.10, 30.11, 20.12 (the group final one); not 20.01 and 10.02.
        "meetings": 5,
        # (75 + 100 + 50 + 100 + 0) / 5 = 65.0; at or above 90%: S2 and Y1.
        "plans": {"count": 5, "average_percent": 65.0, "on_target": 2, "target": 90, "on_target_average": False},
        # 9 of 11 = 81.8% < 100%.
        "consents": {"with_consent": 9, "total": 11, "percent": 81.8, "target": 100, "on_target": False},
        "satisfaction": {
            # 5-point answers 4 and 5; 10-point answers 1 → 1.0 and 10 → 5.0: (4 + 5 + 1 + 5) / 4 = 3.75.
            # (Halving the 10-point answers would give 0.5 for the lowest one, below the 5-point scale.)
            "mentor_satisfaction": 3.75,
            # 7 → 1 + 6·4/9 = 3.667; 10 → 5: (3.667 + 5) / 2 = 4.33. January's answer and the unsent one: out.
            "mentee_satisfaction": 4.33,
        },
        "growth": {
            # entry (2 + 3 + 2) / 3 = 2.33, exit (4 + 4) / 2 = 4.0; each compared with themselves:
            # S1 +2, S2 +1 → +1.5 over 2 people (S4 has no exit; May 2025 is last year).
            "motivation": {"entry": 2.33, "exit": 4.0, "change": 1.5, "paired": 2},
            # 10-point: 4 → 2.333, 7 → 3.667, 1 → 1, 10 → 5. Entry (2.333 + 3.667 + 1) / 3 = 2.33,
            # exit (5 + 3.667) / 2 = 4.33; S1 +2.667, S2 0 → +1.33.
            "competence": {"entry": 2.33, "exit": 4.33, "change": 1.33, "paired": 2},
        },
    }


def test_the_second_half(school):
    year = year_2025()
    result = figures.compute([school], year, period=Period.half(year, 2), today=D(2026, 6, 5))[school.pk]
    assert result["period"] == ["2026-01-01", "2026-08-31"]
    # The late pair T3 → S5 (from 01.02.2026) now counts: S5 is covered, the pair is forming.
    assert result["pairs"] == {"forming": 1, "active": 2, "completed": 1, "ended_early": 1, "proposed": 1,
                               "groups": 1, "suspended": 0}
    assert result["in_programme"] == 9
    assert result["by_form"][0] == {"form": TEACHER_TO_STUDENT, "mentors": 3, "mentees": 5}
    assert result["coverage"]["students"] == 5 and result["coverage"]["students_percent"] == 5.0
    assert result["coverage"]["teachers"] == 4
    # 20.01 and 10.02.
    assert result["meetings"] == 2
    # Only January's mentee answer, 1 → 1.0; no mentor answers this half.
    assert result["satisfaction"] == {"mentee_satisfaction": 1.0}
    # Growth runs from the start of the year: the same as in December.
    assert result["growth"]["motivation"] == {"entry": 2.33, "exit": 4.0, "change": 1.5, "paired": 2}
    assert result["consents"]["with_consent"] == 9
    assert result["plans"]["average_percent"] == 65.0


def test_the_federal_target_counts_students_aged_10_and_over(school, district):
    CoverageTarget.objects.create(municipality=district.municipality, academic_year=year_2025(),
                                  students_percent=70, student_base=CoverageTarget.StudentBase.AGED_10_PLUS)
    coverage = first_half(school)[school.pk]["coverage"]
    # S1 (15), S2 (12) and S4 (16) of 60 aged 10+ = 5.0% < 70%; S3 is 9 on 1 September.
    assert coverage["students"] == 3 and coverage["students_all"] == 4
    assert coverage["students_base"] == 60 and coverage["students_percent"] == 5.0
    assert coverage["students_target"] == 70.0 and coverage["student_base_kind"] == "aged_10_plus"
    assert coverage["students_on_target"] is False
    assert coverage["teachers_target"] == 15.0 and coverage["teachers_on_target"] is True


def test_consents_are_counted_on_the_given_day(school):
    # On 31 October 2025 P1's consent was still valid: 10 of 11.
    consents = first_half(school, today=D(2025, 10, 31))[school.pk]["consents"]
    assert (consents["with_consent"], consents["percent"]) == (10, 90.9)


def test_the_district_total(school, small_school):
    result = first_half(school, small_school)
    small = result[small_school.pk]
    # The small school alone: no head count, so no coverage shares.
    assert small["coverage"]["students_base"] == 0 and small["coverage"]["students_percent"] is None
    assert small["coverage"]["has_headcount"] is False
    assert small["pairs"]["forming"] == 1 and small["meetings"] == 1
    assert small["plans"] == {"count": 1, "average_percent": 100.0, "on_target": 1, "target": 90,
                              "on_target_average": True}

    summed = figures.total(result)
    assert summed == {
        "organisations": 2,
        "participants_total": 13,  # 11 + 2
        "in_programme": 10,  # 8 + 2
        "meetings": 6,  # 5 + 1
        "registry": {"teacher": 4, "young_specialist": 1, "student": 7, "parent": 1},
        "in_programme_by_category": {"teacher": 4, "young_specialist": 1, "student": 5},
        "pairs": {"forming": 1, "active": 2, "completed": 1, "ended_early": 1, "proposed": 1, "groups": 1, "suspended": 0},
        "coverage": {
            # The small school has no head count: its covered people stay out of the shares, or they
            # would count over a base that does not include them (5 of 100 instead of 4 of 100).
            "students": 4, "students_base": 100, "students_percent": 4.0,
            "teachers": 4, "teachers_base": 20, "teachers_percent": 20.0, "without_headcount": 1,
            "students_target": 10.0, "students_on_target": False, "teachers_target": 15.0,
            "teachers_on_target": True, "student_base_kind": "all",
        },
        # 11 of 13 = 84.6%.
        "consents": {"with_consent": 11, "total": 13, "target": 100, "percent": 84.6, "on_target": False},
        # (65.0 × 5 + 100 × 1) / 6 = 70.8; at or above 90%: 2 + 1.
        "plans": {"count": 6, "on_target": 3, "average_percent": 70.8, "target": 90, "on_target_average": False},
        "by_form": [{"form": TEACHER_TO_STUDENT, "mentors": 3, "mentees": 5},
                    {"form": TEACHER_TO_TEACHER, "mentors": 1, "mentees": 1}],
    }


def test_an_organisation_without_data_has_empty_figures(district):
    result = first_half(district.college)[district.college.pk]
    assert result["in_programme"] == 0 and result["participants_total"] == 0
    assert result["coverage"]["students_percent"] is None and result["coverage"]["students_on_target"] is False
    assert result["consents"]["percent"] is None and result["plans"]["average_percent"] is None
    assert result["satisfaction"] == {} and result["growth"] == {} and result["by_form"] == []
    assert figures.total({})["organisations"] == 0


def test_the_linear_mapping_of_a_ten_point_scale():
    assert figures.on_five_point_scale(1, 10) == 1
    assert figures.on_five_point_scale(10, 10) == 5
    assert figures.on_five_point_scale(5.5, 10) == 3  # the middles meet
    assert figures.on_five_point_scale(4, 5) == 4  # a 5-point answer is itself


def busy_organisations(count, municipalities):
    """``count`` organisations spread over ``municipalities``, each with a pair, a meeting, a plan and answers."""
    year = year_2025()
    form = MentoringForm.objects.get(name=TEACHER_TO_STUDENT)
    satisfaction, (question,) = factories.questionnaire_with(Questionnaire.Kind.MENTEE_SATISFACTION, (S5, ""))
    made = []
    for index in range(count):
        org = factories.OrganisationFactory(municipality=municipalities[index % len(municipalities)])
        OrganisationHeadcount.objects.create(organisation=org, academic_year=year, students_total=50,
                                             students_aged_10_plus=30, teachers_total=10)
        mentor, mentee = factories.MentorProfileFactory(participant__organisation=org), \
            factories.MenteeProfileFactory(participant__organisation=org)
        consent(mentor.participant)
        prog = Programme.objects.create(organisation=org, academic_year=year, form=form, starts_on=D(2025, 9, 1),
                                        ends_on=D(2026, 5, 31))
        the_pair = Pair.objects.create(programme=prog, status=Pair.Status.ACTIVE, started_on=D(2025, 9, 15))
        MentorLink.objects.create(pair=the_pair, mentor=mentor, started_on=D(2025, 9, 15))
        membership = Membership.objects.create(pair=the_pair, mentee=mentee, joined_on=D(2025, 9, 15))
        plan(membership, DONE, PLANNED)
        Meeting.objects.create(programme=prog, pair=the_pair, held_on=D(2025, 10, 1), topic="Встреча")
        factories.answered(satisfaction, org, mentee.participant, [(question, 4)], submitted_at=noon(D(2025, 12, 1)))
        made.append(org)
    return made


def test_queries_do_not_grow_with_organisations_or_municipalities(district):
    few = busy_organisations(3, [district.municipality])
    others = [factories.MunicipalityFactory(region=district.region) for _ in range(4)]
    many = busy_organisations(30, [district.municipality, *others])
    year = year_2025()
    CoverageTarget.objects.create(municipality=others[0], academic_year=year, students_percent=70,
                                  student_base=CoverageTarget.StudentBase.AGED_10_PLUS)
    period = Period.half(year, 1)
    with CaptureQueriesContext(connection) as small:
        result = figures.compute(few, year, period=period, today=D(2025, 12, 5))
    with CaptureQueriesContext(connection) as large:
        result_many = figures.compute(many, year, period=period, today=D(2025, 12, 5))
    assert len(result) == 3 and len(result_many) == 30
    assert len(large.captured_queries) == len(small.captured_queries)
    assert all(row["in_programme"] == 2 and row["meetings"] == 1 for row in result_many.values())
    # The municipality with its own target counts over students aged 10+: 1 of 30.
    targeted = [row for org, row in result_many.items() if org in {o.pk for o in many
                                                                    if o.municipality_id == others[0].pk}]
    assert targeted and all(row["coverage"]["students_base"] == 30 for row in targeted)
