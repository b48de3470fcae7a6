"""«Напомнить опоздавшим»: the municipal curator reminds the late schools of a half with one action — a
confirmation page, then notices and letters to those schools' curators, once a day; nobody else may."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring import reports as report_service
from monitoring import services as monitoring_services
from monitoring.models import MonitoringReport
from registry.models import AcademicYear, Notification
from tests import factories
from tests.test_reminders import occurrence

URL = reverse("monitoring:remind_late")
TODAY = timezone.localdate()


@pytest.fixture
def last_year(district):
    """Last academic year's first half: its deadline (10 December) has passed."""
    current = AcademicYear.objects.current()
    return AcademicYear.objects.get_or_create(start_year=current.start_year - 1)[0]


@pytest.fixture
def late(district, last_year):
    """School 1 never sent its report; school 2 sent it on time but its roadmap has an overdue item; the
    college is late too but has no curator."""
    due = report_service.due_date(district.municipality, last_year, 1)
    on_time = monitoring_services.start_report(district.school2, year=last_year, half=1)
    MonitoringReport.objects.filter(pk=on_time.pk).update(
        status=MonitoringReport.Status.SUBMITTED,
        submitted_at=timezone.make_aware(datetime.datetime.combine(due - datetime.timedelta(days=2), datetime.time(12))))
    roadmap = factories.RoadmapFactory(organisation=district.school2, academic_year=last_year, title="Дорожная карта")
    occurrence(roadmap, TODAY - datetime.timedelta(days=20), district.curator2)
    for user in (district.curator1, district.curator2):
        user.email = f"{user.username}@example.org"
        user.save()
    return {"due": due, "roadmap": roadmap}


def query(year, half=1):
    return {"year": year.start_year, "half": half}


def test_the_confirmation_page_lists_the_late_schools(district, client_for, last_year, late):
    response = client_for(district.municipal).get(URL, query(last_year))
    assert response.status_code == 200
    schools = {school.organisation: school for school, _people in response.context["schools"]}
    assert set(schools) == {district.school1, district.school2, district.college}
    assert schools[district.school1].reasons == {"report"}
    assert schools[district.school2].reasons == {"roadmap"} and schools[district.school2].overdue_items == 1
    html = response.content.decode()
    assert "куратор не назначен" in html  # the college: nobody to tell
    assert district.foreign_school.short_name not in html
    assert Notification.objects.count() == 0  # the GET only asks


def test_one_action_tells_the_late_schools_curators_once_a_day(district, client_for, last_year, late,
                                                               django_capture_on_commit_callbacks, mailoutbox):
    client = client_for(district.municipal)
    post = {**query(last_year), "reason": ["report", "roadmap"],
            "organisation": [district.school1.pk, district.school2.pk, district.college.pk]}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, post)
    assert response.status_code == 302

    mine = Notification.objects.get(user=district.curator1)
    assert mine.kind == Notification.Kind.LATE_REMINDER
    assert "не сдан" in mine.text and late["due"].strftime("%d.%m.%Y") in mine.text
    assert "дорожной карты" not in mine.text  # school 1's roadmap is not late
    assert mine.url == reverse("monitoring:report_list") + f"?year={last_year.start_year}&half=1"
    theirs = Notification.objects.get(user=district.curator2)
    assert "просрочены мероприятия дорожной карты: 1" in theirs.text and "не сдан" not in theirs.text
    assert theirs.url == f"/roadmaps/{late['roadmap'].pk}/?status=overdue"
    assert sorted(m.to[0] for m in mailoutbox) == ["curator1@example.org", "curator2@example.org"]
    assert not Notification.objects.exclude(user__in=[district.curator1, district.curator2]).exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, post)  # pressed again the same day
    assert Notification.objects.count() == 2 and len(mailoutbox) == 2


def test_only_the_chosen_reasons_and_schools(district, client_for, last_year, late):
    client_for(district.municipal).post(URL, {**query(last_year), "reason": ["roadmap"],
                                              "organisation": [district.school1.pk, district.school2.pk]})
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["curator2"]


def test_nothing_chosen_sends_nothing(district, client_for, last_year, late):
    response = client_for(district.municipal).post(URL, {**query(last_year), "organisation": [district.school1.pk]})
    assert response.status_code == 302 and not Notification.objects.exists()


def test_a_school_of_another_district_answers_404(roles, last_year, late):
    """Another municipality's curator may remind, but not the owner's school: 404 (the schools do not
    remind at all: 403); the municipality itself would really send, so it is not asked."""
    data = {**query(last_year), "reason": ["report"], "organisation": [roles.organisation.pk]}
    roles.expect(URL, method="post", data=data, owner=403, neighbour=403, municipal=None, stranger=403)
    assert not Notification.objects.exists()
    page = roles.client("outsider").get(URL, query(last_year))
    assert roles.organisation not in [school.organisation for school, _people in page.context["schools"]]


@pytest.mark.parametrize("role", ["observer", "director1", "curator1", "member1"])
def test_only_the_municipal_curator_reminds(district, client_for, last_year, late, role):
    client = client_for(getattr(district, role))
    assert client.get(URL, query(last_year)).status_code == 403
    response = client.post(URL, {**query(last_year), "reason": ["report"], "organisation": [district.school1.pk]})
    assert response.status_code in (403, 404) and not Notification.objects.exists()


def test_the_report_list_offers_the_button_to_the_reviewer_only(district, client_for, last_year, late):
    assert "Напомнить опоздавшим" in client_for(district.municipal).get(
        reverse("monitoring:report_list"), query(last_year)).content.decode()
    assert "Напомнить опоздавшим" not in client_for(district.observer).get(
        reverse("monitoring:report_list"), query(last_year)).content.decode()


def test_hostile_posts_do_not_break_it(district, client_for, last_year, late):
    client = client_for(district.municipal)
    response = client.post(URL, {"year": "9" * 30, "half": "abc", "reason": ["<script>", "report"],
                                 "organisation": ["abc", "-1", "9" * 30]})
    assert response.status_code in (302, 404)
