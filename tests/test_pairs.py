"""Pair and group rules of the target model: every refusal, history on change, proposals."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentoring import eligibility, proposals, selectors, services
from mentoring.exports import mentee_pair_info, mentor_pair_info
from mentoring.models import Meeting, Membership, Pair, Preference
from registry.exports import (MENTEE_COLUMNS, MENTOR_COLUMNS, add_mentee_details, add_mentor_details, build_rows,
                              mentee_queryset, mentor_queryset)
from registry.models import Consent, Participant, Topic
from monitoring import exports
from monitoring.models import ExportJob
from tests import factories
from tests.downloads import base_response

TODAY = timezone.localdate()


def teacher(org, capacity=2, consent=True, **participant):
    profile = factories.MentorProfileFactory(participant__organisation=org, capacity=capacity,
                                             **{f"participant__{k}": v for k, v in participant.items()})
    if consent:
        factories.ConsentFactory(participant=profile.participant, signed_on=TODAY - datetime.timedelta(days=90))
    return profile


def student(org, age=15, consent=True, **participant):
    birth = TODAY.replace(year=TODAY.year - age) - datetime.timedelta(days=40)
    profile = factories.MenteeProfileFactory(participant__organisation=org, participant__birth_date=birth,
                                             **{f"participant__{k}": v for k, v in participant.items()})
    if consent:
        signed_by = Consent.SignedBy.BOTH if age >= 14 else Consent.SignedBy.REPRESENTATIVE
        factories.ConsentFactory(participant=profile.participant, signed_by=signed_by,
                                 signed_on=TODAY - datetime.timedelta(days=90),
                                 representative_name="Родитель Иван", representative_relation="father",
                                 representative_document="свидетельство о рождении")
    return profile


def refused(**kwargs) -> str:
    with pytest.raises(ValidationError) as error:
        services.form_pair(started_on=TODAY, **kwargs)
    return " ".join(error.value.messages)


@pytest.fixture
def school(district):
    return district.school1


def test_a_valid_pair_is_formed_with_history_rows(school, district):
    mentor, mentee = teacher(school), student(school)
    pair = services.form_pair(programme=factories.ProgrammeFactory(organisation=school), mentor=mentor, mentees=[mentee], started_on=TODAY,
                              by=district.curator1)
    assert pair.status == Pair.Status.FORMING and pair.created_by == district.curator1
    assert pair.mentor_links.get().mentor == mentor
    assert pair.memberships.get().mentee == mentee


def test_missing_consent_of_either_side_is_refused(school):
    prog = factories.ProgrammeFactory(organisation=school)
    message = refused(programme=prog, mentor=teacher(school, consent=False), mentees=[student(school)])
    assert "нет действующего согласия" in message
    message = refused(programme=prog, mentor=teacher(school), mentees=[student(school, consent=False)])
    assert "нет действующего согласия" in message
    assert not Pair.objects.exists()


def test_revoked_consent_blocks_a_new_pair(school):
    mentee = student(school)
    mentee.participant.consents.get().revoke(on=TODAY, reason="заявление родителей")
    assert "нет действующего согласия" in refused(programme=factories.ProgrammeFactory(organisation=school), mentor=teacher(school),
                                                   mentees=[mentee])


def young_specialist(org):
    profile = factories.MenteeProfileFactory(participant__organisation=org,
                                             participant__category=Participant.Category.YOUNG_SPECIALIST,
                                             participant__birth_date=datetime.date(2000, 1, 1), participant__class_name="")
    factories.ConsentFactory(participant=profile.participant)
    return profile


def test_capacity_is_enforced_across_programmes(school):
    mentor = teacher(school, capacity=2)
    services.form_pair(programme=factories.ProgrammeFactory(organisation=school), mentor=mentor, mentees=[student(school)], started_on=TODAY)
    colleagues = factories.ProgrammeFactory(organisation=school, form_name="учитель – учитель")
    services.form_pair(programme=colleagues, mentor=mentor, mentees=[young_specialist(school)], started_on=TODAY)
    message = refused(programme=colleagues, mentor=mentor, mentees=[young_specialist(school)])
    assert "нет свободных мест: может взять 2, уже наставляет 2" in message


def test_group_larger_than_capacity_is_refused(school):
    mentor = teacher(school, capacity=2)
    message = refused(programme=factories.ProgrammeFactory(organisation=school), mentor=mentor,
                      mentees=[student(school), student(school), student(school)])
    assert "нет свободных мест" in message


def test_closed_pairs_free_the_mentor(school):
    mentor = teacher(school, capacity=1)
    prog = factories.ProgrammeFactory(organisation=school)
    pair = services.form_pair(programme=prog, mentor=mentor, mentees=[student(school)], started_on=TODAY)
    services.close_pair(pair, status=Pair.Status.ENDED_EARLY, on=TODAY, reason="переезд семьи")
    services.form_pair(programme=prog, mentor=mentor, mentees=[student(school)], started_on=TODAY)


def test_categories_must_fit_the_form(school):
    prog = factories.ProgrammeFactory(organisation=school, form_name="учитель – учитель")
    message = refused(programme=prog, mentor=teacher(school), mentees=[student(school)])
    assert "В форме «учитель – учитель» наставляемым может быть" in message
    prog = factories.ProgrammeFactory(organisation=school, form_name="ученик – ученик")
    assert "наставником может быть" in refused(programme=prog, mentor=teacher(school), mentees=[student(school)])


def test_nobody_mentors_themselves(school):
    mentee = student(school, age=17)
    mentor = factories.MentorProfileFactory(participant=mentee.participant)
    prog = factories.ProgrammeFactory(organisation=school, form_name="ученик – ученик")
    assert "наставником самому себе" in refused(programme=prog, mentor=mentor, mentees=[mentee])


def test_a_mentee_has_one_open_pair_per_programme(school):
    prog = factories.ProgrammeFactory(organisation=school)
    mentee = student(school)
    services.form_pair(programme=prog, mentor=teacher(school), mentees=[mentee], started_on=TODAY)
    assert "уже состоит в действующей паре этой программы" in refused(programme=prog, mentor=teacher(school),
                                                                      mentees=[mentee])


def test_other_organisation_and_archived_people_are_refused(school, district):
    prog = factories.ProgrammeFactory(organisation=school)
    outsider = student(district.school2)
    assert "участник другой организации" in refused(programme=prog, mentor=teacher(school), mentees=[outsider])
    leaver = student(school)
    leaver.participant.archive(reason="выбыл")
    assert "в архиве" in refused(programme=prog, mentor=teacher(school), mentees=[leaver])


def test_outside_mentor_needs_a_certificate_for_children(school):
    prog = factories.ProgrammeFactory(organisation=school, form_name="работодатель – ученик")
    employer = teacher(school, category=Participant.Category.EMPLOYER)
    assert "справки об отсутствии судимости" in refused(programme=prog, mentor=employer, mentees=[student(school)])


def test_replacing_a_mentor_keeps_the_old_link(school):
    old, new = teacher(school), teacher(school)
    pair = services.form_pair(programme=factories.ProgrammeFactory(organisation=school), mentor=old, mentees=[student(school)],
                              started_on=TODAY - datetime.timedelta(days=20))
    services.replace_mentor(pair, new_mentor=new, on=TODAY, reason="ходатайство наставляемого",
                            on_mentee_request=True)
    links = list(pair.mentor_links.order_by("pk"))
    assert [link.mentor for link in links] == [old, new]
    assert links[0].ended_on == TODAY and links[0].on_mentee_request and links[0].end_reason
    assert links[1].ended_on is None
    assert selectors.mentor_load([old.pk, new.pk]) == {new.pk: 1}


def test_replacement_checks_the_new_mentor(school):
    pair = services.form_pair(programme=factories.ProgrammeFactory(organisation=school), mentor=teacher(school), mentees=[student(school)],
                              started_on=TODAY)
    with pytest.raises(ValidationError) as error:
        services.replace_mentor(pair, new_mentor=teacher(school, consent=False), on=TODAY, reason="болезнь")
    assert "нет действующего согласия" in " ".join(error.value.messages)
    with pytest.raises(ValidationError):
        services.replace_mentor(pair, new_mentor=teacher(school), on=TODAY, reason=" ")
    assert pair.mentor_links.count() == 1


def test_group_membership_changes_are_kept(school):
    mentor = teacher(school, capacity=3)
    pair = services.form_pair(programme=factories.ProgrammeFactory(organisation=school), mentor=mentor, mentees=[student(school)], started_on=TODAY)
    second = services.add_mentee(pair, mentee=student(school), on=TODAY)
    services.remove_mentee(second, on=TODAY, reason="перевёлся в другую школу")
    assert Membership.objects.filter(pair=pair).count() == 2
    assert [m.mentee for m in pair.current_memberships] == [pair.memberships.first().mentee]


def test_completion_and_long_term_base(school):
    mentee = student(school)
    pair = services.form_pair(programme=factories.ProgrammeFactory(organisation=school), mentor=teacher(school), mentees=[mentee], started_on=TODAY)
    with pytest.raises(ValidationError):
        services.close_pair(pair, status=Pair.Status.COMPLETED, on=TODAY, results="")
    services.close_pair(pair, status=Pair.Status.COMPLETED, on=TODAY, results="Призёр олимпиады",
                        best_practice="Кейс: подготовка к олимпиаде")
    pair.refresh_from_db()
    assert pair.status == Pair.Status.COMPLETED and pair.best_practice
    profile = services.add_to_long_term_base(pair.memberships.get())
    assert profile.in_long_term_base and profile.participant == mentee.participant


# --- matching through the database ---------------------------------------------------------------


def test_propose_pairs_writes_proposals_and_respects_capacity(school, district):
    topic = Topic.objects.get(name="Олимпиадная подготовка")
    prog = factories.ProgrammeFactory(organisation=school)
    strong = teacher(school, capacity=1, last_name="Сильная")
    strong.topics.add(topic)
    teacher(school, capacity=1, last_name="Другая")
    eager = student(school, last_name="Олимпиадник")
    eager.topics.add(topic)
    calm = student(school, last_name="Спокойный")
    left = student(school, last_name="Третий")
    no_consent = student(school, consent=False, last_name="Безсогласия")
    proposal = proposals.propose_pairs(prog, by=district.curator1)
    assert len(proposal.pairs) == 2
    pairs = Pair.objects.filter(programme=prog, status=Pair.Status.PROPOSED)
    assert pairs.count() == 2
    mentor_of = {p.memberships.get().mentee: p.mentor_links.get().mentor for p in pairs}
    assert mentor_of[eager] == strong
    assert any("Олимпиадная подготовка" in r["label"] for r in pairs.get(memberships__mentee=eager).match_reasons)
    unpaired = dict(selectors.unpaired_mentees(prog))
    assert set(unpaired) == {no_consent} | ({calm, left} - set(mentor_of))
    assert "нет действующего согласия" in unpaired[no_consent]
    # Proposals hold no places; re-running replaces them rather than adding more.
    proposals.propose_pairs(prog)
    assert Pair.objects.filter(programme=prog, status=Pair.Status.PROPOSED).count() == 2


def test_confirming_rechecks_rules(school):
    prog = factories.ProgrammeFactory(organisation=school)
    mentor = teacher(school, capacity=1)
    mentee = student(school)
    proposals.propose_pairs(prog)
    proposal = Pair.objects.get(status=Pair.Status.PROPOSED)
    assert proposal.mentor_links.get().mentor == mentor
    # Between the proposal and its confirmation the mentor's only place was taken by hand.
    services.form_pair(programme=factories.ProgrammeFactory(organisation=school, form_name="учитель – учитель"), mentor=mentor,
                       mentees=[young_specialist(school)], started_on=TODAY)
    with pytest.raises(ValidationError) as error:
        services.confirm_proposal(proposal, started_on=TODAY)
    assert "нет свободных мест" in " ".join(error.value.messages)
    mentee.participant.consents.get().revoke(on=TODAY, reason="отзыв")
    with pytest.raises(ValidationError) as error:
        services.confirm_proposal(proposal, started_on=TODAY)
    assert "нет действующего согласия" in " ".join(error.value.messages)
    proposal.refresh_from_db()
    assert proposal.status == Pair.Status.PROPOSED


def test_confirm_and_reject(school):
    prog = factories.ProgrammeFactory(organisation=school)
    teacher(school, capacity=2)
    student(school)
    student(school)
    proposals.propose_pairs(prog)
    first, second = Pair.objects.filter(status=Pair.Status.PROPOSED).order_by("pk")
    services.confirm_proposal(first, started_on=TODAY)
    services.reject_proposal(second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Pair.Status.FORMING and first.started_on == TODAY
    assert second.status == Pair.Status.REJECTED
    with pytest.raises(ValidationError):
        services.confirm_proposal(first)
    assert len(selectors.unpaired_mentees(prog)) == 1


def test_rank_mentors_explains_and_flags(school):
    topic = Topic.objects.get(name="Профессиональное самоопределение")
    prog = factories.ProgrammeFactory(organisation=school)
    good = teacher(school, last_name="Подходящая")
    good.topics.add(topic)
    full = teacher(school, capacity=1, last_name="Занятая")
    services.form_pair(programme=prog, mentor=full, mentees=[student(school)], started_on=TODAY)
    mentee = student(school)
    mentee.topics.add(topic)
    Preference.objects.create(programme=prog, side=Preference.Side.MENTEE, mentee=mentee, mentor=good, rank=1)
    ranking = eligibility.rank_mentors(prog, mentee)
    assert ranking.rows[0].mentor == good and ranking.rows[0].available
    labels = " ".join(r.label for r in ranking.rows[0].score.reasons)
    assert "Профессиональное самоопределение" in labels and "1" in labels
    busy = next(row for row in ranking.rows if row.mentor == full)
    assert not busy.available and busy.problems == ["нет свободных мест: наставляемых уже 1 из 1"]


# --- pages ----------------------------------------------------------------------------------------


def make_pair(org):
    return services.form_pair(programme=factories.ProgrammeFactory(organisation=org), mentor=teacher(org), mentees=[student(org)], started_on=TODAY)


def test_quiet_pairs_are_listed(school, district, client_for):
    quiet = services.form_pair(programme=factories.ProgrammeFactory(organisation=school), mentor=teacher(school), mentees=[student(school)],
                               started_on=TODAY - datetime.timedelta(days=45))
    busy = services.form_pair(programme=quiet.programme, mentor=teacher(school), mentees=[student(school)],
                              started_on=TODAY - datetime.timedelta(days=45))
    Meeting.objects.create(programme=busy.programme, pair=busy, kind=Meeting.Kind.REGULAR,
                           held_on=TODAY - datetime.timedelta(days=3), topic="Разбор задач")
    assert list(selectors.quiet_pairs(Pair.objects.all())) == [quiet]
    response = client_for(district.curator1).get(reverse("mentoring:pair_list"), {"status": "quiet"})
    assert [p.pk for p in response.context["listing"].rows] == [quiet.pk]


def test_curator_walks_a_pair_through_its_pages(school, district, client_for):
    pair = make_pair(school)
    client = client_for(district.curator1)
    membership = pair.memberships.get()
    mentee_person = membership.mentee.participant
    response = client.post(reverse("mentoring:meeting_create", args=[pair.pk]), {
        "kind": "introduction", "held_on": TODAY.isoformat(), "format": "in_person", "topic": "Знакомство",
        "attendees": [mentee_person.pk], "note": "Обсудили цели", "mentee_feedback": "Понравилось",
    })
    assert response.status_code == 302
    assert pair.meetings.get().attendees.get() == mentee_person
    response = client.post(reverse("mentoring:meeting_create", args=[pair.pk]), {
        "kind": "regular", "held_on": (TODAY + datetime.timedelta(days=2)).isoformat(), "format": "remote",
        "topic": "Будущее",
    })
    assert "только после того, как она прошла" in response.content.decode()
    response = client.post(reverse("mentoring:plan_detail", args=[membership.pk]), {
        "goal": "Подготовиться к олимпиаде", "action": "Решить 50 задач", "due_on": TODAY.isoformat(),
        "status": "done", "evidence": "",
    })
    assert "Опишите, чем подтверждается выполнение" in response.content.decode()
    client.post(reverse("mentoring:plan_detail", args=[membership.pk]), {
        "goal": "Подготовиться к олимпиаде", "action": "Решить 50 задач", "due_on": TODAY.isoformat(),
        "status": "done", "evidence": "Диплом муниципального этапа",
    })
    assert membership.plan_completion() == 100
    assert client.get(pair.get_absolute_url()).status_code == 200
    response = client.post(reverse("mentoring:pair_close", args=[pair.pk]),
                           {"status": "completed", "on": TODAY.isoformat(), "results": "Призёр", "reflection": ""})
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == Pair.Status.COMPLETED


def mentoring_urls(pair):
    membership = pair.memberships.get()
    meeting = Meeting.objects.create(programme=pair.programme, pair=pair, held_on=TODAY, topic="Встреча")
    item = membership.plan_items.create(goal="Цель", action="Действие", due_on=TODAY)
    prog = pair.programme.pk
    return [
        reverse("mentoring:programme_detail", args=[prog]),
        reverse("mentoring:programme_edit", args=[prog]),
        reverse("mentoring:weights_edit", args=[prog]),
        reverse("mentoring:preferences", args=[prog]),
        reverse("mentoring:candidates", args=[prog, membership.mentee_id]),
        reverse("mentoring:pair_create", args=[prog]),
        reverse("mentoring:group_meeting_create", args=[prog]),
        reverse("mentoring:pair_detail", args=[pair.pk]),
        reverse("mentoring:replace_mentor", args=[pair.pk]),
        reverse("mentoring:add_mentee", args=[pair.pk]),
        reverse("mentoring:pair_close", args=[pair.pk]),
        reverse("mentoring:meeting_create", args=[pair.pk]),
        reverse("mentoring:membership_leave", args=[membership.pk]),
        reverse("mentoring:plan_detail", args=[membership.pk]),
        reverse("mentoring:plan_item_edit", args=[item.pk]),
        reverse("mentoring:meeting_detail", args=[meeting.pk]),
    ]


def test_every_mentoring_url_is_404_outside_and_200_inside(school, roles):
    roles.expect(mentoring_urls(make_pair(school)), municipal=None)


def test_post_actions_outside_the_scope_are_404(school, roles):
    pair = make_pair(school)
    outside = {"owner": None, "municipal": None}
    roles.expect([reverse(f"mentoring:{name}", args=[pair.pk]) for name in ("pair_confirm", "pair_reject",
                                                                            "pair_activate")],
                 method="post", **outside)
    roles.expect(reverse("mentoring:propose", args=[pair.programme.pk]), method="post", **outside)
    roles.expect(reverse("mentoring:long_term_base", args=[pair.memberships.get().pk]), method="post", **outside)


def test_director_reads_but_does_not_change_pairs(school, district, client_for):
    pair = make_pair(school)
    client = client_for(district.director1)
    assert client.get(pair.get_absolute_url()).status_code == 200
    assert client.get(reverse("mentoring:replace_mentor", args=[pair.pk])).status_code == 403
    assert client.post(reverse("mentoring:propose", args=[pair.programme.pk])).status_code == 403


@pytest.mark.parametrize("pairs", [2, 20])
def test_pair_pages_run_a_constant_number_of_queries(school, district, client_for, django_assert_max_num_queries,
                                                     pairs):
    prog = factories.ProgrammeFactory(organisation=school)
    for _ in range(pairs):
        services.form_pair(programme=prog, mentor=teacher(school), mentees=[student(school), student(school)],
                           started_on=TODAY)
    client = client_for(district.municipal)
    client.get(reverse("password_change"))  # the session's first touch (once a minute) is not the pages'
    # Each page with the bell's count of unread notices (the lists: and their page's rows loaded by their
    # ids; the pair list: and the years of its filter apart from the chosen school's programmes).
    with django_assert_max_num_queries(13):
        assert client.get(reverse("mentoring:pair_list")).status_code == 200
    with django_assert_max_num_queries(13):
        assert client.get(reverse("mentoring:programme_detail", args=[prog.pk])).status_code == 200
    with django_assert_max_num_queries(11):
        assert client.get(reverse("mentoring:programme_list")).status_code == 200



def read_xlsx(response):
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_registry_exports_fill_the_pair_columns(school, district, client_for):
    pair = make_pair(school)
    mentor = pair.mentor_links.get().mentor.participant
    mentee = pair.memberships.get().mentee.participant
    client = client_for(district.curator1)
    mentees = read_xlsx(base_response(client, "mentees"))
    row = next(r for r in mentees if r["ФИО наставляемого"] == mentee.full_name)
    assert row["ФИО наставника"] == mentor.full_name
    assert row["Форма наставничества"] == "учитель – ученик"
    assert row["Место реализации программы"] == school.short_name
    mentors = read_xlsx(base_response(client, "mentors"))
    row = next(r for r in mentors if r["ФИО наставника"] == mentor.full_name)
    assert row["ФИО наставляемого"] == mentee.full_name
    assert row["Основной запрос наставляемого"] == "Подготовка к олимпиаде по математике"
    assert row["Сроки"].startswith(TODAY.strftime("%d.%m.%Y"))


@pytest.mark.parametrize("pairs", [2, 15])
def test_exports_with_pairs_run_a_constant_number_of_queries(school, district, client_for,
                                                             django_assert_max_num_queries, pairs):
    prog = factories.ProgrammeFactory(organisation=school)
    for _ in range(pairs):
        services.form_pair(programme=prog, mentor=teacher(school), mentees=[student(school), student(school)],
                           started_on=TODAY)
    for name in ("mentors", "mentees"):
        job = exports.request_export(user=district.curator1, kind=name, params={"filters": {}})
        with django_assert_max_num_queries(16):
            job = exports.run_export(job.pk)
        assert job.status == ExportJob.Status.DONE
        with job.file.open("rb") as handle:
            from django.http import FileResponse

            assert len(read_xlsx(FileResponse(handle))) == 2 * pairs


def test_registry_exports_show_two_pairs_and_a_replaced_mentor_row_by_row(school, district, client_for):
    """A mentee's pair history in both bases: a row per pair with the pair's last mentor; a row per mentor
    link and mentee, dated by the link."""
    start, replaced_on, closed_on = (TODAY - datetime.timedelta(days=days) for days in (50, 30, 20))
    first_mentor = teacher(school, last_name="Первая", position="Учитель физики")
    second_mentor = teacher(school, last_name="Вторая", position="Учитель информатики")
    third_mentor = teacher(school, last_name="Третья")
    child = student(school, last_name="Ученик", class_name="7А")
    child.topics.add(Topic.objects.get(name="Цифровые навыки"))
    classmate = student(school, last_name="Одноклассник", class_name="7Б")
    prog = factories.ProgrammeFactory(organisation=school)
    first = services.form_pair(programme=prog, mentor=first_mentor, mentees=[child], started_on=start)
    services.replace_mentor(first, new_mentor=second_mentor, on=replaced_on, reason="Переход в другую школу")
    services.close_pair(first, status=Pair.Status.COMPLETED, on=closed_on, results="Призёр олимпиады",
                        best_practice="https://school.example/case/1")
    rejected = services.form_pair(programme=prog, mentor=teacher(school, last_name="Отклонённая"), mentees=[child],
                                  started_on=TODAY)
    Pair.objects.filter(pk=rejected.pk).update(status=Pair.Status.REJECTED)  # never worked: not in the bases
    services.form_pair(programme=prog, mentor=third_mentor, mentees=[child, classmate], started_on=TODAY)
    client = client_for(district.curator1)

    def day(date):
        return datetime.datetime.combine(date, datetime.time())

    # Rows as tuples of every column: the reader leaves trailing empty cells out of its dicts.
    mentee_columns = ("ФИО наставляемого", "Контактные данные (или родителей/законных представителей)",
                      "Год рождения", "Основной запрос", "Дата вхождения в программу", "ФИО наставника",
                      "Место работы/учёбы наставника", "Форма наставничества", "Место реализации программы",
                      "Дата завершения", "Результаты программы", "Ссылка на кейс/отзыв", "Ссылка на фотоотчёт")
    mentees = [tuple(row.get(column) for column in mentee_columns)
               for row in read_xlsx(base_response(client, "mentees"))
               if row["ФИО наставляемого"] == "Ученик Иван Петрович"]
    child_columns = ("Ученик Иван Петрович", "законный представитель: Родитель Иван (отец)",
                     child.participant.birth_date.year, "Цифровые навыки; Подготовка к олимпиаде по математике",
                     day(child.joined_on))
    form_and_place = ("учитель – ученик", "МБОУ СОШ № 1")
    closed_pair = ("Призёр олимпиады", "https://school.example/case/1", None)
    open_pair = (None, None, None)
    assert mentees == [
        (*child_columns, "Вторая Иван Петрович", "МБОУ СОШ № 1, Учитель информатики", *form_and_place,
         day(closed_on), *closed_pair),
        (*child_columns, "Третья Иван Петрович", "МБОУ СОШ № 1, Учитель математики", *form_and_place,
         None, *open_pair),
    ]

    pair_columns = ("ФИО наставника", "Основной запрос наставляемого", "ФИО наставляемого",
                    "Место учёбы наставляемого", "Форма наставничества", "Место реализации программы", "Сроки",
                    "Результаты", "Ссылки на кейсы/отзывы", "Ссылка на фотоотчёт")
    mentors = [tuple(row.get(column) for column in pair_columns)
               for row in read_xlsx(base_response(client, "mentors"))
               if row["ФИО наставника"].split()[0] in ("Первая", "Вторая", "Третья")]
    request = "Цифровые навыки; Подготовка к олимпиаде по математике"
    assert mentors == [
        ("Вторая Иван Петрович", request, "Ученик Иван Петрович", "МБОУ СОШ № 1, 7А", *form_and_place,
         f"{replaced_on:%d.%m.%Y} – {closed_on:%d.%m.%Y}", *closed_pair),
        ("Первая Иван Петрович", request, "Ученик Иван Петрович", "МБОУ СОШ № 1, 7А", *form_and_place,
         f"{start:%d.%m.%Y} – {replaced_on:%d.%m.%Y}", *closed_pair),
        ("Третья Иван Петрович", request, "Ученик Иван Петрович", "МБОУ СОШ № 1, 7А", *form_and_place,
         f"{TODAY:%d.%m.%Y} – …", *open_pair),
        ("Третья Иван Петрович", "Подготовка к олимпиаде по математике", "Одноклассник Иван Петрович",
         "МБОУ СОШ № 1, 7Б", *form_and_place, f"{TODAY:%d.%m.%Y} – …", *open_pair),
    ]


def test_the_bases_run_the_same_queries_for_every_chunk(school):
    """One query for the people, then per chunk: topics (and representatives), then the pairs' own queries."""
    prog = factories.ProgrammeFactory(organisation=school)
    pairs = [services.form_pair(programme=prog, mentor=teacher(school), mentees=[student(school), student(school)],
                                started_on=TODAY) for _ in range(3)]
    services.replace_mentor(pairs[0], new_mentor=teacher(school), on=TODAY, reason="Болезнь")
    people = Participant.objects.filter(pk__in=[
        person for pair in pairs for person in (*pair.mentor_links.values_list("mentor__participant", flat=True),
                                                *pair.memberships.values_list("mentee__participant", flat=True))
    ]).order_by("pk")
    bases = (
        # people, columns, details, pair_info, rows, queries per chunk
        (mentee_queryset(people), MENTEE_COLUMNS, add_mentee_details, mentee_pair_info, 6, 4),
        (mentor_queryset(people), MENTOR_COLUMNS, add_mentor_details, mentor_pair_info, 8, 4),
    )
    for queryset, columns, details, pair_info, expected_rows, per_chunk in bases:
        chunks = (queryset.count() + 1) // 2
        with CaptureQueriesContext(connection) as queries:
            rows = list(build_rows(queryset, columns, details=details, pair_info=pair_info, chunk_size=2))
        assert len(rows) == expected_rows
        assert len(queries) == 1 + per_chunk * chunks, [query["sql"] for query in queries]


def test_a_rejected_proposal_is_not_proposed_again(school):
    prog = factories.ProgrammeFactory(organisation=school)
    first_choice = teacher(school, capacity=1)
    teacher(school, capacity=1)
    student(school)
    proposals.propose_pairs(prog)
    proposal = Pair.objects.get(status=Pair.Status.PROPOSED)
    rejected_mentor = proposal.mentor_links.get().mentor
    services.reject_proposal(proposal)
    proposals.propose_pairs(prog)
    again = Pair.objects.get(status=Pair.Status.PROPOSED)
    assert again.mentor_links.get().mentor != rejected_mentor
    assert first_choice in (rejected_mentor, again.mentor_links.get().mentor)
