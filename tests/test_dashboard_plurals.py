"""«из N …» on the dashboards agrees with N: из 21 обучающегося, из 1 организации, из 1 плана (the
municipal curator's dashboard of the demo read «из 2521 обучающихся»)."""

import re

from django.urls import reverse

from registry.models import OrganisationHeadcount
from tests.test_dashboards import populate


def _phrases(html: str) -> set[str]:
    return set(re.findall(r"из \d+ [а-яё]+", html))


def test_of_n_agrees_with_n_on_both_dashboards(district, client_for):
    (school,) = populate(district.municipality, 1)
    OrganisationHeadcount.objects.filter(organisation=school).update(
        students_total=21, students_aged_10_plus=21, teachers_total=21)
    client = client_for(district.municipal)
    district_page = _phrases(client.get(reverse("monitoring:dashboard")).content.decode())
    school_page = _phrases(client.get(reverse("monitoring:organisation_dashboard", args=[school.pk])).content.decode())
    assert {"из 21 обучающегося", "из 21 педагога", "из 1 организации", "из 1 плана",
            "из 3 участников"} <= district_page, district_page
    assert {"из 21 обучающегося", "из 21 педагога", "из 1 плана", "из 3 участников"} <= school_page, school_page
    wrong = {"из 21 обучающихся", "из 21 педагогов", "из 1 организаций", "из 1 планов"}
    assert not (district_page | school_page) & wrong
