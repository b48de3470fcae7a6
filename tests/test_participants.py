"""The registry pages: entering people, their profiles, the list's search, filters, sorting and speed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.models import Consent, MenteeProfile, MentorProfile, Participant, Topic
from tests import factories

TODAY = timezone.localdate()
LIST = reverse("registry:participant_list")


def new_participant(**overrides):
    data = {"last_name": "Кузнецова", "first_name": "Алёна", "patronymic": "Игоревна", "birth_date": "2011-03-15",
            "category": "student", "class_name": "9Б", "position": "", "phone": "+7 900 123-45-67", "email": ""}
    data.update(overrides)
    return data


def test_curator_adds_a_student_to_own_school(district, client_for):
    response = client_for(district.curator1).post(reverse("registry:participant_create"), new_participant())
    participant = Participant.objects.get()
    assert response.status_code == 302 and response["Location"] == participant.get_absolute_url()
    assert participant.organisation == district.school1
    assert participant.created_by == district.curator1
    assert participant.birth_date == datetime.date(2011, 3, 15)


def test_organisation_cannot_be_smuggled_in(district, client_for):
    client_for(district.curator1).post(reverse("registry:participant_create"),
                                       new_participant(organisation=district.school2.pk))
    assert Participant.objects.get().organisation == district.school1


def test_save_and_continue_to_mentor_profile(district, client_for):
    response = client_for(district.curator1).post(
        reverse("registry:participant_create"),
        new_participant(category="teacher", birth_date="1985-01-01", class_name="", next="mentor"),
    )
    assert response["Location"] == reverse("registry:mentor_profile_edit", args=[Participant.objects.get().pk])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"birth_date": ""}, "Для обучающегося дата рождения обязательна"),
        ({"birth_date": "31.02.2012"}, "Введите правильную дату"),
        ({"birth_date": (TODAY + datetime.timedelta(days=3)).isoformat()}, "не может быть в будущем"),
        ({"birth_date": "1900-01-01"}, "возраст больше 100 лет"),
        ({"last_name": ""}, "Обязательное поле"),
        ({"category": "alien"}, "Выберите корректный вариант"),
        ({"email": "not-an-email"}, "Введите правильный адрес электронной почты"),
    ],
)
def test_bad_input_is_explained_in_russian_and_nothing_is_saved(district, client_for, overrides, message):
    response = client_for(district.curator1).post(reverse("registry:participant_create"), new_participant(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Participant.objects.exists()


def test_duplicate_person_is_refused_regardless_of_case_and_yo(district, client_for):
    client = client_for(district.curator1)
    client.post(reverse("registry:participant_create"), new_participant())
    response = client.post(reverse("registry:participant_create"),
                           new_participant(last_name="КУЗНЕЦОВА", first_name="Алена"))
    assert "уже есть в реестре" in response.content.decode()
    assert Participant.objects.count() == 1
    # The same name in another school is another person.
    client_for(district.curator2).post(reverse("registry:participant_create"), new_participant())
    assert Participant.objects.count() == 2


def test_archive_keeps_the_person_and_hides_from_current_lists(district, client_for):
    participant = factories.ParticipantFactory(organisation=district.school1, last_name="Выбывший")
    factories.ConsentFactory(participant=participant, signed_by=Consent.SignedBy.BOTH,
                             representative_name="Мать", representative_relation="mother",
                             representative_document="свидетельство")
    client = client_for(district.curator1)
    response = client.post(reverse("registry:participant_archive", args=[participant.pk]), {"reason": "выбыл из школы"})
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.is_archived and participant.archive_reason == "выбыл из школы"
    assert participant.consents.count() == 1
    assert "Выбывший" not in client.get(LIST).content.decode()
    assert "Выбывший" in client.get(LIST + "?archived=on").content.decode()
    client.post(reverse("registry:participant_restore", args=[participant.pk]))
    participant.refresh_from_db()
    assert not participant.is_archived


def test_mentor_profile_with_topics_and_capacity(district, client_for):
    teacher = factories.TeacherFactory(organisation=district.school1)
    topics = list(Topic.objects.all()[:2])
    response = client_for(district.curator1).post(
        reverse("registry:mentor_profile_edit", args=[teacher.pk]),
        {"topics": [t.pk for t in topics], "competencies": "Победитель конкурса «Учитель года»", "capacity": 3,
         "mentee_age_min": 12, "mentee_age_max": 17, "meeting_times": "вт, чт после 15:00",
         "joined_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    profile = MentorProfile.objects.get(participant=teacher)
    assert profile.capacity == 3 and set(profile.topics.all()) == set(topics)


def test_mentor_age_range_must_be_ordered(district, client_for):
    teacher = factories.TeacherFactory(organisation=district.school1)
    response = client_for(district.curator1).post(
        reverse("registry:mentor_profile_edit", args=[teacher.pk]),
        {"capacity": 1, "mentee_age_min": 17, "mentee_age_max": 12, "joined_on": TODAY.isoformat()},
    )
    assert "Возраст «от» больше возраста «до»" in response.content.decode()
    assert not MentorProfile.objects.exists()


def test_outside_mentor_without_certificate_is_flagged(district, client_for):
    parent = factories.ParticipantFactory(organisation=district.school1, category=Participant.Category.PARENT,
                                          birth_date=datetime.date(1984, 2, 2), class_name="")
    profile = factories.MentorProfileFactory(participant=parent)
    assert profile.needs_certificate and profile.lacks_certificate
    page = client_for(district.curator1).get(reverse("home")).content.decode()
    assert "Наставники без справки о несудимости" in page and parent.full_name in page


def test_mentee_profile_needs_a_request(district, client_for):
    student = factories.ParticipantFactory(organisation=district.school1)
    url = reverse("registry:mentee_profile_edit", args=[student.pk])
    response = client_for(district.curator1).post(url, {"request_source": "questionnaire",
                                                        "joined_on": TODAY.isoformat()})
    assert "Укажите запрос наставляемого" in response.content.decode()
    topic = Topic.objects.first()
    response = client_for(district.curator1).post(url, {"topics": [topic.pk], "request_source": "class_teacher",
                                                        "is_gifted": "on", "joined_on": TODAY.isoformat()})
    assert response.status_code == 302
    assert MenteeProfile.objects.get(participant=student).special_groups == ["одарённый"]


# --- the list -------------------------------------------------------------------------------------


def names(response):
    return [p.last_name for p in response.context["listing"].rows]


def test_search_is_case_insensitive_in_cyrillic_and_treats_yo_as_ye(district, client_for):
    factories.ParticipantFactory(organisation=district.school1, last_name="Семёнова", first_name="Дарья")
    factories.ParticipantFactory(organisation=district.school1, last_name="Соколов", first_name="Дмитрий")
    client = client_for(district.curator1)
    assert names(client.get(LIST, {"q": "семенова"})) == ["Семёнова"]
    assert names(client.get(LIST, {"q": "ДАРЬЯ сем"})) == ["Семёнова"]
    assert names(client.get(LIST, {"q": "иванов"})) == []


def test_filters_by_role_category_class_topic_and_consent(district, client_for):
    org = district.school1
    topic = Topic.objects.get(name="Олимпиадная подготовка")
    mentee = factories.MenteeProfileFactory(participant__organisation=org, participant__last_name="Ученица",
                                            participant__class_name="7Б")
    mentee.topics.add(topic)
    mentor = factories.MentorProfileFactory(participant__organisation=org, participant__last_name="Учитель")
    factories.ConsentFactory(participant=mentor.participant)
    revoked = factories.ConsentFactory(participant__organisation=org, participant__last_name="Отозвавший")
    revoked.revoke(on=TODAY, reason="заявление")
    client = client_for(district.curator1)
    assert names(client.get(LIST, {"role": "mentee"})) == ["Ученица"]
    assert names(client.get(LIST, {"role": "mentor"})) == ["Учитель"]
    assert names(client.get(LIST, {"category": "teacher", "role": "none"})) == ["Отозвавший"]
    assert names(client.get(LIST, {"class_name": "7б"})) == ["Ученица"]
    assert names(client.get(LIST, {"topic": topic.pk})) == ["Ученица"]
    assert names(client.get(LIST, {"consent": "valid"})) == ["Учитель"]
    assert names(client.get(LIST, {"consent": "lapsed"})) == ["Отозвавший"]
    assert names(client.get(LIST, {"consent": "missing"})) == ["Ученица"]


def test_sorting_and_pagination(district, client_for):
    for index in range(55):
        factories.ParticipantFactory(organisation=district.school1, last_name=f"Фамилия{index:02d}",
                                     birth_date=datetime.date(2010, 1, 1) + datetime.timedelta(days=index))
    client = client_for(district.curator1)
    first_page = client.get(LIST)
    assert len(first_page.context["listing"].rows) == 50
    assert names(first_page)[0] == "Фамилия00"
    assert names(client.get(LIST, {"page": 2})) == [f"Фамилия{i}" for i in range(50, 55)]
    assert names(client.get(LIST, {"sort": "-birth_date"}))[0] == "Фамилия54"
    # An unknown sort key is ignored rather than reaching the database.
    assert client.get(LIST, {"sort": "password"}).status_code == 200


@pytest.mark.parametrize("rows", [5, 60])
def test_list_runs_a_constant_number_of_queries(district, client_for, django_assert_max_num_queries, rows):
    topic = Topic.objects.first()
    for _ in range(rows):
        mentor = factories.MentorProfileFactory(participant__organisation=district.school1)
        mentor.topics.add(topic)
        factories.ConsentFactory(participant=mentor.participant)
        factories.MenteeProfileFactory(participant__organisation=district.school1)
    client = client_for(district.municipal)
    # With the bell's count of unread notices and the page's rows loaded again by their ids.
    with django_assert_max_num_queries(10):
        response = client.get(LIST)
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [5, 60])
def test_home_runs_a_constant_number_of_queries(district, client_for, django_assert_max_num_queries, rows):
    for _ in range(rows):
        factories.ConsentFactory(participant__organisation=district.school1)
        factories.ParticipantFactory(organisation=district.school2)
    for user in (district.municipal, district.curator1):
        client = client_for(user)
        # With the bell's count of unread notices, and the «без согласия» people read by the ids the
        # cache keeps (inside the test's transaction the ids are looked up every time: one query more).
        with django_assert_max_num_queries(11):
            assert client.get(reverse("home")).status_code == 200


def test_home_counts_consents(district, client_for):
    factories.ConsentFactory(participant__organisation=district.school1)
    factories.ParticipantFactory(organisation=district.school1, last_name="Безсогласия")
    response = client_for(district.curator1).get(reverse("home"))
    counts = response.context["counts"]
    assert counts["total"] == 2 and counts["with_consent"] == 1 and counts["consent_percent"] == 50
    assert "Безсогласия" in response.content.decode()


def test_partner_search_is_case_insensitive_in_cyrillic(district, client_for):
    factories.PartnerFactory(organisation=district.school1, name="ООО «Строймонтаж»")
    factories.PartnerFactory(organisation=district.school1, name="Владимирский университет")
    page = client_for(district.curator1).get(reverse("registry:partner_list"), {"q": "строй"}).content.decode()
    assert "Строймонтаж" in page and "университет" not in page


def test_menu_bar_shows_the_users_surname_and_initials(district, client_for):
    user = district.curator1
    user.last_name, user.first_name, user.patronymic = "Лебедева", "Елена", "Викторовна"
    user.save()
    page = client_for(user).get("/").content.decode()
    assert "Лебедева Е. В.</a>" in page and 'title="Лебедева Елена Викторовна"' in page
    user.last_name = user.first_name = user.patronymic = ""
    assert user.get_short_name() == user.username
