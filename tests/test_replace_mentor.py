"""Replacing a mentor offers only those who can take the pair's mentees, ranked with reasons; the replaced
mentor is not ticked in advance at the pair's next meeting."""

import datetime

import pytest
from django.urls import reverse

from mentoring import eligibility, services
from mentoring.models import Pair
from registry.models import Consent, Participant, Topic
from tests import factories
from tests.test_pairs import TODAY, student, teacher


@pytest.fixture
def school(district):
    return district.school1


def replace_url(pair):
    return reverse("mentoring:replace_mentor", args=[pair.pk])


def offered(client, pair) -> list[int]:
    """The mentor pks of the form's choices, in order."""
    form = client.get(replace_url(pair)).context["form"]
    return [value for value, _label in form.fields["mentor"].choices if value != ""]


def problems_of(pair) -> dict:
    return {row.mentor: row.problems for row in eligibility.replacement_ranking(pair)}


@pytest.fixture
def pair(school):
    return services.form_pair(programme=factories.ProgrammeFactory(organisation=school), mentor=teacher(school, last_name="Прежняя"),
                              mentees=[student(school, last_name="Наставляемый")],
                              started_on=TODAY - datetime.timedelta(days=40))


def test_only_mentors_who_can_take_the_mentee_are_offered_each_exclusion_with_its_reason(school, district,
                                                                                        client_for, pair):
    fits = teacher(school, last_name="Подходящая")
    never_consented = teacher(school, consent=False, last_name="Безсогласия")
    expired = teacher(school, last_name="Истёкшее")
    Consent.objects.filter(participant=expired.participant).update(valid_until=TODAY - datetime.timedelta(days=1))
    revoked = teacher(school, last_name="Отозвавшая")
    revoked.participant.consents.get().revoke(on=TODAY, reason="отзыв")
    full = teacher(school, capacity=1, last_name="Занятая")
    services.form_pair(programme=pair.programme, mentor=full, mentees=[student(school)], started_on=TODAY)
    wrong_form = factories.MentorProfileFactory(participant__organisation=school,
                                                participant__category=Participant.Category.EMPLOYER)
    factories.consent_for(wrong_form.participant)
    archived = teacher(school, last_name="Архивная")
    archived.participant.archive(reason="уволилась")
    elsewhere = teacher(district.school2, last_name="Чужая")

    problems = problems_of(pair)
    assert problems[fits] == []
    assert problems[never_consented] == ["нет действующего согласия"]
    assert problems[expired] == ["нет действующего согласия"]
    assert problems[revoked] == ["нет действующего согласия"]
    assert problems[full] == ["нет свободных мест: наставляемых уже 1 из 1"]
    for absent in (wrong_form, archived, elsewhere, pair.current_mentor_link.mentor):
        assert absent not in problems  # not of this form, organisation or the current mentor: not even listed

    client = client_for(district.curator1)
    assert offered(client, pair) == [fits.pk]
    page = client.get(replace_url(pair)).content.decode()
    assert "Не могут заменить: 4" in page and "нет свободных мест" in page

    # A mentor who was not offered cannot be posted either.
    response = client.post(replace_url(pair), {"mentor": full.pk, "on": TODAY.isoformat(), "reason": "болезнь"})
    assert response.status_code == 200 and response.context["form"].errors["mentor"]
    assert pair.mentor_links.count() == 1
    response = client.post(replace_url(pair), {"mentor": fits.pk, "on": TODAY.isoformat(), "reason": "болезнь"})
    assert response.status_code == 302
    assert pair.mentor_links.get(ended_on__isnull=True).mentor == fits


def test_a_group_needs_a_place_for_every_mentee(school):
    mentor = teacher(school, capacity=3)
    group = services.form_pair(programme=factories.ProgrammeFactory(organisation=school), mentor=mentor, mentees=[student(school), student(school)],
                               started_on=TODAY)
    one_place, two_places = teacher(school, capacity=1), teacher(school, capacity=2)
    problems = problems_of(group)
    assert problems[one_place] == ["нет свободных мест для всей группы: свободно 1, нужно 2"]
    assert problems[two_places] == []


def test_peer_form_excludes_a_younger_student_and_an_outsider_without_a_certificate(school):
    prog = factories.ProgrammeFactory(organisation=school, form_name="ученик – ученик")
    senior = student(school, age=17, last_name="Старшеклассник")
    senior_profile = factories.MentorProfileFactory(participant=senior.participant, capacity=2)
    mentee = student(school, age=12)
    peer_pair = services.form_pair(programme=prog, mentor=senior_profile, mentees=[mentee], started_on=TODAY)
    older = factories.MentorProfileFactory(participant=student(school, age=16).participant, capacity=1)
    younger = factories.MentorProfileFactory(participant=student(school, age=12).participant, capacity=1)
    graduate = factories.MentorProfileFactory(
        participant=factories.ParticipantFactory(organisation=school, category=Participant.Category.GRADUATE,
                                                 birth_date=datetime.date(2000, 1, 1), class_name=""))
    factories.consent_for(graduate.participant)
    problems = problems_of(peer_pair)
    assert problems[older] == []
    assert problems[younger] == ["обучающийся-наставник не старше наставляемого"]
    assert problems[graduate] == ["нет справки об отсутствии судимости"]


def test_candidates_are_ranked_by_the_matching_score_with_its_reasons(school, district, client_for, pair):
    topic = Topic.objects.get(name="Олимпиадная подготовка")
    pair.memberships.get().mentee.topics.add(topic)
    plain = teacher(school, last_name="Обычная")
    best = teacher(school, last_name="Олимпиадная")
    best.topics.add(topic)
    ranking = [row for row in eligibility.replacement_ranking(pair) if row.available]
    assert [row.mentor for row in ranking] == [best, plain]
    assert ranking[0].score.total > ranking[1].score.total
    assert any("Олимпиадная подготовка" in reason.label for reason in ranking[0].score.reasons)
    client = client_for(district.curator1)
    assert offered(client, pair) == [best.pk, plain.pk]
    assert "Совпадают запросы: Олимпиадная подготовка" in client.get(replace_url(pair)).content.decode()


def test_the_replaced_mentor_is_not_ticked_at_the_next_meeting(school, district, client_for, pair):
    old = pair.current_mentor_link.mentor
    new = teacher(school, last_name="Новая")
    services.replace_mentor(pair, new_mentor=new, on=TODAY, reason="ходатайство", on_mentee_request=True)
    mentee = pair.memberships.get().mentee
    form = client_for(district.curator1).get(reverse("mentoring:meeting_create", args=[pair.pk])).context["form"]
    assert set(form.fields["attendees"].initial) == {new.participant_id, mentee.participant_id}
    # Still a choice: the former mentor may come to a handover meeting, ticked by hand.
    assert old.participant in form.fields["attendees"].queryset


def test_the_replacement_page_is_404_outside_and_403_for_a_reader(district, client_for, roles, pair):
    roles.expect(replace_url(pair), municipal=403)
    assert client_for(district.director1).get(replace_url(pair)).status_code == 403
    assert Pair.objects.get(pk=pair.pk).mentor_links.count() == 1
