"""The registry's lists page, sort and filter together (see tests/lists.py for what a walk checks)."""

from django.urls import reverse

from registry.models import Participant
from tests import factories
from tests.lists import links, params, walk


def test_participants_filtered_by_role_walk_pages_and_sorts(district, client_for):
    for index in range(30):
        factories.MentorProfileFactory(participant__organisation=district.school1,
                                       participant__last_name=f"Наставник{index:02d}")
        factories.ParticipantFactory(organisation=district.school1, last_name=f"Другой{index:02d}")
    first, sorts = walk(client_for(district.curator1), reverse("registry:participant_list"), {"role": "mentor"},
                        keep=lambda p: p.last_name.startswith("Наставник"))
    assert first.context["listing"].count == 30
    assert len(sorts) >= 4


def test_participant_sort_reverses_on_the_second_click(district, client_for):
    for index in range(3):
        factories.ParticipantFactory(organisation=district.school1, last_name=f"Ф{index}")
    client = client_for(district.curator1)
    url = reverse("registry:participant_list")
    by_name = client.get(url, {"category": "student", "sort": "name"})
    name_href = next(href for href in links(by_name).sorts if "sort=-name" in href)
    assert params(name_href)["category"] == ["student"]
    reversed_names = [p.last_name for p in client.get(url + name_href).context["listing"].rows]
    assert reversed_names == sorted(reversed_names, reverse=True)


def test_page_size_is_chosen_and_kept(district, client_for):
    for index in range(60):
        factories.ParticipantFactory(organisation=district.school1, last_name=f"Ф{index:02d}")
    client = client_for(district.curator1)
    url = reverse("registry:participant_list")
    response = client.get(url, {"category": "student"})
    assert len(response.context["listing"].rows) == 50
    sizes = links(response).page_sizes
    hundred = next(href for href in sizes if "per_page=100" in href)
    assert params(hundred)["category"] == ["student"]
    assert len(client.get(url + hundred).context["listing"].rows) == 60
    # A size outside the choice falls back to the default; a hostile value is not an error.
    assert len(client.get(url, {"per_page": "100000"}).context["listing"].rows) == 50
    assert client.get(url, {"per_page": "-1", "page": "x", "sort": "--name"}).status_code == 200


def test_partners_filtered_by_name_walk_pages_and_sorts(district, client_for):
    for index in range(30):
        factories.PartnerFactory(organisation=district.school1, name=f"ООО «Завод {index:02d}»")
        factories.PartnerFactory(organisation=district.school1, name=f"АО «Фабрика {index:02d}»")
    walk(client_for(district.curator1), reverse("registry:partner_list"), {"q": "Завод"},
         keep=lambda p: "Завод" in p.name)


def test_organisations_filtered_by_name_walk_pages_and_sorts(district, client_for):
    for index in range(30):
        factories.OrganisationFactory(municipality=district.municipality, short_name=f"МБДОУ Сад {index:02d}")
    first, _sorts = walk(client_for(district.municipal), reverse("registry:organisation_list"), {"q": "Сад"},
                         keep=lambda o: "Сад" in o.short_name)
    assert first.context["listing"].count == 30
    assert not Participant.objects.exists()
