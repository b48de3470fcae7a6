"""Who may change the vocabulary of competencies and requests: shared entries by the municipal curator,
a school's own entries by that school, and nobody else's."""

from django.urls import reverse

from registry.models import Topic
from tests import factories


def test_a_school_adds_its_own_entry_which_others_do_not_see(district, client_for):
    curator = client_for(district.curator1)
    response = curator.post(reverse("registry:topic_create"), {"name": "Шахматный клуб", "owner": district.school1.pk})
    assert response.status_code == 302
    topic = Topic.objects.get(name="Шахматный клуб")
    assert topic.organisation == district.school1
    names = [t.name for t in client_for(district.curator2).get(reverse("registry:topic_list"),
                                                                {"per_page": 200}).context["listing"].rows]
    assert "Шахматный клуб" not in names
    # The other school cannot hide it, nor use it in a profile.
    assert client_for(district.curator2).post(reverse("registry:topic_toggle", args=[topic.pk])).status_code == 404
    mentee = factories.MenteeProfileFactory(participant__organisation=district.school2)
    from registry.forms import MenteeProfileForm

    assert topic not in MenteeProfileForm(participant=mentee.participant, instance=mentee).fields["topics"].queryset


def test_a_school_may_not_add_or_hide_shared_entries(district, client_for):
    curator = client_for(district.curator1)
    response = curator.post(reverse("registry:topic_create"), {"name": "Робототехника", "owner": ""})
    assert response.status_code == 200 and "Выберите, для кого направление" in response.content.decode()
    assert not Topic.objects.filter(name="Робототехника").exists()
    shared = Topic.objects.filter(organisation__isnull=True, is_active=True).first()
    curator.post(reverse("registry:topic_toggle", args=[shared.pk]))
    shared.refresh_from_db()
    assert shared.is_active


def test_the_municipal_curator_keeps_the_shared_entries(district, client_for):
    municipal = client_for(district.municipal)
    assert municipal.post(reverse("registry:topic_create"), {"name": "Робототехника", "owner": ""}).status_code == 302
    topic = Topic.objects.get(name="Робототехника")
    assert topic.organisation is None
    municipal.post(reverse("registry:topic_toggle", args=[topic.pk]))
    topic.refresh_from_db()
    assert not topic.is_active
    # A shared name cannot be taken again as a school's own.
    again = client_for(district.curator1).post(reverse("registry:topic_create"),
                                               {"name": "робототехника", "owner": district.school1.pk})
    assert "уже есть" in again.content.decode()


def test_readers_may_not_add_anything(district, client_for):
    for user in (district.observer, district.director1):
        assert client_for(user).post(reverse("registry:topic_create"), {"name": "Х", "owner": ""}).status_code == 404
    assert not Topic.objects.filter(name="Х").exists()
