"""The proposals of «Подобрать пары» in bulk: the table, confirm through a confirmation page, reject,
swap a mentor in a row; per-row failures, a double submit, the scope."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from mentoring import eligibility, proposals, services
from mentoring.models import Membership, MentorLink, Pair
from registry.models import Consent, Topic
from tests import factories
from tests.test_pairs import TODAY, student, teacher


@pytest.fixture
def school(district):
    return district.school1


def proposed(prog):
    return list(Pair.objects.filter(programme=prog, status=Pair.Status.PROPOSED).order_by("pk"))


def mentor_of(pair):
    return pair.mentor_links.get(ended_on__isnull=True).mentor


def mentee_of(pair):
    return pair.memberships.get().mentee


def texts(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def urls(prog):
    return reverse("mentoring:proposals", args=[prog.pk]), reverse("mentoring:proposal_confirm", args=[prog.pk])


def confirm_post(pairs, **choices):
    data = {"proposal": [p.pk for p in pairs], "confirmed": "1", "started_on": TODAY.isoformat()}
    for pair in pairs:
        data[f"mentor-{pair.pk}"] = choices.get(f"p{pair.pk}", mentor_of(pair).pk)
    return data


@pytest.fixture
def three(school):
    """Three proposals: each teacher has one place, so matching pairs them one to one."""
    prog = factories.ProgrammeFactory(organisation=school)
    for _ in range(3):
        teacher(school, capacity=1)
        student(school)
    proposals.propose_pairs(prog)
    return prog


# --- the table ------------------------------------------------------------------------------------------


def test_the_table_shows_each_proposal_with_reasons_warnings_and_eligible_alternatives(school, district,
                                                                                        client_for):
    topic = Topic.objects.get(name="Олимпиадная подготовка")
    prog = factories.ProgrammeFactory(organisation=school)
    strong = teacher(school, capacity=1, last_name="Сильная")
    strong.topics.add(topic)
    spare = teacher(school, capacity=2, last_name="Запасная")
    silent = teacher(school, capacity=2, last_name="Безсогласия", consent=False)
    eager = student(school, last_name="Олимпиадник")
    eager.topics.add(topic)
    proposals.propose_pairs(prog)
    pair = Pair.objects.get(programme=prog, status=Pair.Status.PROPOSED)
    assert mentor_of(pair) == strong

    response = client_for(district.curator1).get(urls(prog)[0])
    assert response.status_code == 200
    [row] = response.context["rows"]
    assert row.mentee == eager and row.mentor == strong and not row.problems
    assert any("Олимпиадная подготовка" in reason["label"] for reason in row.reasons)
    assert [alt.mentor for alt in row.alternatives] == [spare]  # the mentor without consent is not offered
    page = response.content.decode()
    assert f'name="mentor-{pair.pk}"' in page and f'value="{spare.pk}"' in page and f'value="{silent.pk}"' not in page

    # The proposed mentor's consent lapses: the row warns before anyone tries to confirm it.
    Consent.objects.filter(participant=strong.participant).update(valid_until=TODAY - datetime.timedelta(days=1))
    [row] = client_for(district.curator1).get(urls(prog)[0]).context["rows"]
    assert "нет действующего согласия" in row.problems


def test_a_mentor_offered_more_mentees_than_places_is_flagged(school, district, client_for):
    prog = factories.ProgrammeFactory(organisation=school)
    mentor = teacher(school, capacity=2)
    first, second = student(school), student(school)
    proposals.propose_pairs(prog)
    services.form_pair(programme=factories.ProgrammeFactory(organisation=school, form_name="учитель – учитель"), mentor=mentor,
                       mentees=[factories_young(school)], started_on=TODAY)
    rows = client_for(district.curator1).get(urls(prog)[0]).context["rows"]
    assert {r.mentee for r in rows} == {first, second}
    assert all("предложено наставляемых: 2, свободных мест: 1" in " ".join(r.problems) for r in rows)


def factories_young(org):
    from tests.test_pairs import young_specialist

    return young_specialist(org)


def test_a_mentor_filled_after_the_matching_is_flagged_with_todays_numbers(school, district, client_for):
    """The reasons are the matching day's («Свободно мест: 1 из 1»); the warning says what changed since."""
    prog = factories.ProgrammeFactory(organisation=school)
    mentor = teacher(school, capacity=1, last_name="Занятая")
    student(school)
    proposals.propose_pairs(prog)
    [pair] = proposed(prog)
    # Paired by hand after the matching: the proposal held no place.
    services.form_pair(programme=prog, mentor=mentor, mentees=[student(school)], started_on=TODAY)
    page = client_for(district.curator1).get(urls(prog)[0])
    [row] = page.context["rows"]
    assert any(reason["label"] == "Свободно мест: 1 из 1" for reason in row.reasons)
    assert row.problems == ["нет свободных мест: наставляемых уже 1 из 1"]
    html = page.content.decode()
    assert "Почему предложен (при подборе)" in html and "предупреждения — на сегодня" in html


@pytest.mark.parametrize("count", [2, 12])
def test_the_table_runs_a_constant_number_of_queries(school, district, client_for, django_assert_max_num_queries,
                                                     count):
    prog = factories.ProgrammeFactory(organisation=school)
    for _ in range(count):
        teacher(school, capacity=1).topics.add(Topic.objects.get(name="Олимпиадная подготовка"))
        student(school)
    proposals.propose_pairs(prog)
    client = client_for(district.curator1)
    with django_assert_max_num_queries(21):
        response = client.get(urls(prog)[0])
    assert len(response.context["rows"]) == count


# --- confirm --------------------------------------------------------------------------------------------


def test_confirming_goes_through_a_confirmation_page_then_confirms_every_selected_pair(three, district,
                                                                                       client_for):
    client = client_for(district.curator1)
    table, confirm = urls(three)
    pairs = proposed(three)
    data = {"proposal": [p.pk for p in pairs[:2]], **{f"mentor-{p.pk}": mentor_of(p).pk for p in pairs}}
    page = client.post(confirm, data)
    assert page.status_code == 200  # the confirmation page: nothing written yet
    assert "Будет подтверждено пар: 2." in page.content.decode()
    assert len(proposed(three)) == 3

    response = client.post(confirm, confirm_post(pairs[:2]))
    assert response.status_code == 302 and response.url == table
    assert "Подтверждено пар: 2." in texts(response)
    statuses = {p.pk: p.status for p in Pair.objects.filter(programme=three)}
    assert [statuses[p.pk] for p in pairs] == [Pair.Status.FORMING, Pair.Status.FORMING, Pair.Status.PROPOSED]
    assert Pair.objects.get(pk=pairs[0].pk).started_on == TODAY


def test_nothing_selected_confirms_nothing(three, district, client_for):
    response = client_for(district.curator1).post(urls(three)[1], {"confirmed": "1"})
    assert response.status_code == 302 and "Отметьте предложения" in texts(response)
    assert len(proposed(three)) == 3


def test_a_double_submit_of_the_confirmation_creates_no_duplicate_pairs(three, district, client_for):
    client = client_for(district.curator1)
    pairs = proposed(three)
    data = confirm_post(pairs)
    counts = (Pair.objects.count(), MentorLink.objects.count(), Membership.objects.count())
    first = client.post(urls(three)[1], data)
    assert "Подтверждено пар: 3." in texts(first)
    client.get(urls(three)[0])  # the messages are shown (and gone)
    second = client.post(urls(three)[1], data)
    assert "Уже сделано раньше (повторная отправка): 3." in texts(second)
    assert "Подтверждено" not in texts(second)
    assert (Pair.objects.count(), MentorLink.objects.count(), Membership.objects.count()) == counts
    assert set(Pair.objects.filter(programme=three).values_list("status", flat=True)) == {Pair.Status.FORMING}
    for pair in pairs:
        assert Pair.objects.filter(memberships__mentee=mentee_of(pair), status=Pair.Status.FORMING).count() == 1


def test_each_pair_is_confirmed_on_its_own_and_a_refused_one_says_why(school, district, client_for):
    prog = factories.ProgrammeFactory(organisation=school)
    good_mentor, full_mentor = teacher(school, capacity=1), teacher(school, capacity=1)
    for name in ("Первый", "Второй", "Третий"):
        student(school, last_name=name)
    teacher(school, capacity=1)
    proposals.propose_pairs(prog)
    pairs = proposed(prog)
    by_mentor = {mentor_of(p): p for p in pairs}
    # Meanwhile one mentor's only place is taken by hand, and one mentee's consent expires.
    services.form_pair(programme=factories.ProgrammeFactory(organisation=school, form_name="учитель – учитель"), mentor=full_mentor,
                       mentees=[factories_young(school)], started_on=TODAY)
    full = by_mentor[full_mentor]
    lapsed = next(p for p in pairs if p not in (full, by_mentor[good_mentor]))
    lapsed_mentee = mentee_of(lapsed)
    Consent.objects.filter(participant=lapsed_mentee.participant).update(valid_until=TODAY - datetime.timedelta(days=1))

    response = client_for(district.curator1).post(urls(prog)[1], confirm_post(pairs))
    messages = texts(response)
    assert "Подтверждено пар: 1." in messages
    assert f"{full_mentor.participant.full_name} → {mentee_of(full).participant.full_name}: " in messages
    assert "нет свободных мест" in messages
    assert f"→ {lapsed_mentee.participant.full_name}: " in messages and "нет действующего согласия" in messages
    status = dict(Pair.objects.filter(programme=prog).values_list("pk", "status"))
    assert status[by_mentor[good_mentor].pk] == Pair.Status.FORMING
    assert status[full.pk] == status[lapsed.pk] == Pair.Status.PROPOSED


def test_a_proposal_replaced_by_a_new_matching_run_is_reported_not_confirmed(three, district, client_for):
    old = proposed(three)
    data = confirm_post(old[:1])
    proposals.propose_pairs(three)  # the old proposals are deleted and written anew
    response = client_for(district.curator1).post(urls(three)[1], data)
    assert f"Предложение № {old[0].pk}: предложения больше нет" in texts(response)
    assert len(proposed(three)) == 3


# --- reject and swap ------------------------------------------------------------------------------------


def test_reject_selected_and_they_are_not_proposed_again(three, district, client_for):
    pairs = proposed(three)
    rejected = {(mentee_of(p).pk, mentor_of(p).pk) for p in pairs[:2]}
    client = client_for(district.curator1)
    response = client.post(urls(three)[0], {"action": "reject", "proposal": [p.pk for p in pairs[:2]]})
    assert response.status_code == 302 and "Отклонено предложений: 2." in texts(response)
    assert set(Pair.objects.filter(pk__in=[p.pk for p in pairs[:2]]).values_list("status", flat=True)) == {
        Pair.Status.REJECTED}
    again = client.post(urls(three)[0], {"action": "reject", "proposal": [pairs[0].pk]})
    assert "Уже сделано раньше" in texts(again)
    proposals.propose_pairs(three)
    assert not rejected & {(mentee_of(p).pk, mentor_of(p).pk) for p in proposed(three)}


def test_swap_a_mentor_in_a_row_recomputes_the_score(school, district, client_for):
    topic = Topic.objects.get(name="Профессиональное самоопределение")
    prog = factories.ProgrammeFactory(organisation=school)
    proposed_mentor = teacher(school, capacity=1, last_name="Предложенная")
    proposed_mentor.topics.add(topic)
    other = teacher(school, capacity=1, last_name="Другая")
    mentee = student(school)
    mentee.topics.add(topic)
    proposals.propose_pairs(prog)
    [pair] = proposed(prog)
    assert mentor_of(pair) == proposed_mentor
    before = pair.match_score
    response = client_for(district.curator1).post(urls(prog)[0], {"action": "swap", f"mentor-{pair.pk}": other.pk})
    assert "Наставник заменён в предложениях: 1." in texts(response)
    pair.refresh_from_db()
    assert mentor_of(pair) == other and pair.status == Pair.Status.PROPOSED
    assert pair.match_score < before
    assert not any("Профессиональное самоопределение" in r["label"] and r["points"] for r in pair.match_reasons)
    assert MentorLink.objects.filter(pair=pair).count() == 1


def test_a_mentor_who_may_not_take_the_mentee_is_refused_by_the_swap(school, district, client_for):
    prog = factories.ProgrammeFactory(organisation=school)
    teacher(school, capacity=1)
    student(school)
    silent = teacher(school, consent=False)
    full = teacher(school, capacity=1)
    services.form_pair(programme=factories.ProgrammeFactory(organisation=school, form_name="учитель – учитель"), mentor=full,
                       mentees=[factories_young(school)], started_on=TODAY)
    stranger = teacher(district.school2)
    proposals.propose_pairs(prog)
    [pair] = proposed(prog)
    mentor = mentor_of(pair)
    client = client_for(district.curator1)
    for candidate, reason in ((silent, "нет действующего согласия"), (full, "нет свободных мест"),
                              (stranger, "нельзя выбрать в этой программе")):
        response = client.post(urls(prog)[0], {"action": "swap", f"mentor-{pair.pk}": candidate.pk})
        assert reason in texts(response), candidate
        assert mentor_of(pair) == mentor
    # Confirming with such a choice refuses the row too, and leaves the proposal as it was.
    response = client.post(urls(prog)[1], confirm_post([pair], **{f"p{pair.pk}": silent.pk}))
    assert "нет действующего согласия" in texts(response)
    pair.refresh_from_db()
    assert pair.status == Pair.Status.PROPOSED and mentor_of(pair) == mentor


def test_confirming_with_another_mentor_swaps_and_confirms_in_one_step(three, district, client_for):
    pairs = proposed(three)
    spare = teacher(three.organisation, capacity=1, last_name="Новенькая")
    client = client_for(district.curator1)
    page = client.post(urls(three)[1], {"proposal": [pairs[0].pk], f"mentor-{pairs[0].pk}": spare.pk})
    assert "заменён" in page.content.decode()
    client.post(urls(three)[1], confirm_post(pairs[:1], **{f"p{pairs[0].pk}": spare.pk}))
    pair = Pair.objects.get(pk=pairs[0].pk)
    assert pair.status == Pair.Status.FORMING and mentor_of(pair) == spare


def test_bulk_services_report_rows_directly(three):
    pairs = proposed(three)
    result = proposals.reject_selected(three, pair_ids=[pairs[0].pk, 10**9])
    assert [row.pair_id for row in result.done] == [pairs[0].pk]
    assert [row.pair_id for row in result.failed] == [10**9]
    result = proposals.confirm_selected(three, choices={pairs[0].pk: None, pairs[1].pk: None}, started_on=TODAY)
    assert [row.pair_id for row in result.done] == [pairs[1].pk]
    assert "уже обработано" in " ".join(result.failed[0].messages)


# --- scope and hostile input --------------------------------------------------------------------------


def test_outsiders_get_404_and_readers_may_not_write(three, district, client_for, roles):
    table, confirm = urls(three)
    pairs = proposed(three)
    data = confirm_post(pairs)
    roles.expect(table, municipal=None)
    outside = {"owner": None, "municipal": None}
    roles.expect(table, method="post", data={"action": "reject", "proposal": [p.pk for p in pairs]}, **outside)
    roles.expect(confirm, method="post", data=data, **outside)
    director = client_for(district.director1)
    assert director.get(table).status_code == 200
    assert "Подтвердить выбранные" not in director.get(table).content.decode()
    assert director.post(confirm, data).status_code == 403
    assert director.post(table, {"action": "reject", "proposal": [p.pk for p in pairs]}).status_code == 403
    assert len(proposed(three)) == 3


def test_proposals_of_another_programme_cannot_be_reached_through_this_one(three, district, client_for):
    other = factories.ProgrammeFactory(organisation=district.school2)
    teacher(district.school2)
    student(district.school2)
    proposals.propose_pairs(other)
    [foreign] = proposed(other)
    client = client_for(district.curator1)
    response = client.post(urls(three)[1], confirm_post([foreign]))
    assert "предложения больше нет" in texts(response)
    client.post(urls(three)[0], {"action": "reject", "proposal": [foreign.pk]})
    assert Pair.objects.get(pk=foreign.pk).status == Pair.Status.PROPOSED


@pytest.mark.parametrize("data", [
    {"proposal": ["abc", "", "99999999999999999999999", "-1"], "confirmed": "1", "started_on": "вчера"},
    {"proposal": ["1"], "mentor-1": "x" * 500, "confirmed": "1"},
    {"action": "swap", "mentor-abc": "1", "mentor-": "", "mentor-5": "-3"},
    {"action": "reject", "proposal": ["\x00"]},
    {"action": "nonsense"},
])
def test_hostile_posts_never_fail(three, district, client_for, data):
    client = client_for(district.curator1)
    for url in urls(three):
        assert client.post(url, data).status_code in (200, 302)
    assert client.get(urls(three)[0], {"sort": "password", "page": "x", "per_page": "-1"}).status_code == 200
    assert len(proposed(three)) == 3


def test_eligibility_is_one_rule_for_the_table_and_the_candidates_page(three):
    pair = proposed(three)[0]
    mentee = eligibility.with_topics([mentee_of(pair)])
    table = eligibility.Pool(three, mentees=mentee).available(mentee)
    ranking = eligibility.rank_mentors(three, mentee[0])
    assert [r.mentor for r in table] == [r.mentor for r in ranking.rows if r.available]


def test_rejecting_one_proposal_from_its_page_asks_first(three, district, client_for):
    pair = proposed(three)[0]
    html = client_for(district.curator1).get(pair.get_absolute_url()).content.decode()
    form = html.split(f'action="{reverse("mentoring:pair_reject", args=[pair.pk])}"')[1].split("</form>")[0]
    assert 'data-confirm="Отклонить это предложение? Эту пару подбор больше не предложит."' in form
