"""Double submit is harmless (issue «Background work that never sticks, loses or duplicates», item 5):
what the one-time token cannot catch — the same thing entered twice through two forms.

* the natural duplicates are refused with a message that names the existing record: the same meeting of a
  pair on the same date and of the same kind (and the programme's group meeting of a day), the same person
  by name and birth date in the organisation, the same case title, the same consent, the same plan line,
  the same roadmap item;
* a unique constraint hit by a race (the row written by someone else between the form's check and the
  save) is a form error, never a 500, and the token stays usable.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from mentoring import services as mentoring_services
from mentoring.models import MatchingWeights, Meeting, MentoringForm, Pair, PlanItem, Programme
from monitoring.models import BestPractice, CoverageTarget
from registry import once
from registry.models import Consent, MentorProfile, Participant, Partner, SubmittedForm, Topic
from roadmaps import services as roadmap_services
from roadmaps.models import Roadmap, RoadmapChange, RoadmapItem
from tests.create_forms import TODAY, PageForms, cases, form_data, post

pytestmark = pytest.mark.django_db


# --- the natural duplicates --------------------------------------------------------------------------------


def test_the_same_meeting_of_a_pair_is_refused_with_its_name(world, client_for):
    client = client_for(world["curator"])
    case = cases(world)["mentoring:meeting_create"]
    data = form_data(client, case)
    assert client.post(case.url, {**data, once.FIELD: once.new_token()}).status_code == 302
    meeting = Meeting.objects.get()
    again = client.post(case.url, {**data, "topic": "Другая тема", once.FIELD: once.new_token()})
    assert again.status_code == 200
    error = " ".join(again.context["form"].errors["held_on"])
    assert "Эта встреча пары уже записана" in error and "Разбор задач" in error and str(meeting.pk) in error
    assert Meeting.objects.count() == 1
    # Another kind the same day is another meeting.
    other_kind = client.post(case.url, {**data, "kind": Meeting.Kind.FINAL, once.FIELD: once.new_token()})
    assert other_kind.status_code == 302 and Meeting.objects.count() == 2


def test_the_same_group_meeting_is_refused(world, client_for):
    client = client_for(world["curator"])
    case = cases(world)["mentoring:group_meeting_create"]
    data = form_data(client, case)
    assert client.post(case.url, data).status_code == 302
    again = client.post(case.url, {**data, once.FIELD: once.new_token()})
    assert again.status_code == 200
    assert "Общая встреча программы за этот день уже записана" in " ".join(again.context["form"].errors["held_on"])
    assert Meeting.objects.count() == 1


def test_the_same_person_is_refused_and_nothing_is_created(world, client_for):
    client = client_for(world["curator"])
    case = cases(world)["registry:participant_create"]
    data = form_data(client, case)
    assert client.post(case.url, data).status_code == 302
    before = Participant.objects.count()
    again = client.post(case.url, {**data, once.FIELD: once.new_token(), "last_name": " новикова ",
                                   "class_name": "10А"})
    assert again.status_code == 200
    assert "Такой участник уже есть в реестре организации" in again.content.decode()
    assert Participant.objects.count() == before


def test_the_same_case_title_is_refused(world, client_for):
    client = client_for(world["curator"])
    case = cases(world)["monitoring:case_create"]
    data = form_data(client, case)
    assert client.post(case.url, data).status_code == 302
    existing = BestPractice.objects.get()
    again = client.post(case.url, {**data, "title": "  олимпиадная   КОМАНДА ", once.FIELD: once.new_token()})
    assert again.status_code == 200
    assert f"уже есть в базе организации (запись № {existing.pk})" in " ".join(again.context["form"].errors["title"])
    assert BestPractice.objects.count() == 1


def test_the_same_case_of_a_pair_is_refused(world, client_for):
    pair = world["pair"]
    mentoring_services.close_pair(pair, status=Pair.Status.COMPLETED, on=TODAY, results="Победа",
                                  best_practice="Как готовились")
    client = client_for(world["curator"])
    url = reverse("monitoring:case_create") + f"?pair={pair.pk}"
    data = PageForms(client.get(url).content.decode()).the_form()
    assert client.post(url, data).status_code == 302
    again = client.post(url, {**data, once.FIELD: once.new_token()})
    assert again.status_code == 200 and BestPractice.objects.filter(pair=pair).count() == 1


def test_the_same_consent_is_refused(world, client_for):
    client = client_for(world["curator"])
    case = cases(world)["registry:consent_create"]
    data = form_data(client, case)
    assert post(client, case, data).status_code == 302
    again = post(client, case, {**data, once.FIELD: once.new_token()})
    assert again.status_code == 200 and "Это согласие уже внесено" in again.content.decode()
    assert Consent.objects.filter(participant=world["bare_teacher"]).count() == 1


def test_the_same_plan_line_is_refused(world, client_for):
    client = client_for(world["curator"])
    case = cases(world)["mentoring:plan_detail"]
    data = form_data(client, case)
    assert client.post(case.url, data).status_code == 302
    again = client.post(case.url, {**data, "goal": "олимпиада", once.FIELD: once.new_token()})
    assert again.status_code == 200 and "Такой пункт уже есть в плане: № 1" in again.content.decode()
    assert PlanItem.objects.count() == 1


def test_the_same_roadmap_item_is_refused(world, client_for):
    client = client_for(world["curator"])
    case = cases(world)["roadmaps:item_create"]
    data = form_data(client, case)
    assert client.post(case.url, data).status_code == 302
    before = RoadmapItem.objects.count()
    again = client.post(case.url, {**data, once.FIELD: once.new_token()})
    assert again.status_code == 200 and "Такое мероприятие уже есть в этом этапе" in again.content.decode()
    assert RoadmapItem.objects.count() == before


# --- a race on a unique constraint is a form error -------------------------------------------------------


def _race(monkeypatch, model, make_conflict):
    """The conflicting row appears between the form's check and the save, as another request would do.

    Here it is written on the same connection, inside the savepoint the refused save rolls back: it goes
    with it, where another request's row would stay; what counts is that this request created nothing
    and answered with a form error."""
    original = model.save

    def save(self, *args, **kwargs):
        if self.pk is None and not getattr(save, "done", False):
            save.done = True
            make_conflict()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(model, "save", save)


def test_a_partner_saved_meanwhile_is_a_form_error(world, client_for, monkeypatch):
    client = client_for(world["curator"])
    case = cases(world)["registry:partner_create"]
    data = form_data(client, case)
    _race(monkeypatch, Partner, lambda: Partner.objects.bulk_create(
        [Partner(organisation=world["school"], name="ООО «Вектор»")]))
    response = client.post(case.url, data)
    assert response.status_code == 200
    assert "Такой партнёр в организации уже есть." in response.content.decode()
    assert not Partner.objects.exists()
    assert not SubmittedForm.objects.exists()  # the token stays usable


def test_a_programme_saved_meanwhile_is_a_form_error(world, client_for, monkeypatch):
    client = client_for(world["curator"])
    case = cases(world)["mentoring:programme_create"]
    data = form_data(client, case)
    form = MentoringForm.objects.get(pk=data["form"])
    _race(monkeypatch, Programme, lambda: Programme.objects.bulk_create([Programme(
        organisation=world["school"], academic_year=world["year"], form=form, starts_on=TODAY, ends_on=TODAY)]))
    response = client.post(case.url, data)
    assert response.status_code == 200
    assert "Программа по этой форме на этот учебный год уже есть." in response.content.decode()
    assert Programme.objects.count() == 1


def test_a_roadmap_created_meanwhile_is_a_form_error(world, client_for, monkeypatch):
    district = world["district"]
    client = client_for(district.municipal)
    case = cases(world)["roadmaps:roadmap_create"]
    data = form_data(client, case)
    _race(monkeypatch, Roadmap, lambda: Roadmap.objects.bulk_create([Roadmap(
        municipality=district.municipality, academic_year=world["year"], title="Другая")]))
    response = client.post(case.url, data)
    assert response.status_code == 200
    assert "учебный год уже есть" in response.content.decode()
    assert not Roadmap.objects.filter(municipality=district.municipality, academic_year=world["year"]).exists()


def test_targets_saved_meanwhile_are_a_form_error(world, client_for, monkeypatch):
    client = client_for(world["district"].municipal)
    case = cases(world)["monitoring:targets_edit"]
    data = form_data(client, case)
    _race(monkeypatch, CoverageTarget, lambda: CoverageTarget.objects.bulk_create([CoverageTarget(
        municipality=world["district"].municipality, academic_year=world["year"])]))
    response = client.post(case.url, data)
    assert response.status_code == 200
    assert "только что сохранил другой пользователь" in response.content.decode()


def test_a_topic_saved_meanwhile_is_a_form_error(world, client_for, monkeypatch):
    client = client_for(world["curator"])
    case = cases(world)["registry:topic_create"]
    data = form_data(client, case)
    _race(monkeypatch, Topic, lambda: Topic.objects.bulk_create([Topic(organisation=world["school"],
                                                                       name="Робототехника")]))
    response = client.post(case.post_url, data)
    assert response.status_code == 200
    assert "Такое направление уже есть в справочнике." in response.content.decode()


def test_weights_saved_meanwhile_are_a_form_error(world, client_for, monkeypatch):
    client = client_for(world["curator"])
    case = cases(world)["mentoring:weights_edit"]
    data = form_data(client, case)
    _race(monkeypatch, MatchingWeights, lambda: MatchingWeights.objects.bulk_create(
        [MatchingWeights(organisation=world["school"])]))
    response = client.post(case.url, data)
    assert response.status_code == 200
    assert "Веса подбора этой организации только что сохранил другой пользователь" in response.content.decode()
    assert not MatchingWeights.objects.exists()


def test_a_mentor_profile_saved_meanwhile_is_a_form_error(world, client_for, monkeypatch):
    client = client_for(world["curator"])
    case = cases(world)["registry:mentor_profile_edit"]
    data = form_data(client, case)
    _race(monkeypatch, MentorProfile, lambda: MentorProfile.objects.bulk_create(
        [MentorProfile(participant=world["bare_teacher"], capacity=1)]))
    response = client.post(case.url, data)
    assert response.status_code == 200
    assert "Профиль этого участника только что сохранил другой пользователь" in response.content.decode()
    assert not MentorProfile.objects.filter(participant=world["bare_teacher"]).exists()


def test_a_roadmap_item_is_removed_once(world):
    """Two removals of one item at once (a double click on «Исключить»): one records it, the other is told."""
    item = RoadmapItem.objects.filter(roadmap=world["roadmap"]).first()
    stale = RoadmapItem.objects.get(pk=item.pk)  # what the second request read before the first one wrote
    roadmap_services.remove_item(item, reason="Не проводится", by=world["curator"])
    with pytest.raises(ValidationError, match="Мероприятие уже исключено"):
        roadmap_services.remove_item(stale, reason="Не проводится", by=world["curator"])
    assert RoadmapChange.objects.filter(item=item, kind=RoadmapChange.Kind.ITEM_REMOVED).count() == 1
