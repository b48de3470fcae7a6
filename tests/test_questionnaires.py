"""Questionnaires: the default sets, answers entered by a curator, personal links that work once, the
public page that reaches nothing else, scoping of every page, and query counts that do not grow."""

import datetime
import re
from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from tests.clients import CsrfClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monitoring import links
from monitoring import questionnaires as svc
from monitoring.models import Answer, Question, Questionnaire, Response
from tests import factories

NOW = timezone.now()
TODAY = timezone.localdate()
DEFAULTS = import_module("monitoring.migrations.0002_default_questionnaires")


# --- helpers -----------------------------------------------------------------------------------------


@pytest.fixture
def survey(db):
    """A small questionnaire for mentees: a required 1–5 scale, a required choice, an optional text."""
    questionnaire = Questionnaire.objects.create(title="Проверочная анкета",
                                                 kind=Questionnaire.Kind.MENTEE_SATISFACTION,
                                                 description="Оцените работу с наставником.")
    scale = Question.objects.create(questionnaire=questionnaire, position=1, type=Question.Type.SCALE_5,
                                    text="Насколько вы удовлетворены работой с наставником?")
    choice = Question.objects.create(questionnaire=questionnaire, position=2, type=Question.Type.CHOICE,
                                     text="Хотели бы вы продолжить?", choices=["Да", "Нет"])
    text = Question.objects.create(questionnaire=questionnaire, position=3, type=Question.Type.TEXT,
                                   text="Что было самым полезным?", required=False)
    questionnaire.scale, questionnaire.choice, questionnaire.text = scale, choice, text
    return questionnaire


def mentee(organisation, **participant):
    person = factories.MenteeProfileFactory(participant__organisation=organisation,
                                            **{f"participant__{k}": v for k, v in participant.items()}).participant
    factories.consent_for(person)
    return person


def mentor(organisation):
    person = factories.MentorProfileFactory(participant__organisation=organisation).participant
    factories.consent_for(person)
    return person


def post_data(survey, participant=None, scale="4", choice="Да", text="", **extra):
    data = {f"q{survey.scale.pk}": scale, f"q{survey.choice.pk}": choice, f"q{survey.text.pk}": text, **extra}
    if participant is not None:
        data["participant"] = participant.pk
    return data


def answers(survey, scale="4", choice="Да", text=""):
    return {survey.scale.pk: scale, survey.choice.pk: choice, survey.text.pk: text}


def entered(survey, organisation, participant=None, by=None, scale="4"):
    participant = participant or mentee(organisation)
    response, _ = svc.enter_response(questionnaire=survey, organisation=organisation, participant=participant,
                                     answers=answers(survey, scale=scale), by=by)
    return response


def link_for(survey, participant, **kwargs):
    return links.issue_links(questionnaire=survey, participants=[participant], **kwargs)[0].response


def pair_with(organisation, mentor_participant, mentee_participant, form="учитель – ученик"):
    pair = factories.PairFactory(programme__organisation=organisation, programme__form_name=form,
                                 mentor=mentor_participant.mentor_profile, mentees=[mentee_participant.mentee_profile])
    return pair.programme, pair, pair.memberships.get()


# --- the default question sets ----------------------------------------------------------------------


def test_default_sets_cover_every_kind(db):
    kinds = set(Questionnaire.objects.values_list("kind", flat=True))
    # An intake questionnaire is each school's own («Чем я могу быть полезен»): no shared default.
    assert kinds == set(Questionnaire.Kind.values) - {Questionnaire.Kind.INTAKE}
    assert not Questionnaire.objects.filter(organisation__isnull=False).exists()
    for questionnaire in Questionnaire.objects.all():
        assert questionnaire.questions.count() >= 5, questionnaire
    mentee_set = Questionnaire.objects.get(title="Анкета удовлетворённости наставляемого")
    texts = list(mentee_set.questions.values_list("text", flat=True))
    assert "Насколько вы удовлетворены работой с наставником?" in texts
    assert "Насколько полезными были встречи с наставником?" in texts
    interim = Questionnaire.objects.get(kind=Questionnaire.Kind.INTERIM)
    assert interim.title == "Анкета обратной связи для промежуточной оценки"


def test_entry_and_exit_ask_the_same_scale_questions_with_dimensions(db):
    def scale_questions(kind):
        return list(Questionnaire.objects.get(kind=kind).questions.filter(
            type__in=(Question.Type.SCALE_5, Question.Type.SCALE_10)).values_list("text", "type", "dimension"))

    entry, exit_ = scale_questions(Questionnaire.Kind.ENTRY), scale_questions(Questionnaire.Kind.EXIT)
    assert entry == exit_
    assert all(dimension for _, _, dimension in entry)
    assert {dimension for _, _, dimension in entry} == {"motivation", "competence", "professional"}
    assert "старт-лист" in Questionnaire.objects.get(kind=Questionnaire.Kind.ENTRY).title


def test_a_questionnaire_specific_to_a_form(db):
    young = Questionnaire.objects.get(form__name="учитель – учитель")
    assert young.kind == Questionnaire.Kind.MENTEE_SATISFACTION
    assert "молодого специалиста" in young.title


def test_choice_questions_have_options_and_only_scales_measure_growth(db):
    for question in Question.objects.all():
        if question.type == Question.Type.CHOICE:
            assert len(question.choices) >= 2, question
        else:
            assert question.choices == [], question
        if question.dimension:
            assert question.scale_max, question


def test_seeding_again_adds_nothing_and_keeps_edits(db):
    edited = Question.objects.filter(questionnaire__kind=Questionnaire.Kind.CURATOR).first()
    edited.text = "Изменённая формулировка"
    edited.save()
    before = (Questionnaire.objects.count(), Question.objects.count())
    DEFAULTS.add_questionnaires(apps, None)
    assert (Questionnaire.objects.count(), Question.objects.count()) == before
    edited.refresh_from_db()
    assert edited.text == "Изменённая формулировка"


# --- validating answers -----------------------------------------------------------------------------


def errors_of(survey, **values):
    with pytest.raises(ValidationError) as error:
        svc.validate_answers(svc.active_questions(survey), answers(survey, **values))
    return {key: " ".join(messages) for key, messages in error.value.message_dict.items()}


def test_valid_answers_are_cleaned(survey):
    cleaned = svc.validate_answers(svc.active_questions(survey), answers(survey, scale=" 5 ", text=" хорошо "))
    assert [(a.question.pk, a.number, a.text) for a in cleaned] == [
        (survey.scale.pk, 5, ""), (survey.choice.pk, None, "Да"), (survey.text.pk, None, "хорошо"),
    ]


def test_an_empty_optional_question_gets_no_answer(survey):
    cleaned = svc.validate_answers(svc.active_questions(survey), answers(survey))
    assert survey.text.pk not in {a.question.pk for a in cleaned}


@pytest.mark.parametrize("value", ["0", "6", "-1", "4.5", "пять", "٣"])
def test_a_scale_answer_outside_1_to_max_is_refused_in_russian(survey, value):
    assert errors_of(survey, scale=value) == {survey.scale.pk: "Выберите оценку от 1 до 5."}


def test_a_ten_point_scale_accepts_ten(survey):
    survey.scale.type = Question.Type.SCALE_10
    survey.scale.save()
    assert svc.validate_answers([survey.scale], {survey.scale.pk: "10"})[0].number == 10


def test_a_choice_must_be_one_of_the_options(survey):
    assert errors_of(survey, choice="Может быть") == {survey.choice.pk: "Выберите один из предложенных вариантов."}


def test_required_questions_must_be_answered(survey):
    assert errors_of(survey, scale="", choice="  ") == {
        survey.scale.pk: "Ответьте на этот вопрос.", survey.choice.pk: "Ответьте на этот вопрос.",
    }


def test_a_text_answer_has_a_length_limit(survey):
    assert "не больше 5000 знаков" in errors_of(survey, text="а" * 5001)[survey.text.pk]


# --- a curator enters answers ---------------------------------------------------------------------------


def test_curator_enters_answers_on_behalf_of_a_participant(district, client_for, survey):
    person = mentee(district.school1)
    page = client_for(district.curator1).post(reverse("monitoring:response_create", args=[survey.pk]),
                                              post_data(survey, person, text="Подготовка к олимпиаде"))
    response = Response.objects.get()
    assert page.status_code == 302 and page["Location"] == reverse("monitoring:response_detail", args=[response.pk])
    assert (response.participant, response.organisation, response.entered_by) == (person, district.school1,
                                                                                 district.curator1)
    assert response.is_submitted and response.token is None
    assert {(a.question_id, a.number, a.text) for a in response.answers.all()} == {
        (survey.scale.pk, 4, ""), (survey.choice.pk, None, "Да"), (survey.text.pk, None, "Подготовка к олимпиаде"),
    }


def test_the_entry_form_renders_every_question(district, client_for, survey):
    mentee(district.school1, last_name="Соколова")
    page = client_for(district.curator1).get(reverse("monitoring:response_create", args=[survey.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Соколова" in html
    assert html.count('class="btn-check"') == 5
    assert 'value="Нет"' in html and "необязательно" in html


def test_an_invalid_scale_saves_nothing_and_says_why(district, client_for, survey):
    page = client_for(district.curator1).post(reverse("monitoring:response_create", args=[survey.pk]),
                                              post_data(survey, mentee(district.school1), scale="7"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Выберите оценку от 1 до 5." in html and "Ответы не сохранены" in html
    assert 'value="Да" checked' in html  # what was answered stays filled in
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_missing_answers_and_missing_participant_are_reported_together(district, client_for, survey):
    page = client_for(district.curator1).post(reverse("monitoring:response_create", args=[survey.pk]),
                                              post_data(survey, None, scale="", choice=""))
    html = page.content.decode()
    assert html.count("Ответьте на этот вопрос.") == 2
    assert "Выберите, кто отвечает." in html
    assert not Response.objects.exists()


def test_a_double_submit_stores_one_response(district, client_for, survey):
    client = client_for(district.curator1)
    data = post_data(survey, mentee(district.school1))
    first = client.post(reverse("monitoring:response_create", args=[survey.pk]), data)
    second = client.post(reverse("monitoring:response_create", args=[survey.pk]), data)
    assert Response.objects.count() == 1 and Answer.objects.count() == 2
    assert first["Location"] == second["Location"]


def test_different_answers_for_the_same_person_are_a_new_response(district, survey):
    person = mentee(district.school1)
    first = entered(survey, district.school1, person, by=district.curator1, scale="4")
    second = entered(survey, district.school1, person, by=district.curator1, scale="5")
    assert first != second


def test_a_participant_of_another_organisation_is_refused(district, survey):
    with pytest.raises(ValidationError) as error:
        svc.enter_response(questionnaire=survey, organisation=district.school1, participant=mentee(district.school2),
                           answers=answers(survey), by=district.curator1)
    assert "participant" in error.value.message_dict
    assert not Response.objects.exists()


def test_a_pair_ties_the_response_to_the_mentees_membership(district, survey):
    student, teacher = mentee(district.school1), mentor(district.school1)
    _, pair, membership = pair_with(district.school1, teacher, student)
    response, _ = svc.enter_response(questionnaire=survey, organisation=district.school1, participant=student,
                                     pair=pair, answers=answers(survey), by=district.curator1)
    assert (response.pair, response.membership) == (pair, membership)
    with pytest.raises(ValidationError) as error:
        svc.enter_response(questionnaire=survey, organisation=district.school1, participant=mentee(district.school1),
                           pair=pair, answers=answers(survey), by=district.curator1)
    assert error.value.message_dict["pair"] == ["Этот участник не состоит в выбранной паре."]


def test_the_curators_questionnaire_needs_no_participant(district, client_for):
    curator_set = Questionnaire.objects.get(kind=Questionnaire.Kind.CURATOR)
    data = {}
    for question in svc.active_questions(curator_set):
        data[f"q{question.pk}"] = question.choices[0] if question.choices else ("3" if question.scale_max else "")
    page = client_for(district.curator1).post(reverse("monitoring:response_create", args=[curator_set.pk]), data)
    assert page.status_code == 302
    response = Response.objects.get()
    assert response.participant is None and response.organisation == district.school1


# --- personal links -------------------------------------------------------------------------------------


def test_links_are_issued_with_a_default_expiry_of_14_days(district, survey):
    person = mentee(district.school1)
    issued = links.issue_links(questionnaire=survey, participants=[person], by=district.curator1, now=NOW)
    (link,) = issued
    assert link.created
    response = Response.objects.get()
    assert response.token and len(response.token) >= 40
    assert response.token_expires_at == NOW + datetime.timedelta(days=14)
    assert response.organisation == district.school1 and response.created_by == district.curator1
    assert not response.is_submitted and response.link_is_usable()


def test_reissuing_an_unused_link_extends_it_instead_of_multiplying(district, survey):
    person = mentee(district.school1)
    first = link_for(survey, person, now=NOW - datetime.timedelta(days=20))
    assert not first.link_is_usable()
    (again,) = links.issue_links(questionnaire=survey, participants=[person], days=7, now=NOW)
    assert not again.created and again.response.token == first.token
    assert Response.objects.count() == 1
    first.refresh_from_db()
    assert first.token_expires_at == NOW + datetime.timedelta(days=7) and first.link_is_usable()
    # A shorter period never shortens a link already given out.
    links.issue_links(questionnaire=survey, participants=[person], days=1, now=NOW)
    first.refresh_from_db()
    assert first.token_expires_at == NOW + datetime.timedelta(days=7)


def test_after_an_answer_a_new_link_is_a_new_response(district, survey):
    person = mentee(district.school1)
    links.submit_by_link(link_for(survey, person), answers=answers(survey))
    (again,) = links.issue_links(questionnaire=survey, participants=[person])
    assert again.created and Response.objects.count() == 2


def test_links_for_a_programmes_mentees_carry_their_pair(district, survey):
    student, teacher = mentee(district.school1), mentor(district.school1)
    programme, pair, membership = pair_with(district.school1, teacher, student)
    issued = links.issue_links(questionnaire=survey, programme=programme, role=links.Audience.MENTEES)
    assert [(i.response.participant, i.response.programme, i.response.pair, i.response.membership)
            for i in issued] == [(student, programme, pair, membership)]
    # A mentee's questionnaire goes to mentees, whatever was asked for.
    again = links.issue_links(questionnaire=survey, programme=programme, role=links.Audience.ALL)
    assert {i.response.participant for i in again} == {student}
    survey.kind = Questionnaire.Kind.INTERIM
    survey.save()
    both = links.issue_links(questionnaire=survey, programme=programme, role=links.Audience.ALL)
    assert {(i.response.participant, i.response.pair) for i in both} == {(student, pair), (teacher, pair)}
    assert Response.objects.count() == 2


def test_link_periods_and_archived_people_are_checked(district, survey):
    with pytest.raises(ValidationError):
        links.issue_links(questionnaire=survey, participants=[mentee(district.school1)], days=0)
    with pytest.raises(ValidationError) as error:
        links.issue_links(questionnaire=survey, participants=[mentee(district.school1, is_archived=True)])
    assert "в архиве" in error.value.messages[0]
    with pytest.raises(ValidationError):
        links.issue_links(questionnaire=survey, participants=[])
    assert not Response.objects.exists()


def test_curator_gets_a_table_of_links_to_copy_or_print(district, client_for, survey):
    people = [mentee(district.school1, last_name=name) for name in ("Алексеев", "Борисова")]
    client = client_for(district.curator1)
    url = reverse("monitoring:links_create", args=[survey.pk])
    page = client.post(url, {"participant": [p.pk for p in people], "days": "14"})
    html = page.content.decode()
    assert page.status_code == 200
    for response in Response.objects.all():
        assert f"http://testserver/q/{response.token}/" in html
    assert "Алексеев" in html and "Борисова" in html and "Напечатать" in html
    assert (timezone.localdate() + datetime.timedelta(days=14)).strftime("%d.%m.%Y") in html
    client.post(url, {"participant": [p.pk for p in people], "days": "14"})
    assert Response.objects.count() == 2
    assert "Алексеев" in client.get(url).content.decode()  # the unused links stay listed


def test_the_links_form_wants_someone(district, client_for, survey):
    page = client_for(district.curator1).post(reverse("monitoring:links_create", args=[survey.pk]),
                                              {"days": "14"})
    assert "Никто не выбран" in page.content.decode()
    assert not Response.objects.exists()


# --- the public page of a link ----------------------------------------------------------------------------


@pytest.fixture
def link(district, survey):
    person = mentee(district.school1, last_name="Засекреченная", first_name="Маша", patronymic="Игоревна",
                    phone="+7 900 000-00-00")
    return link_for(survey, person, by=district.curator1)


def test_the_public_page_shows_only_the_questionnaire(link, survey):
    page = CsrfClient().get(link.public_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert survey.title in html and survey.description in html and "МБОУ СОШ № 1" in html
    assert "Маша" in html
    for question in svc.active_questions(survey):
        assert question.text in html
    assert "Засекреченная" not in html and "Игоревна" not in html and "900" not in html
    assert "<a " not in html and "<nav" not in html
    assert "/registry/" not in html and "/mentoring/" not in html and "/monitoring/" not in html
    assert page["Referrer-Policy"] == "same-origin" and "no-store" in page["Cache-Control"]


def test_answering_by_link_works_once(link, survey):
    client = CsrfClient()
    page = client.post(link.public_url(), post_data(survey, text="Спасибо наставнику"))
    assert page.status_code == 200 and "Ваши ответы получены" in page.content.decode()
    link.refresh_from_db()
    assert link.is_submitted and link.entered_by is None
    assert link.answers.count() == 3

    again = client.post(link.public_url(), post_data(survey, scale="1"))
    assert again.status_code == 410
    assert "Ответы по этой ссылке уже получены" in again.content.decode()
    assert CsrfClient().get(link.public_url()).status_code == 410
    assert link.answers.count() == 3 and not link.answers.filter(number=1).exists()


def test_a_stale_second_submit_is_refused_by_the_conditional_update(link, survey):
    stale = Response.objects.get(pk=link.pk)
    links.submit_by_link(link, answers=answers(survey))
    with pytest.raises(links.LinkRefused) as refused:
        # The object was loaded before the first submit: only the database can tell.
        stale.submitted_at = None
        links.submit_by_link(stale, answers=answers(survey, scale="1"))
    assert refused.value.reason == links.LinkRefused.USED
    assert Answer.objects.filter(response=link).count() == 2


def test_invalid_answers_by_link_are_not_stored_and_the_link_stays_open(link, survey):
    page = CsrfClient().post(link.public_url(), post_data(survey, scale="9", choice=""))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Выберите оценку от 1 до 5." in html and "Ответьте на этот вопрос." in html
    link.refresh_from_db()
    assert not link.is_submitted and not link.answers.exists()


def test_an_expired_link_is_refused(district, survey):
    expired = link_for(survey, mentee(district.school1), now=NOW - datetime.timedelta(days=15))
    for page in (CsrfClient().get(expired.public_url()), CsrfClient().post(expired.public_url(), post_data(survey))):
        assert page.status_code == 410
        assert "Срок действия ссылки истёк" in page.content.decode()
    expired.refresh_from_db()
    assert not expired.is_submitted and not expired.answers.exists()


@pytest.mark.parametrize("token", ["x", "not-a-token", "a" * 43, "A" * 80, "a.b" * 15, "%00" * 15])
def test_unknown_or_malformed_tokens_answer_404(link, token):
    page = CsrfClient().get(f"/q/{token}/")
    assert page.status_code == 404
    assert "Проверочная анкета" not in page.content.decode()


def test_a_token_must_match_exactly(link):
    for wrong in (link.token.swapcase(), link.token[:-1], link.token + "a"):
        assert CsrfClient().get(reverse("questionnaire_answer", args=[wrong])).status_code == 404


def test_a_curators_response_has_no_link(district, survey):
    response = entered(survey, district.school1, by=district.curator1)
    assert response.token is None
    assert links.find_link(None) is None


def test_nothing_else_is_reachable_without_a_login(link):
    client = CsrfClient()
    assert client.get(link.public_url()).status_code == 200
    for url in ("/registry/participants/", reverse("monitoring:questionnaire_list"),
                reverse("monitoring:response_detail", args=[link.pk])):
        page = client.get(url)
        assert page.status_code == 302 and page["Location"].startswith(reverse("login")), url


# --- scoping of every page ----------------------------------------------------------------------------------


@pytest.fixture
def responses(district, survey):
    """Two answered responses in school 1, one in school 2, one in the other district."""
    return {
        "school1": [entered(survey, district.school1, mentee(district.school1, last_name="Первая"),
                            by=district.curator1),
                    entered(survey, district.school1, mentee(district.school1, last_name="Вторая"),
                            by=district.curator1, scale="2")],
        "school2": entered(survey, district.school2, mentee(district.school2, last_name="Третья"),
                           by=district.curator2),
        "foreign": entered(survey, district.foreign_school, mentee(district.foreign_school, last_name="Чужая")),
    }


def test_the_list_counts_only_responses_in_scope(district, client_for, survey, responses):
    link_for(survey, mentee(district.school1))
    row = re.compile(r"Проверочная анкета.*?</tr>", re.DOTALL)

    def counts(user):
        html = row.search(client_for(user).get(reverse("monitoring:questionnaire_list")).content.decode()).group(0)
        return [int(n) for n in re.findall(r'<td class="text-end">(\d+)</td>', html)]

    assert counts(district.curator1) == [3, 2, 1]  # questions, answered, waiting
    assert counts(district.curator2) == [3, 1]
    assert counts(district.municipal) == [3, 3, 1]
    assert counts(district.nobody) == [3, 0]


def test_the_detail_shows_own_responses_with_averages(district, client_for, survey, responses):
    url = reverse("monitoring:questionnaire_detail", args=[survey.pk])
    html = client_for(district.curator1).get(url).content.decode()
    assert "Первая" in html and "Вторая" in html
    assert "Третья" not in html and "Чужая" not in html
    assert "<strong>3,0</strong>" in html  # (4 + 2) / 2
    assert "внёс куратор" in html


def test_municipal_sees_the_district_read_only(district, client_for, survey, responses):
    client = client_for(district.municipal)
    html = client.get(reverse("monitoring:questionnaire_detail", args=[survey.pk])).content.decode()
    assert "Первая" in html and "Третья" in html and "Чужая" not in html
    assert reverse("monitoring:response_create", args=[survey.pk]) not in html
    response = responses["school1"][0]
    assert client.get(reverse("monitoring:response_detail", args=[response.pk])).status_code == 200
    assert client.get(reverse("monitoring:response_create", args=[survey.pk])).status_code == 403
    assert client.post(reverse("monitoring:links_create", args=[survey.pk]), {}).status_code == 403
    filtered = client.get(reverse("monitoring:questionnaire_detail", args=[survey.pk]),
                          {"organisation": district.school2.pk}).content.decode()
    assert "Третья" in filtered and "Первая" not in filtered


def test_another_schools_response_is_404(roles, responses):
    roles.expect(reverse("monitoring:response_detail", args=[responses["school1"][0].pk]))


def test_a_pending_link_is_shown_only_to_who_may_survey(district, client_for, survey):
    pending = link_for(survey, mentee(district.school1))
    url = reverse("monitoring:response_detail", args=[pending.pk])
    assert pending.token in client_for(district.curator1).get(url).content.decode()
    director_page = client_for(district.director1).get(url)
    assert director_page.status_code == 200 and pending.token not in director_page.content.decode()


def test_director_may_not_enter_answers_or_hand_out_links(district, client_for, survey):
    client = client_for(district.director1)
    person = mentee(district.school1)
    for name in ("monitoring:response_create", "monitoring:links_create"):
        url = reverse(name, args=[survey.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, post_data(survey, person)).status_code == 403
    assert not Response.objects.exists()


def test_working_group_member_may_survey(district, client_for, survey):
    page = client_for(district.member1).post(reverse("monitoring:response_create", args=[survey.pk]),
                                             post_data(survey, mentee(district.school1)))
    assert page.status_code == 302 and Response.objects.get().entered_by == district.member1


def test_no_entering_for_another_organisation(district, client_for, survey):
    client = client_for(district.curator2)
    for name in ("monitoring:response_create", "monitoring:links_create"):
        url = reverse(name, args=[survey.pk])
        assert client.get(url, {"organisation": district.school1.pk}).status_code == 404
        assert client.get(url, {"organisation": "x"}).status_code == 404
    # A participant of school 1 is not among curator 2's choices.
    page = client.post(reverse("monitoring:response_create", args=[survey.pk]),
                       post_data(survey, mentee(district.school1)))
    assert page.status_code == 200 and not Response.objects.exists()
    page = client.post(reverse("monitoring:links_create", args=[survey.pk]),
                       {"participant": [mentee(district.school1).pk], "days": "14"})
    assert page.status_code == 200 and not Response.objects.exists()


def test_a_user_with_several_organisations_chooses_one(district, client_for, survey):
    admin = factories.UserFactory(username="admin", is_superuser=True)
    client = client_for(admin)
    url = reverse("monitoring:response_create", args=[survey.pk])
    chooser = client.get(url).content.decode()
    assert "МБОУ СОШ № 2" in chooser and f"?organisation={district.school2.pk}" in chooser
    person = mentee(district.school2)
    page = client.post(f"{url}?organisation={district.school2.pk}", post_data(survey, person))
    assert page.status_code == 302 and Response.objects.get().organisation == district.school2


def test_an_inactive_questionnaire_takes_no_answers(district, client_for, survey):
    survey.is_active = False
    survey.save()
    client = client_for(district.curator1)
    assert client.get(reverse("monitoring:response_create", args=[survey.pk])).status_code == 404
    assert client.get(reverse("monitoring:links_create", args=[survey.pk])).status_code == 404
    assert "Проверочная анкета" not in client.get(reverse("monitoring:questionnaire_list")).content.decode()


@pytest.mark.parametrize("name", ["monitoring:questionnaire_list", "monitoring:questionnaire_detail"])
def test_pages_render_for_every_role(district, client_for, survey, responses, name):
    args = [] if name.endswith("list") else [survey.pk]
    for user in (district.observer, district.municipal, district.curator1, district.director1, district.member1,
                 district.nobody):
        assert client_for(user).get(reverse(name, args=args)).status_code == 200, user.username


# --- editing the shared question sets ---------------------------------------------------------------------


def formset_data(questions, changes=None, extra=()):
    """The edit form's POST for ``questions`` (in order), changes per question pk, extra new questions."""
    data = {"questionnaire-title": "Проверочная анкета", "questionnaire-description": "",
            "questionnaire-is_active": "on",
            "questions-TOTAL_FORMS": str(len(questions) + len(extra)), "questions-INITIAL_FORMS": str(len(questions)),
            "questions-MIN_NUM_FORMS": "0", "questions-MAX_NUM_FORMS": "1000"}
    rows = [{"id": q.pk, "position": q.position, "text": q.text, "type": q.type, "dimension": q.dimension,
             "required": "on" if q.required else "", "choices_text": "\n".join(q.choices),
             **(changes or {}).get(q.pk, {})} for q in questions] + list(extra)
    for index, row in enumerate(rows):
        for key, value in row.items():
            if value not in ("", None):
                data[f"questions-{index}-{key}"] = value
    return data


def test_only_municipal_curators_and_superusers_edit_questions(district, client_for, survey):
    url = reverse("monitoring:questionnaire_edit", args=[survey.pk])
    for user in (district.curator1, district.director1, district.member1, district.observer, district.nobody):
        assert client_for(user).get(url).status_code == 403, user.username
        assert client_for(user).post(url, formset_data([survey.scale])).status_code == 403
    assert client_for(district.municipal).get(url).status_code == 200
    admin = factories.UserFactory(username="admin", is_superuser=True)
    assert client_for(admin).get(url).status_code == 200
    assert survey.questions.count() == 3


def test_questions_are_added_reordered_edited_and_deleted(district, client_for, survey):
    questions = list(svc.active_questions(survey))
    data = formset_data(
        questions,
        {survey.scale.pk: {"position": "3", "text": "Насколько вы довольны наставником?"},
         survey.text.pk: {"DELETE": "on"}},
        extra=[{"position": "1", "text": "Сколько встреч было?", "type": "choice", "choices_text": "1–2\n3 и больше",
                "required": "on"}],
    )
    page = client_for(district.municipal).post(reverse("monitoring:questionnaire_edit", args=[survey.pk]), data)
    assert page.status_code == 302, page.context and page.context["formset"].errors
    assert list(svc.active_questions(survey).values_list("text", "position")) == [
        ("Сколько встреч было?", 1), ("Хотели бы вы продолжить?", 2), ("Насколько вы довольны наставником?", 3),
    ]
    assert Question.objects.get(text="Сколько встреч было?").choices == ["1–2", "3 и больше"]
    assert not Question.objects.filter(pk=survey.text.pk).exists()


def test_an_answered_question_is_retired_not_deleted(district, client_for, survey):
    response = entered(survey, district.school1, by=district.curator1)
    client = client_for(district.municipal)
    data = formset_data(list(svc.active_questions(survey)), {survey.scale.pk: {"DELETE": "on"}})
    assert client.post(reverse("monitoring:questionnaire_edit", args=[survey.pk]), data).status_code == 302
    survey.scale.refresh_from_db()
    assert survey.scale.is_retired and not survey.scale.required
    assert survey.scale not in svc.active_questions(survey)
    assert response.answers.filter(question=survey.scale, number=4).exists()
    # Left off the forms, still in the old response and in the detail page.
    entry = client_for(district.curator1).get(reverse("monitoring:response_create", args=[survey.pk])).content.decode()
    assert survey.scale.text not in entry
    assert survey.scale.text in client_for(district.curator1).get(
        reverse("monitoring:response_detail", args=[response.pk])).content.decode()
    # And it can come back.
    client.post(reverse("monitoring:questionnaire_edit", args=[survey.pk]), {"restore": survey.scale.pk})
    survey.scale.refresh_from_db()
    assert not survey.scale.is_retired and list(svc.active_questions(survey))[-1] == survey.scale


def test_a_retired_question_keeps_its_position_and_comes_back_last(district, survey):
    response = entered(survey, district.school1, by=district.curator1)
    Answer.objects.create(response=response, question=survey.text, text="Всё")
    assert not svc.remove_question(survey.text)  # answered: retired, not deleted
    assert not svc.remove_question(survey.scale)
    svc.renumber(survey)
    text, scale, choice = (Question.objects.get(pk=q.pk) for q in (survey.text, survey.scale, survey.choice))
    # Retired in that order, each at the position it had; the active set numbered on its own.
    assert (text.position, scale.position, choice.position) == (3, 1, 1)
    assert list(svc.retired_questions(survey)) == [text, scale] and scale.retired_at > text.retired_at
    assert list(svc.active_questions(survey)) == [choice]
    assert not scale.required and text.is_retired
    # A second submit of the same removal changes nothing.
    assert not svc.remove_question(scale)
    assert Question.objects.get(pk=scale.pk).retired_at == scale.retired_at
    # By default the active questions come first, then the retired ones in the order they were retired.
    assert list(survey.questions.all()) == [choice, text, scale]
    # Restored: at the end of the active set, optional until made required again.
    svc.restore_question(scale)
    svc.restore_question(scale)  # twice: still one move
    assert list(svc.active_questions(survey).values_list("pk", "position", "retired_at", "required")) == [
        (choice.pk, 1, None, True), (scale.pk, 2, None, False),
    ]
    assert list(svc.retired_questions(survey)) == [text]


MIGRATION = import_module("monitoring.migrations.0005_question_retired_at")


def test_the_migration_turns_far_positions_into_retired_questions_and_back(survey):
    # Before the migration, a retired question sat 10 000 positions further down.
    Question.objects.filter(pk=survey.scale.pk).update(position=10_001)
    Question.objects.filter(pk=survey.text.pk).update(position=10_003)
    MIGRATION.mark_retired(apps, None)
    rows = {q.pk: (q.position, q.is_retired) for q in survey.questions.all()}
    assert rows == {survey.scale.pk: (1, True), survey.choice.pk: (2, False), survey.text.pk: (3, True)}
    assert list(svc.active_questions(survey)) == [survey.choice]
    assert list(svc.retired_questions(survey)) == [survey.scale, survey.text]
    MIGRATION.unmark_retired(apps, None)
    rows = {q.pk: (q.position, q.retired_at) for q in survey.questions.all()}
    assert rows == {survey.scale.pk: (10_001, None), survey.choice.pk: (2, None), survey.text.pk: (10_003, None)}


def test_an_answered_question_keeps_its_type_and_chosen_options(district, client_for, survey):
    entered(survey, district.school1, by=district.curator1)
    url = reverse("monitoring:questionnaire_edit", args=[survey.pk])
    client = client_for(district.municipal)
    # The type is not even editable on the page; a forged one is ignored, and the service refuses it too.
    assert 'disabled id="id_questions-0-type"' in client.get(url).content.decode()
    client.post(url, formset_data(list(svc.active_questions(survey)), {survey.scale.pk: {"type": "scale_10"}}))
    with pytest.raises(ValidationError) as error:
        svc.check_question_change(survey.scale, type=Question.Type.SCALE_10, choices=[])
    assert "тип ответа изменить нельзя" in error.value.message_dict["type"][0]
    page = client.post(url, formset_data(list(svc.active_questions(survey)),
                                         {survey.choice.pk: {"choices_text": "Нет\nНе знаю"}}))
    assert page.status_code == 200 and "«Да»" in page.content.decode()
    survey.scale.refresh_from_db()
    survey.choice.refresh_from_db()
    assert survey.scale.type == Question.Type.SCALE_5 and survey.choice.choices == ["Да", "Нет"]
    # Rewording and adding an option are fine.
    page = client.post(url, formset_data(list(svc.active_questions(survey)),
                                         {survey.choice.pk: {"choices_text": "Да\nНет\nНе знаю",
                                                             "text": "Продолжите ли вы?"}}))
    assert page.status_code == 302
    survey.choice.refresh_from_db()
    assert survey.choice.choices == ["Да", "Нет", "Не знаю"] and survey.choice.text == "Продолжите ли вы?"


def test_question_shape_rules(district, client_for, survey):
    url = reverse("monitoring:questionnaire_edit", args=[survey.pk])
    page = client_for(district.municipal).post(url, formset_data(
        list(svc.active_questions(survey)),
        extra=[{"text": "Один вариант", "type": "choice", "choices_text": "Да"},
               {"text": "Текст с направлением", "type": "text", "dimension": "motivation"}],
    ))
    html = page.content.decode()
    assert "Укажите хотя бы два варианта" in html and "Направление роста измеряют только вопросы со шкалой" in html
    assert survey.questions.count() == 3


# --- query counts ------------------------------------------------------------------------------------------


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("user", ["curator1", "municipal"])
def test_list_and_detail_queries_do_not_grow_with_responses(district, client_for, survey, user):
    client = client_for(getattr(district, user))
    pages = [reverse("monitoring:questionnaire_list"), reverse("monitoring:questionnaire_detail", args=[survey.pk])]
    people = [mentee(district.school1) for _ in range(30)]
    for person in people[:3]:
        entered(survey, district.school1, person, by=district.curator1)
    for url in pages:
        queries(client, url)  # warm up
    few = [queries(client, url) for url in pages]
    for person in people[3:]:
        entered(survey, district.school1, person, by=district.curator1)
    link_for(survey, mentee(district.school2))
    assert [queries(client, url) for url in pages] == few
