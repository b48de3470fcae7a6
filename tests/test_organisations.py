"""Organisation cards, head counts (the denominators of coverage) and academic years."""

import datetime

import pytest
from django.db import IntegrityError
from django.urls import reverse

from registry.models import AcademicYear, OrganisationHeadcount
from tests import factories


def test_academic_year_boundaries():
    assert AcademicYear.start_year_for(datetime.date(2025, 8, 31)) == 2024
    assert AcademicYear.start_year_for(datetime.date(2025, 9, 1)) == 2025
    year = AcademicYear(start_year=2024)
    assert str(year) == "2024/2025"
    assert (year.starts_on, year.ends_on) == (datetime.date(2024, 9, 1), datetime.date(2025, 8, 31))


def test_only_one_year_is_current(db):
    old = AcademicYear.objects.create(start_year=2024, is_current=True)
    new = AcademicYear.objects.create(start_year=2025)
    new.make_current()
    old.refresh_from_db()
    assert not old.is_current and AcademicYear.objects.current() == new
    with pytest.raises(IntegrityError):
        AcademicYear.objects.create(start_year=2023, is_current=True)


def test_the_municipal_curator_enters_head_counts_and_the_school_may_not(district, client_for):
    year = AcademicYear.objects.current()
    url = reverse("registry:headcount_edit", args=[district.school1.pk, year.pk])
    data = {"students_total": 640, "students_aged_10_plus": 470, "teachers_total": 52, "young_specialists": 4}
    for user in (district.director1, district.curator1):
        assert client_for(user).post(url, data).status_code == 403
    assert not OrganisationHeadcount.objects.exists()
    response = client_for(district.municipal).post(url, data)
    assert response.status_code == 302
    headcount = OrganisationHeadcount.objects.get(organisation=district.school1, academic_year=year)
    assert headcount.students_aged_10_plus == 470
    page = client_for(district.curator1).get(reverse("home")).content.decode()
    assert "Обучающихся: 640" in page


def test_inconsistent_head_counts_are_refused_in_russian(district, client_for):
    year = AcademicYear.objects.current()
    url = reverse("registry:headcount_edit", args=[district.school1.pk, year.pk])
    response = client_for(district.municipal).post(url, {"students_total": 100, "students_aged_10_plus": 150,
                                                        "teachers_total": 10, "young_specialists": 12})
    content = response.content.decode()
    assert "Обучающихся от 10 лет не может быть больше" in content
    assert "Молодых специалистов не может быть больше" in content
    assert not OrganisationHeadcount.objects.exists()
    response = client_for(district.municipal).post(url, {"students_total": -5, "students_aged_10_plus": 0,
                                                        "teachers_total": 10, "young_specialists": 0})
    assert "больше либо равно 0" in response.content.decode()


def test_organisation_page_lists_staff_and_history(district, client_for):
    ended = factories.RoleFactory(organisation=district.school1, role="working_group", is_active=False,
                                  user__username="former", user__last_name="Прежняя",
                                  ended_on=datetime.date(2025, 6, 1))
    page = client_for(district.curator1).get(reverse("registry:organisation_detail",
                                                     args=[district.school1.pk])).content.decode()
    assert "Прежняя" in page and "освобождён" in page
    assert ended.user.display_name in page


@pytest.mark.parametrize("organisations", [3, 30])
def test_organisation_list_query_count_is_constant(district, client_for, django_assert_max_num_queries,
                                                   organisations):
    for _ in range(organisations):
        org = factories.OrganisationFactory(municipality=district.municipality)
        factories.ConsentFactory(participant__organisation=org)
    client = client_for(district.municipal)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("registry:organisation_list"))
    assert response.status_code == 200
    assert len(response.context["listing"].rows) == organisations + 3
