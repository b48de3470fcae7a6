"""The interface speaks Russian: language, time zone, date formats and plural forms."""

import datetime

from django.conf import settings
from django.template import Context, Template
from django.utils import translation


def render(source: str, **context) -> str:
    with translation.override("ru"):
        return Template("{% load i18n %}" + source).render(Context(context)).strip()


def test_settings_are_russian():
    assert settings.LANGUAGE_CODE == "ru"
    assert settings.TIME_ZONE == "Europe/Moscow"


def test_plural_forms_follow_russian_grammar():
    source = ("{% blocktranslate count n=n %}все {{ n }} организация{% plural %}все {{ n }} организаций"
              "{% endblocktranslate %}")
    assert render(source, n=1) == "все 1 организация"
    assert render(source, n=3) == "все 3 организации"
    assert render(source, n=5) == "все 5 организаций"
    assert render(source, n=21) == "все 21 организация"
    assert render(source, n=12) == "все 12 организаций"


def test_dates_are_russian():
    day = datetime.date(2020, 8, 24)
    assert render("{{ d|date:'j E Y' }}", d=day) == "24 августа 2020"
    assert render("{{ d|date:'SHORT_DATE_FORMAT' }}", d=day) == "24.08.2020"


def test_django_messages_are_russian(db, client):
    response = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    assert "Пожалуйста, введите правильные имя пользователя и пароль" in response.content.decode()
