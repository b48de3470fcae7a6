"""What a curator types wrong into a form is refused on the field, in Russian, the entered values kept and
nothing saved: a year of 1900 or 2200 (a slip of the keyboard), a place in a preference list beyond 5."""

import re

import pytest
from django.urls import reverse

from mentoring.models import Preference
from tests.create_forms import CREATE_VIEWS, cases, form_data, post

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_fields(data: dict) -> list[str]:
    # ``initial-…`` is the hidden copy of a field's first value (Django's show_hidden_initial), not typed.
    return [key for key, value in data.items()
            if isinstance(value, str) and ISO_DATE.fullmatch(value) and not key.startswith("initial-")]


def test_the_walk_meets_date_fields(world, client_for):
    with_dates = []
    for name in CREATE_VIEWS:
        case = cases(world)[name]
        if _date_fields(form_data(client_for(case.user, tokens=False), case)):
            with_dates.append(name)
    assert {"mentoring:group_meeting_create", "mentoring:plan_detail"} <= set(with_dates)


@pytest.mark.parametrize("name", CREATE_VIEWS)
def test_a_year_of_1900_or_2200_is_refused_on_the_field(name, world, client_for):
    # A meeting dated 01.01.1900 and an order dated 01.01.2200 were saved.
    case = cases(world)[name]
    client = client_for(case.user, tokens=False)
    data = form_data(client, case)
    before = case.count()
    for key in _date_fields(data):
        for typed in ("1900-01-01", "2200-01-01"):
            response = post(client, case, {**data, key: typed})
            assert response.status_code == 200, (key, typed, response.status_code)
            assert case.count() == before, f"{name}: {key}={typed} was saved"
            html = response.content.decode()
            assert f'value="{typed}"' in html, f"{name}: {key}={typed} not kept in the form"


def test_the_date_message_says_which_years(world, client_for):
    case = cases(world)["mentoring:group_meeting_create"]
    client = client_for(case.user, tokens=False)
    response = post(client, case, {**form_data(client, case), "held_on": "1900-01-01"})
    assert response.context["form"].errors["held_on"] == ["Проверьте год: допустимы даты с 2000 по 2100 год."]


def test_the_preference_form_speaks_russian_and_says_the_places(world, client_for):
    case = cases(world)["mentoring:preferences"]
    client = client_for(case.user, tokens=False)
    page = client.get(reverse("mentoring:preferences", args=[world["programme"].pk]))
    html = page.content.decode()
    assert "Mentee" not in html and "Mentor" not in html
    form = page.context["form"]
    assert (form["mentee"].label, form["mentor"].label) == ("Наставляемый", "Наставник")
    for rank in ("6", "99999999999", "0"):
        response = post(client, case, {**form_data(client, case), "rank": rank})
        assert response.status_code == 200
        assert "rank" in response.context["form"].errors, rank
        assert "preference_rank_1_to_5" not in response.content.decode()
    assert not Preference.objects.exists()


@pytest.mark.parametrize(("user", "offered"), [("curator1", True), ("municipal", False), ("director1", False),
                                               ("observer", False)])
def test_create_a_programme_is_offered_only_to_who_may(district, client_for, user, offered):
    # The list of forms offered everyone «создать программу»; a municipal curator got a 404 behind it.
    client = client_for(getattr(district, user))
    html = client.get(reverse("mentoring:form_list")).content.decode()
    create = reverse("mentoring:programme_create")
    assert (f'href="{create}?form=' in html) is offered
    if offered:
        assert client.get(create).status_code == 200


@pytest.mark.parametrize("typed", ["Сидоров😀", "<i>Смирнов</i>", '=HYPERLINK("http://evil","x")', "Петров2", "---"])
@pytest.mark.parametrize("field", ["last_name", "first_name", "patronymic"])
def test_a_name_takes_letters_only(world, client_for, field, typed):
    # A surname «Сидоров😀» or «=HYPERLINK(…)» was saved and went on into orders and consents.
    case = cases(world)["registry:participant_create"]
    client = client_for(case.user, tokens=False)
    before = case.count()
    response = post(client, case, {**form_data(client, case), field: typed})
    assert response.status_code == 200 and case.count() == before
    assert response.context["form"].errors[field] == [
        "Только буквы; части имени разделяются пробелом, дефисом или апострофом."]


@pytest.mark.parametrize("name", ["Анна-Мария", "Д'Артаньян", "Ахмед оглы", "Smith", "Ёлкина", "Андреи\u0306"])
def test_real_names_pass(world, client_for, name):
    case = cases(world)["registry:participant_create"]
    client = client_for(case.user, tokens=False)
    before = case.count()
    response = post(client, case, {**form_data(client, case), "first_name": name})
    assert response.status_code == 302 and case.count() == before + 1
