"""The pure matching algorithm (mentoring.matching): no database."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentoring.matching import (
    UNMATCHED_REASONS,
    MenteeCandidate,
    MentorCandidate,
    Weights,
    Wishes,
    base_score_matrix,
    feasibility_matrix,
    format_days,
    is_feasible,
    parse_meeting_days,
    propose,
    score,
)

TOPICS = {1: "Олимпиадная подготовка", 2: "Профориентация", 3: "Финансовая грамотность", 4: "Адаптация в коллективе"}


def mentor(id, participant_id=None, category="teacher", topics=(), age_min=None, age_max=None, days=(),
           capacity=1, capacity_left=None, age=None):
    return MentorCandidate(id=id, participant_id=participant_id or 1000 + id, category=category,
                           topics=frozenset(topics), age_min=age_min, age_max=age_max, meeting_days=frozenset(days),
                           capacity=capacity, capacity_left=capacity if capacity_left is None else capacity_left,
                           age=age)


def mentee(id, participant_id=None, category="student", topics=(), age=None, days=()):
    return MenteeCandidate(id=id, participant_id=participant_id or 2000 + id, category=category,
                           topics=frozenset(topics), age=age, meeting_days=frozenset(days))


def reason(result, code):
    found = [r for r in result.reasons if r.code == code]
    assert len(found) == 1, (code, result.reasons)
    return found[0]


# --------------------------------------------------------------------------- parse_meeting_days


@pytest.mark.parametrize("text, days", [
    ("вт, чт после 15:00", {1, 3}),
    ("пн–пт", {0, 1, 2, 3, 4}),
    ("Пн-Пт", {0, 1, 2, 3, 4}),
    ("пн — ср", {0, 1, 2}),
    ("пн. – ср.", {0, 1, 2}),
    ("Вторник-Четверг", {1, 2, 3}),
    ("пт–пн", {4, 5, 6, 0}),
    ("с понедельника по пятницу", {0, 1, 2, 3, 4}),
    ("будни", {0, 1, 2, 3, 4}),
    ("по будням после уроков", {0, 1, 2, 3, 4}),
    ("выходные", {5, 6}),
    ("в выходной день", {5, 6}),
    ("понедельник и среду", {0, 2}),
    ("по вторникам и четвергам", {1, 3}),
    ("по субботам и воскресеньям", {5, 6}),
    ("СБ", {5}),
    ("ВС утром", {6}),
    ("пятница", {4}),
    ("вт 15-17, чт 16-18", {1, 3}),
    ("ежедневно", set(range(7))),
    ("в любое время", set(range(7))),
    ("каждый день кроме субботы", {0, 1, 2, 3, 4, 6}),
    ("будни, кроме среды", {0, 1, 3, 4}),
    ("будни, кроме среды, по выходным", {0, 1, 3, 4, 5, 6}),
    ("кроме среды и пятницы", {0, 1, 3, 5, 6}),
    ("кроме воскресенья", {0, 1, 2, 3, 4, 5}),
    ("не в пятницу, будни", {0, 1, 2, 3}),
    ("среди недели", set()),  # not «среда»
    ("любимый день — среда", {2}),  # «любимый день» is not «любой день»
    ("после уроков", set()),
    ("по договорённости", set()),
    ("", set()),
    (None, set()),
])
def test_parse_meeting_days(text, days):
    assert parse_meeting_days(text) == frozenset(days)


@settings(max_examples=100, deadline=None)
@given(st.sets(st.integers(0, 6)))
def test_formatted_days_parse_back(days):
    assert parse_meeting_days(format_days(days)) == days


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_parse_meeting_days_never_fails(text):
    assert parse_meeting_days(text) <= frozenset(range(7))


# --------------------------------------------------------------------------- weights and wishes


def test_weights_from_mapping():
    assert Weights.from_mapping({}) == Weights()
    weights = Weights.from_mapping({"topics": 1, "mentor_wish": 0})
    assert (weights.topics, weights.age, weights.mentor_wish) == (1.0, 2.0, 0.0)
    assert Weights().total == 14.0
    with pytest.raises(ValueError):
        Weights.from_mapping({"topic": 1})
    with pytest.raises(ValueError):
        Weights(age=-1)
    with pytest.raises(ValueError):
        Weights(age=float("nan"))


def test_wishes_from_rows():
    wishes = Wishes.from_rows([("mentee", 1, 10, 1), ("mentor", 1, 10, 3), ("mentee", 2, 10, 2)])
    assert wishes.by_mentee == {(1, 10): 1, (2, 10): 2}
    assert wishes.by_mentor == {(1, 10): 3}
    with pytest.raises(ValueError):
        Wishes.from_rows([("parent", 1, 10, 1)])


# --------------------------------------------------------------------------- feasibility


def test_feasible_by_form_categories():
    teacher, student = mentor(1, category="teacher"), mentee(1, category="student")
    assert is_feasible(["teacher"], ["student"], teacher, student)
    assert not is_feasible(["student"], ["student"], teacher, student)
    assert not is_feasible(["teacher"], ["teacher"], teacher, student)
    assert is_feasible(["teacher", "employer"], ["student", "young_specialist"], teacher, student)


def test_nobody_mentors_themselves():
    # A student in both bases («ученик – ученик»): one participant, two profiles.
    as_mentor = mentor(1, participant_id=7, category="student")
    as_mentee = mentee(1, participant_id=7, category="student")
    assert not is_feasible(["student"], ["student"], as_mentor, as_mentee)
    assert is_feasible(["student"], ["student"], as_mentor, mentee(2, participant_id=8))


# --------------------------------------------------------------------------- score


def test_score_components_and_labels():
    m = mentor(1, topics={1, 2, 4}, age_min=12, age_max=17, days={1, 3, 5}, capacity=3, capacity_left=2)
    e = mentee(5, topics={1, 2, 3}, age=14, days={1, 3})
    wishes = Wishes(by_mentee={(5, 1): 1}, by_mentor={(5, 1): 3})
    result = score(m, e, Weights(), wishes, TOPICS)

    assert [r.code for r in result.reasons] == [
        "topics_match", "age_in_range", "days_match", "capacity", "mentee_wish", "mentor_wish"]
    topics = reason(result, "topics_match")
    assert topics.label == "Совпадают запросы: Олимпиадная подготовка, Профориентация (2 из 3)"
    assert topics.points == pytest.approx(5.0 * 2 / 3)
    assert reason(result, "age_in_range").label == "Возраст 14 — в желаемом диапазоне 12–17"
    assert reason(result, "age_in_range").points == 2.0
    days = reason(result, "days_match")
    assert days.label == "Удобные дни совпадают: вт, чт"
    assert days.points == pytest.approx(1.0 * 2 / 3)  # Jaccard {вт, чт} / {вт, чт, сб}
    assert reason(result, "capacity").label == "Свободно мест: 2 из 3"
    assert reason(result, "capacity").points == pytest.approx(2 / 3)
    assert reason(result, "mentee_wish").label == "Наставляемый выбрал этого наставника (1-е место)"
    assert reason(result, "mentee_wish").points == 3.0
    assert reason(result, "mentor_wish").label == "Наставник выбрал этого наставляемого (3-е место)"
    assert reason(result, "mentor_wish").points == pytest.approx(2.0 * 3 / 5)
    assert result.total == pytest.approx(sum(r.points for r in result.reasons))
    assert result.as_dict()["reasons"][0] == {"code": "topics_match", "label": topics.label, "points": topics.points}


def test_score_full_topic_match_has_no_fraction():
    result = score(mentor(1, topics={1, 2, 3}), mentee(1, topics={2, 1}), topic_names=TOPICS)
    assert reason(result, "topics_match").label == "Совпадают запросы: Олимпиадная подготовка, Профориентация"
    assert reason(result, "topics_match").points == 5.0


def test_score_zero_components_explain_themselves():
    m = mentor(1, topics={4}, age_min=12, age_max=17, days={0}, capacity=2, capacity_left=1)
    e = mentee(1, topics={1}, age=19, days={2})
    result = score(m, e, topic_names=TOPICS)
    assert reason(result, "topics_no_match").label == "Нет совпадений с запросами наставляемого: Олимпиадная подготовка"
    assert reason(result, "age_out_of_range").label == "Возраст 19 — вне желаемого диапазона 12–17"
    assert reason(result, "days_no_match").label == "Нет общих удобных дней (наставник: пн; наставляемый: ср)"
    assert [r.points for r in result.reasons] == [0.0, 0.0, 0.0, 0.5]
    assert result.total == 0.5


@pytest.mark.parametrize("age_min, age_max, age, code, points, label", [
    (None, None, 14, "age_no_preference", 1.0, "Наставник не указал желаемый возраст наставляемых"),
    (12, 17, None, "age_unknown", 1.0, "Возраст наставляемого неизвестен"),
    (12, None, 30, "age_in_range", 2.0, "Возраст 30 — в желаемом диапазоне от 12"),
    (None, 10, 11, "age_out_of_range", 0.0, "Возраст 11 — вне желаемого диапазона до 10"),
    (12, 17, 12, "age_in_range", 2.0, "Возраст 12 — в желаемом диапазоне 12–17"),
    (12, 17, 17, "age_in_range", 2.0, "Возраст 17 — в желаемом диапазоне 12–17"),
])
def test_score_age(age_min, age_max, age, code, points, label):
    result = score(mentor(1, age_min=age_min, age_max=age_max), mentee(1, age=age))
    assert reason(result, code).points == points
    assert reason(result, code).label == label


def test_score_without_topics_days_or_wishes():
    result = score(mentor(1, days={1}), mentee(1))
    assert reason(result, "topics_none").label == "Наставляемый не указал запросы"
    assert reason(result, "days_unknown").label == "Удобные дни не указаны у наставляемого"
    assert not [r for r in result.reasons if r.code.endswith("wish")]
    assert reason(score(mentor(1), mentee(1)), "days_unknown").label == (
        "Удобные дни не указаны у наставника и наставляемого")


def test_zero_weight_components_are_left_out():
    weights = Weights(topics=0, age=0, meeting_times=0, mentee_wish=0, mentor_wish=0)
    result = score(mentor(1, topics={1}), mentee(1, topics={1}), weights, Wishes({(1, 1): 1}, {(1, 1): 1}))
    assert [r.code for r in result.reasons] == ["capacity"]
    assert result.total == 1.0


def test_capacity_counts_seats_taken_in_this_proposal():
    m = mentor(1, capacity=3, capacity_left=3)
    first, third = score(m, mentee(1)), score(m, mentee(1), seats_taken=2)
    assert reason(first, "capacity").label == "Свободно мест: 3 из 3"
    assert reason(third, "capacity").points == pytest.approx(1 / 3)
    assert reason(third, "capacity").label == (
        "Свободно мест: 1 из 3 с учётом других наставляемых, предложенных этому наставнику в этом подборе")


# --------------------------------------------------------------------------- propose: examples


def test_curator_sees_why():
    anna = mentor(1, topics={1, 2}, age_min=12, age_max=17, days={1, 3}, capacity=2, capacity_left=2)
    boris = mentor(2, topics={3}, days={0}, capacity=1)
    petya = mentee(10, topics={1, 2}, age=14, days={1, 3, 4})
    masha = mentee(11, topics={3}, age=13, days={0})
    parent = mentee(12, category="parent")
    proposal = propose([anna, boris], [petya, masha, parent], mentor_categories=["teacher"],
                       mentee_categories=["student"], wishes=Wishes(by_mentee={(10, 1): 1}), topic_names=TOPICS)

    assert [(p.mentee_id, p.mentor_id) for p in proposal.pairs] == [(10, 1), (11, 2)]
    petya_pair = proposal.pairs[0]
    assert [r.label for r in petya_pair.score.reasons] == [
        "Совпадают запросы: Олимпиадная подготовка, Профориентация",
        "Возраст 14 — в желаемом диапазоне 12–17",
        "Удобные дни совпадают: вт, чт",
        "Свободно мест: 2 из 2",
        "Наставляемый выбрал этого наставника (1-е место)",
    ]
    assert [r.points for r in petya_pair.score.reasons] == pytest.approx([5.0, 2.0, 2 / 3, 1.0, 3.0])
    assert petya_pair.score.total == pytest.approx(5 + 2 + 2 / 3 + 1 + 3)
    assert [r.label for r in proposal.pairs[1].score.reasons] == [
        "Совпадают запросы: Финансовая грамотность",
        "Наставник не указал желаемый возраст наставляемых",
        "Удобные дни совпадают: пн",
        "Свободно мест: 1 из 1",
    ]
    assert [(u.mentee_id, u.reason_code, u.reason_label) for u in proposal.unmatched] == [
        (12, "mentee_category", "Категория наставляемого не подходит для этой формы наставничества")]
    assert proposal.total_score == pytest.approx(petya_pair.score.total + proposal.pairs[1].score.total)


def test_unmatched_reasons():
    kolya = mentor(1, category="student", participant_id=5, capacity=1)
    proposal = propose(
        [kolya, mentor(2, category="teacher")],
        [mentee(1, participant_id=5), mentee(2), mentee(3), mentee(4, category="teacher")],
        mentor_categories=["student"], mentee_categories=["student"],
    )
    assert len(proposal.pairs) == 1 and proposal.pairs[0].mentee_id in (2, 3)
    codes = {u.mentee_id: u.reason_code for u in proposal.unmatched}
    assert codes.pop(1) == "no_mentor"  # the only student mentor is Kolya himself
    assert codes.pop(4) == "mentee_category"
    assert list(codes.values()) == ["no_free_place"]  # Kolya's one seat went to the other student
    labels = {u.reason_code: u.reason_label for u in proposal.unmatched}
    assert labels["no_mentor"] == "Нет наставников этой формы наставничества"
    assert labels["no_free_place"] == "Не хватило свободных мест у подходящих наставников"


def test_forbidden_pairs_are_not_proposed():
    first, second = mentor(1), mentor(2)
    proposal = propose([first, second], [mentee(1, topics={1})], mentor_categories=["teacher"],
                       mentee_categories=["student"], forbidden_pairs={(1, 1)})
    assert [(p.mentee_id, p.mentor_id) for p in proposal.pairs] == [(1, 2)]
    proposal = propose([first], [mentee(1)], mentor_categories=["teacher"], mentee_categories=["student"],
                       forbidden_pairs={(1, 1)})
    assert [(u.reason_code, u.reason_label) for u in proposal.unmatched] == [
        ("all_forbidden", UNMATCHED_REASONS["all_forbidden"])]


@pytest.mark.parametrize("spare_mentor", [False, True])
def test_more_pairs_beat_better_pairs_along_a_long_augmenting_path(spare_mentor):
    # a — x only; b — x or y; c — y or z. The two excellent pairs b–x and c–y would leave a without a
    # mentor; the optimum pairs all three. A bonus of "one more than the best pair score" per pair
    # would pick the two excellent pairs (2 × (10 + 11) > 3 × 11). With the spare mentor w (b only)
    # not every seat can be filled, which takes the other branch of the solver; then a–x, b–w, c–y.
    x, y, z, w = mentor(1, topics={1}), mentor(2, topics={2}), mentor(3), mentor(4)
    a, b, c = mentee(1), mentee(2, topics={1}), mentee(3, topics={2})
    weights = Weights(topics=10, age=0, meeting_times=0, capacity=0, mentee_wish=0, mentor_wish=0)
    forbidden = {(1, 2), (1, 3), (2, 3), (1, 4), (3, 4)}
    proposal = propose([x, y, z, w] if spare_mentor else [x, y, z], [a, b, c], mentor_categories=["teacher"],
                       mentee_categories=["student"], weights=weights, forbidden_pairs=forbidden)
    pairs = sorted((p.mentee_id, p.mentor_id) for p in proposal.pairs)
    if spare_mentor:
        assert pairs == [(1, 1), (2, 4), (3, 2)]
        assert proposal.total_score == 10.0
    else:
        assert pairs == [(1, 1), (2, 2), (3, 3)]
        assert proposal.total_score == 0.0


def test_load_spreads_over_mentors():
    # Equal in everything but capacity: two mentees go to two mentors, not both to the roomier one.
    roomy, small = mentor(1, capacity=3), mentor(2, capacity=2)
    proposal = propose([roomy, small], [mentee(1), mentee(2)], mentor_categories=["teacher"],
                       mentee_categories=["student"])
    assert sorted(p.mentor_id for p in proposal.pairs) == [1, 2]


def test_empty_inputs():
    assert propose([], [], mentor_categories=["teacher"], mentee_categories=["student"]).pairs == []
    proposal = propose([], [mentee(1)], mentor_categories=["teacher"], mentee_categories=["student"])
    assert [u.reason_code for u in proposal.unmatched] == ["no_mentor"]
    proposal = propose([mentor(1, capacity_left=0)], [mentee(1)], mentor_categories=["teacher"],
                       mentee_categories=["student"])
    assert [u.reason_code for u in proposal.unmatched] == ["no_free_place"]
    assert propose([mentor(1)], [], mentor_categories=["teacher"], mentee_categories=["student"]).pairs == []


def test_duplicate_ids_are_an_error():
    with pytest.raises(ValueError):
        propose([mentor(1), mentor(1)], [], mentor_categories=["teacher"], mentee_categories=["student"])


# --------------------------------------------------------------------------- propose: properties

CATEGORIES = ("student", "teacher", "employer")
weight_values = st.one_of(st.just(0.0), st.sampled_from([0.5, 1.0, 2.0, 3.0, 5.0, 20.0]),
                          st.floats(0, 10, allow_nan=False))


@st.composite
def instances(draw):
    n_mentors, n_mentees = draw(st.integers(1, 4)), draw(st.integers(1, 6))  # empty inputs: test_empty_inputs
    people = st.integers(1, 6)  # shared between the bases, so self-pairs happen
    topic_sets = st.frozensets(st.integers(1, 4), max_size=3)
    day_sets = st.frozensets(st.integers(0, 6), max_size=4)
    ages = st.one_of(st.none(), st.integers(10, 20))
    mentors = []
    for j in range(1, n_mentors + 1):
        low, high = draw(ages), draw(ages)
        if low is not None and high is not None and low > high:
            low, high = high, low
        capacity_left = draw(st.integers(0, 3))
        capacity = draw(st.integers(max(1, capacity_left - 1), 4))  # now and then more left than capacity
        mentors.append(MentorCandidate(j, draw(people), draw(st.sampled_from(CATEGORIES)), draw(topic_sets), low,
                                       high, draw(day_sets), capacity, capacity_left, age=draw(ages)))
    mentees = [MenteeCandidate(100 + i, draw(people), draw(st.sampled_from(CATEGORIES)), draw(topic_sets),
                               draw(ages), draw(day_sets)) for i in range(n_mentees)]
    keys = [(e.id, m.id) for e in mentees for m in mentors]
    ranks = st.integers(1, 5)
    wishes = Wishes(
        by_mentee=draw(st.dictionaries(st.sampled_from(keys), ranks, max_size=6)) if keys else {},
        by_mentor=draw(st.dictionaries(st.sampled_from(keys), ranks, max_size=6)) if keys else {},
    )
    forbidden = draw(st.sets(st.sampled_from(keys), max_size=4)) if keys else set()
    weights = Weights(**{name: draw(weight_values) for name in
                         ("topics", "age", "meeting_times", "capacity", "mentee_wish", "mentor_wish")})
    form = {
        "mentor_categories": draw(st.frozensets(st.sampled_from(CATEGORIES), min_size=2)),
        "mentee_categories": draw(st.frozensets(st.sampled_from(CATEGORIES), min_size=2)),
    }
    return mentors, mentees, form, weights, wishes, forbidden


def brute_force(mentors, mentees, form, weights, wishes, forbidden):
    """(pairs, total score) of the best assignment, by enumerating all of them with the scalar score()."""
    value = {}
    for i, e in enumerate(mentees):
        for j, m in enumerate(mentors):
            allowed = (e.id, m.id) not in forbidden
            if allowed and is_feasible(form["mentor_categories"], form["mentee_categories"], m, e):
                for k in range(max(0, m.capacity_left)):
                    value[i, j, k] = score(m, e, weights, wishes, seats_taken=k).total
    load = [0] * len(mentors)
    best = [(-1, -math.inf)]

    def walk(i, pairs, total):
        if i == len(mentees):
            best[0] = max(best[0], (pairs, total))
            return
        walk(i + 1, pairs, total)
        for j in range(len(mentors)):
            if (i, j, load[j]) in value:
                load[j] += 1
                walk(i + 1, pairs + 1, total + value[i, j, load[j] - 1])
                load[j] -= 1

    walk(0, 0, 0.0)
    return best[0]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(instances())
def test_proposal_is_valid_and_optimal(instance):
    mentors, mentees, form, weights, wishes, forbidden = instance
    proposal = propose(mentors, mentees, weights=weights, wishes=wishes, forbidden_pairs=forbidden, **form)
    by_id = {m.id: m for m in mentors}
    mentee_by_id = {e.id: e for e in mentees}

    paired = [p.mentee_id for p in proposal.pairs]
    assert len(paired) == len(set(paired)), "a mentee is paired twice"
    assert sorted(paired + [u.mentee_id for u in proposal.unmatched]) == sorted(mentee_by_id)
    for mentor_id, m in by_id.items():
        load = sum(p.mentor_id == mentor_id for p in proposal.pairs)
        assert load <= max(0, m.capacity_left)
    for pair in proposal.pairs:
        m, e = by_id[pair.mentor_id], mentee_by_id[pair.mentee_id]
        assert is_feasible(form["mentor_categories"], form["mentee_categories"], m, e)
        assert (e.id, m.id) not in forbidden
        assert pair.score.total == pytest.approx(math.fsum(r.points for r in pair.score.reasons), abs=1e-9)
    for unmatched in proposal.unmatched:
        assert unmatched.reason_label == UNMATCHED_REASONS[unmatched.reason_code]

    best_pairs, best_total = brute_force(mentors, mentees, form, weights, wishes, forbidden)
    assert len(proposal.pairs) == best_pairs
    assert proposal.total_score == pytest.approx(best_total, abs=1e-6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(instances())
def test_vectorised_scores_equal_the_explained_ones(instance):
    """The solver's numbers (base_score_matrix + capacity) are the numbers the explanations add up to."""
    mentors, mentees, form, weights, wishes, _ = instance
    base = base_score_matrix(mentors, mentees, weights, wishes)
    feasible = feasibility_matrix(mentors, mentees, **form)
    for i, e in enumerate(mentees):
        for j, m in enumerate(mentors):
            assert feasible[i, j] == is_feasible(form["mentor_categories"], form["mentee_categories"], m, e)
            explained = score(m, e, weights, wishes)
            capacity = sum(r.points for r in explained.reasons if r.code == "capacity")
            assert base[i, j] + capacity == pytest.approx(explained.total, abs=1e-9)


def test_seats_match_the_solver_values():
    """A mentor with several mentees: the seats' capacity points are (left - k) / capacity, best mentee first."""
    m = mentor(1, capacity=4, capacity_left=3, topics={1})
    mentees = [mentee(1), mentee(2, topics={1}), mentee(3)]
    proposal = propose([m], mentees, mentor_categories=["teacher"], mentee_categories=["student"])
    capacity = {p.mentee_id: reason(p.score, "capacity").points for p in proposal.pairs}
    assert capacity[2] == pytest.approx(3 / 4)  # the best fit takes the first seat
    assert sorted(capacity.values()) == pytest.approx([1 / 4, 2 / 4, 3 / 4])
    assert np.isclose(proposal.total_score, 5.0 + 3 * 1.0 + 1.5)  # topics + age 0.5 × 2 each + seats


def test_a_student_mentors_only_younger_students():
    older, same = mentor(1, category="student", age=16), mentor(2, category="student", age=14)
    child = mentee(1, category="student", age=14)
    assert is_feasible(["student"], ["student"], older, child)
    assert not is_feasible(["student"], ["student"], same, child)
    assert is_feasible(["student"], ["student"], mentor(3, category="student"), child)  # age unknown
    assert is_feasible(["teacher"], ["student"], mentor(4, age=14), child)  # only peers are compared
    matrix = feasibility_matrix([older, same], [child], mentor_categories=["student"], mentee_categories=["student"])
    assert matrix.tolist() == [[True, False]]


@pytest.mark.parametrize("spare_mentee", [False, True])
def test_when_no_full_assignment_exists_the_most_pairs_are_counted_first(monkeypatch, spare_mentee):
    """Mentors 1 and 2 both fit mentee 1 alone: not every slot can be filled, so the solver's first try
    (the smaller side fully assigned) fails and Hopcroft–Karp counts the most pairs; a full assignment,
    the usual case, needs no count."""
    from mentoring.matching import proposal as module

    counted = []
    real = module.maximum_bipartite_matching
    monkeypatch.setattr(module, "maximum_bipartite_matching", lambda *a, **k: counted.append(1) or real(*a, **k))
    mentees = [mentee(1), mentee(2), mentee(3)] + ([mentee(4)] if spare_mentee else [])
    only_mentee_1 = {(e, m) for e in (2, 3, 4) for m in (1, 2)} | {(1, 3)}
    result = propose([mentor(1), mentor(2), mentor(3)], mentees, mentor_categories=["teacher"],
                     mentee_categories=["student"], forbidden_pairs=only_mentee_1)
    pairs = {(p.mentee_id, p.mentor_id) for p in result.pairs}
    assert len(pairs) == 2 and pairs & {(1, 1), (1, 2)} and pairs & {(2, 3), (3, 3), (4, 3)}
    assert [u.reason_code for u in result.unmatched] == ["no_free_place"] * (len(mentees) - 2)
    assert counted == [1]
    counted.clear()
    full = propose([mentor(1), mentor(2)], [mentee(1), mentee(2), mentee(3)], mentor_categories=["teacher"],
                   mentee_categories=["student"])
    assert len(full.pairs) == 2 and counted == []
