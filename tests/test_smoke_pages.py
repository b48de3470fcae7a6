import pytest
from django.urls import reverse

from tests import factories


@pytest.mark.parametrize("name", ["home", "registry:participant_list", "registry:partner_list",
                                  "registry:organisation_list", "registry:topic_list"])
def test_pages_render_for_every_role(district, client_for, name):
    factories.ConsentFactory(participant=factories.MentorProfileFactory(
        participant__organisation=district.school1).participant)
    factories.MenteeProfileFactory(participant__organisation=district.school1)
    for user in (district.observer, district.municipal, district.curator1, district.director1, district.member1,
                 district.nobody):
        response = client_for(user).get(reverse(name))
        assert response.status_code == 200, (user.username, name)


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("registry:participant_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
