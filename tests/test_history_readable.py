"""The «История» tab of a person reads in Russian: a new record's entry lists what was typed, by the
labels the form showed, not the record's reverse relations, its id or the stored codes."""

from django.urls import reverse

from registry.models import AuditEntry
from tests.create_forms import cases, form_data, post


def test_a_new_mentee_profile_reads_in_russian_on_the_history_tab(world, client_for):
    person = world["bare_student"]
    case = cases(world)["registry:mentee_profile_edit"]
    client = client_for(case.user, tokens=False)
    data = {"request": "Подготовка к олимпиаде", "request_source": "class_teacher", "meeting_times": "пн",
            "joined_on": "2026-09-01", "has_disabilities": "on"}
    response = post(client, case, {**form_data(client, case), **data})
    assert response.status_code == 302, response.status_code
    assert AuditEntry.objects.filter(participant=person, action=AuditEntry.Action.CREATE).exists()

    html = client.get(reverse("registry:participant_history", args=[person.pk])).content.decode()
    assert "создание записи" in html
    # Reverse relations and the id were listed as «supports: — → mentoring.Support.None», «ID: — → 7».
    for leaked in ("mentoring.Support", "mentoring.Membership", "mentoring.Preference", "supports:",
                   "memberships:", "preferences:", ">ID:<"):
        assert leaked not in html, leaked
    # A choice by its label, a date as dd.mm.yyyy, a checkbox as да/нет.
    assert "Классный руководитель" in html and "class_teacher" not in html
    assert "01.09.2026" in html and "2026-09-01" not in html
    assert "ОВЗ:</span> — &rarr; да" in html and "одарённый:</span> — &rarr; нет" in html
