"""A school curator loads a participant file that names a teacher already in the registry and a new
pupil with her mother's consent: the preview says what changes for the teacher, the commit applies it
and adds the pupil with her consent."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from registry.models import Consent, MentorProfile, Participant
from tests import factories
from tests.test_import import row, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_curator_loads_a_file_again_sees_the_difference_and_commits(district, page, login, shot, tmp_path):
    today = timezone.localdate()
    teacher = factories.TeacherFactory(organisation=district.school1, last_name="Соколова", first_name="Ольга",
                                       patronymic="Ивановна", birth_date=datetime.date(1985, 4, 12),
                                       phone="+7 910 000-00-00", position="Учитель математики")
    MentorProfile.objects.create(participant=teacher, capacity=1)
    born = today.replace(day=1, year=today.year - 10)
    signed = today - datetime.timedelta(days=3)
    path = tmp_path / "участники.xlsx"
    path.write_bytes(xlsx([
        row(phone="+7 910 111-22-33", capacity="2"),
        row(last_name="Ёлкина", first_name="Мария", patronymic="", birth_date=f"{born:%d.%m.%Y}",
            category="Обучающийся", class_name="4А", position="", phone="", email="", role="", topics="",
            consent_date=f"{signed:%d.%m.%Y}", representative_name="Ёлкина Ольга Петровна",
            representative_relation="Мать", representative_document="свидетельство о рождении III-МЮ № 1"),
    ]))

    login(page, district.curator1)
    page.goto(reverse("registry:import_upload"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Загрузка участников из Excel")
    page.get_by_label("Файл Excel (.xlsx)").set_input_files(str(path))
    page.get_by_role("button", name="Загрузить и проверить").click()

    page.wait_for_url(re.compile(reverse("registry:import_preview", args=[0]).replace("/0/", r"/\d+/") + "$"))
    expect(page.get_by_text("новых — 1, с изменениями — 1, без изменений — 0")).to_be_visible()
    changes = page.locator("ul.import-changes")
    expect(changes).to_contain_text("Телефон: +7 910 000-00-00 → +7 910 111-22-33")
    expect(changes).to_contain_text("Сколько наставляемых может взять: 1 → 2")
    expect(page.get_by_text("новый", exact=True)).to_be_visible()
    shot(page, "import-preview-with-changes")
    page.get_by_role("button", name="Загрузить в реестр").click()

    page.wait_for_url(re.compile(re.escape(reverse("registry:participant_list"))))
    expect(page.get_by_text("добавлено участников — 1, обновлено — 1.")).to_be_visible()
    teacher.refresh_from_db()
    assert teacher.phone == "+7 910 111-22-33" and teacher.mentor_profile.capacity == 2
    pupil = Participant.objects.get(last_name="Ёлкина")
    assert pupil.consents.get().signed_by == Consent.SignedBy.REPRESENTATIVE
    assert Participant.objects.filter(organisation=district.school1).count() == 2
