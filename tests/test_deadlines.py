"""Every deadline shape of the documents, resolved to real dates over several academic years."""

import datetime

import pytest

from roadmaps.deadlines import DeadlineSpec, Window, on_day

D = datetime.date


def resolve(data, start_year, **kwargs):
    return DeadlineSpec.from_json(data).resolve(start_year, **kwargs)


@pytest.mark.parametrize("start_year", [2020, 2023, 2024, 2026])
def test_a_date_falls_in_the_right_calendar_year(start_year):
    # «до 20.10.2020» (seed 002) and «не позднее 30 декабря» (statistics, seed 002).
    assert resolve({"kind": "date", "month": 10, "day": 20}, start_year)[0].due_on == D(start_year, 10, 20)
    assert resolve({"kind": "date", "month": 12, "day": 30}, start_year)[0].due_on == D(start_year, 12, 30)
    assert resolve({"kind": "date", "month": 3, "day": 15}, start_year)[0].due_on == D(start_year + 1, 3, 15)


def test_first_decade_of_september_has_a_start():
    [window] = resolve({"kind": "date", "month": 9, "day": 10, "start_month": 9, "start_day": 1}, 2024)
    assert window == Window(D(2024, 9, 1), D(2024, 9, 10))


@pytest.mark.parametrize(("start_year", "expected"), [(2023, D(2024, 2, 29)), (2024, D(2025, 2, 28)),
                                                      (2027, D(2028, 2, 29))])
def test_29_february_in_leap_and_common_years(start_year, expected):
    assert resolve({"kind": "date", "month": 2, "day": 29}, start_year)[0].due_on == expected
    assert on_day(start_year, 2, 29) == expected


def test_month_and_span_of_months():
    # «май Х года», «сентябрь – октябрь 2023 года» (seed 003).
    assert resolve({"kind": "months", "from": 5, "to": 5}, 2023) == [Window(D(2024, 5, 1), D(2024, 5, 31))]
    assert resolve({"kind": "months", "from": 9, "to": 10}, 2023) == [Window(D(2023, 9, 1), D(2023, 10, 31))]
    # Across the new year: «декабрь – январь».
    assert resolve({"kind": "months", "from": 12, "to": 1}, 2023) == [Window(D(2023, 12, 1), D(2024, 1, 31))]
    # «май – сентябрь Х года» (seed 001): the spring before the school year.
    assert resolve({"kind": "months", "from": 5, "to": 9}, 2023) == [Window(D(2023, 5, 1), D(2023, 9, 30))]
    # February of a leap year ends on the 29th.
    assert resolve({"kind": "months", "from": 2, "to": 2}, 2023)[0].due_on == D(2024, 2, 29)


def test_offset_moves_preparation_to_the_spring_before():
    assert resolve({"kind": "months", "from": 5, "to": 5, "offset_years": -1}, 2024) == [
        Window(D(2024, 5, 1), D(2024, 5, 31))]


def test_during_the_year_and_by_schedule():
    assert resolve({"kind": "year"}, 2024) == [Window(D(2024, 9, 1), D(2025, 5, 31))]
    assert resolve({"kind": "schedule"}, 2024) == [Window(D(2024, 9, 1), D(2025, 5, 31))]
    # «С января 2022 года» (seed 000, 5.1.1).
    assert resolve({"kind": "year", "from": 1}, 2021) == [Window(D(2022, 1, 1), D(2022, 5, 31))]


def test_quarterly_yields_four_occurrences():
    windows = resolve({"kind": "quarterly"}, 2024)
    assert [w.due_on for w in windows] == [D(2024, 9, 30), D(2024, 12, 31), D(2025, 3, 31), D(2025, 6, 30)]
    assert windows[1].starts_on == D(2024, 10, 1)


def test_once_a_term_yields_four_occurrences():
    windows = resolve({"kind": "per_term"}, 2023)
    assert [w.due_on for w in windows] == [D(2023, 10, 31), D(2023, 12, 28), D(2024, 3, 22), D(2024, 5, 31)]
    assert all(w.starts_on <= w.due_on for w in windows)


def test_half_year_dates_are_the_municipality_setting():
    spec = {"kind": "half_year"}
    assert [w.due_on for w in resolve(spec, 2021)] == [D(2021, 12, 10), D(2022, 6, 10)]
    # Seed 002's district: 20 December and 20 May.
    assert [w.due_on for w in resolve(spec, 2020, half_year=((12, 20), (5, 20)))] == [D(2020, 12, 20), D(2021, 5, 20)]


def test_relative_to_another_item():
    # «в течение двух недель с даты определения модели».
    [window] = resolve({"kind": "relative", "after": "1.5", "days": 14}, 2024, anchor=D(2024, 10, 20))
    assert window == Window(D(2024, 10, 20), D(2024, 11, 3))
    with pytest.raises(ValueError):
        resolve({"kind": "relative", "after": "1.5", "days": 14}, 2024)


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "soon"},
        {"kind": "date", "month": 2, "day": 30},
        {"kind": "date", "month": 13, "day": 1},
        {"kind": "months", "from": 9},
        {"kind": "relative", "days": 14},
        {"kind": "relative", "after": "1.1", "days": -1},
        {"kind": "year", "offset_years": 5},
    ],
)
def test_invalid_specs_are_refused(data):
    with pytest.raises(ValueError):
        DeadlineSpec.from_json(data)


def test_json_round_trip_keeps_the_text():
    data = {"kind": "months", "text": "сентябрь – октябрь 2023 года", "from": 9, "to": 10}
    assert DeadlineSpec.from_json(data).to_json() == data
    assert DeadlineSpec.from_json(data).describe() == "сентябрь – октябрь 2023 года"
    assert DeadlineSpec(kind="date", month=10, day=20).describe() == "до 20 октября"
    assert DeadlineSpec(kind="months", from_month=9, to_month=10).describe() == "сентябрь – октябрь"


@pytest.mark.parametrize("data, start_year, expected", [
    # The seeds' words, made those of another year: one year is the due date's, two the start's and due's.
    ({"kind": "months", "text": "сентябрь 2024", "from": 9, "to": 9}, 2026, "сентябрь 2026"),
    ({"kind": "months", "text": "Октябрь 2024 – май 2025", "from": 10, "to": 5}, 2026, "Октябрь 2026 – май 2027"),
    ({"kind": "date", "text": "до 30.09.2020", "month": 9, "day": 30}, 2026, "до 30.09.2026"),
    # A calendar-year plan re-dated into a school year: February falls in the second calendar year.
    ({"kind": "date", "text": "До 15.02.2021", "month": 2, "day": 15}, 2026, "До 15.02.2027"),
    ({"kind": "months", "text": "Октябрь 2021", "from": 10, "to": 10}, 2026, "Октябрь 2026"),
    # The typical order's blank «Х года»: the spring before the launch, and a span from it.
    ({"kind": "months", "text": "май Х года", "from": 5, "to": 5, "offset_years": -1}, 2026, "май 2026 года"),
    ({"kind": "months", "text": "май-сентябрь Х года", "from": 5, "to": 9}, 2026, "май-сентябрь 2026 года"),
    ({"kind": "months", "text": "июнь Х года", "from": 6, "to": 6}, 2026, "июнь 2027 года"),
    ({"kind": "months", "text": "май Х года – июнь 2025 года", "from": 5, "to": 6}, 2026,
     "май Х года – июнь 2025 года"),  # a blank beside a real year: left as written
    ({"kind": "months", "text": "Октябрь, ноябрь 20213 года", "from": 10, "to": 11}, 2026,
     "Октябрь, ноябрь 20213 года"),  # a typo of the seed is no year
    ({"kind": "half_year", "text": "1 раз в полугодие (до 10 декабря 2023 и 10 июня 2024)"}, 2026,
     "1 раз в полугодие (до 10 декабря 2023 и 10 июня 2024)"),  # two occurrences: left as written
    ({"kind": "relative", "text": "в течение 14 дней, не позднее 2024", "after": "1.1", "days": 14}, 2026,
     "в течение 14 дней, не позднее 2024"),
])
def test_years_in_the_words_follow_the_academic_year(data, start_year, expected):
    spec = DeadlineSpec.from_json(data)
    dated = spec.dated_for(start_year)
    assert dated.text == expected
    assert dated.resolve(start_year) == spec.resolve(start_year) if not spec.is_relative else True
