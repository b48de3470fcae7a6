"""Double submit is harmless (issue «Background work that never sticks, loses or duplicates», item 5).

* every form that creates something carries a one-time token (``registry.once``): the test walks every
  such view, reads the token from the page the user gets, sends the form twice with it and finds one new
  row, the second answer sending the user to the first one's result;
* which views those are is found, not listed from memory: every view that takes a POST is either declared
  ``@once`` and walked here, or named in ``NOT_CREATING`` with the reason it needs no token, and every
  template form sent to a create view carries the token;
* a POST without a token creates nothing and says why.

The natural duplicates and the races on a unique constraint: ``tests/test_natural_duplicates.py``.
"""

import datetime
import re
import threading
import time
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from mentoring.models import Meeting
from monitoring.models import ExportJob
from registry import once
from registry.models import Partner, SubmittedForm
from tests.create_forms import (
    CREATE_VIEWS,
    NOT_CREATING,
    TODAY,
    PageForms,
    cases,
    errors,
    form_data,
    post,
    token_of,
)
from tests.test_permissions import EXEMPT, PATTERNS

# A view named like this creates something: it is declared ``@once`` whatever else it does.
CREATING_NAME = re.compile(r"_(create|add|new|upload|request|issue)$")


# --- which views create: found, then walked --------------------------------------------------------------


def test_every_view_that_takes_a_post_is_classified():
    """A new view that writes fails here until it is declared ``@once`` (and walked) or named, with its
    reason, in ``NOT_CREATING``."""
    writing = {name for name, _route, view in PATTERNS
               if name not in EXEMPT and getattr(view, "declaration", None) != "read_only"}
    assert not set(CREATE_VIEWS) & set(NOT_CREATING)
    assert sorted(writing - set(CREATE_VIEWS) - set(NOT_CREATING)) == [], "a view that takes a POST is unclassified"
    assert sorted((set(CREATE_VIEWS) | set(NOT_CREATING)) - writing) == [], "a classified view is gone"


def test_the_create_views_are_the_ones_declared_once():
    declared = {name for name, _route, view in PATTERNS if getattr(view, "once", False)}
    assert sorted(declared ^ set(CREATE_VIEWS)) == []
    named = {name for name, _route, _view in PATTERNS if CREATING_NAME.search(name)}
    assert sorted(named - declared) == [], "a view named as creating something has no one-time token"


def test_every_create_view_is_walked(world):
    assert sorted(cases(world)) == sorted(CREATE_VIEWS)


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
URL_NAME = re.compile(r"""action="\{% url ['"]([\w:]+)['"]""")


def test_every_template_form_sent_to_a_create_view_carries_a_token():
    """Forms on other pages too: the report list's «Начать отчёт», the participant list's base buttons."""
    missing, seen = [], set()
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(directory).rglob("*.html"):
            for attrs, body in FORM.findall(path.read_text(encoding="utf-8")):
                if "post" not in attrs.lower():
                    continue
                target = URL_NAME.search(attrs)
                if target and target.group(1) in CREATE_VIEWS:
                    seen.add(target.group(1))
                    if "{% once_field %}" not in body:
                        missing.append(f"{path.name} → {target.group(1)}")
    assert missing == []
    assert {"monitoring:export_list", "monitoring:report_create", "registry:topic_create"} <= seen


def _sent_to_a_create_view(action: str, page_url: str) -> bool:
    if urlsplit(action).path in ("", urlsplit(page_url).path):  # the page itself ({% querystring %} too)
        return True
    try:
        return getattr(resolve(urlsplit(action).path).func, "once", False)
    except Resolver404:
        return False


# --- the same form twice -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CREATE_VIEWS)
def test_the_same_form_sent_twice_creates_once(name, world, client_for):
    case = cases(world)[name]
    client = client_for(case.user, tokens=False)
    data = form_data(client, case)
    assert re.fullmatch(once.TOKEN, data[once.FIELD])
    before = case.count()

    first = post(client, case, data)
    # The links just issued are shown at once (to copy or print), not behind a redirect.
    shows_page = name == "monitoring:links_create"
    assert first.status_code == (200 if shows_page else 302), (first.status_code, errors(first))
    assert case.count() == before + 1, errors(first)
    claim = SubmittedForm.objects.get(token=data[once.FIELD])
    assert claim.user == case.user
    assert bool(claim.created) != case.bulk

    second = post(client, case, data)
    assert second.status_code == 302
    assert case.count() == before + 1, "the second POST of the same form created again"
    assert second["Location"] == (case.url if shows_page else first["Location"]) == claim.result_url
    shown = client.get(second["Location"])
    assert shown.status_code == 200
    assert "Форма уже была отправлена — показан результат" in shown.content.decode()


@pytest.mark.parametrize("name", CREATE_VIEWS)
def test_every_form_a_create_page_sends_to_a_create_view_carries_a_token(name, world, client_for):
    case = cases(world)[name]
    page = PageForms(client_for(case.user, tokens=False).get(case.url).content.decode())
    untokened = [action or "(the page itself)" for action, fields in zip(page.actions, page.forms)
                 if _sent_to_a_create_view(action, case.url) and not any(key == once.FIELD for key, _v in fields)]
    assert untokened == []


@pytest.mark.parametrize("name", CREATE_VIEWS)
def test_a_post_without_a_token_creates_nothing(name, world, client_for):
    case = cases(world)[name]
    client = client_for(case.user, tokens=False)
    data = form_data(client, case)
    before = case.count()
    for token in (None, "", "короткий"):
        sent = {**data, once.FIELD: token} if token is not None else {k: v for k, v in data.items() if k != once.FIELD}
        response = post(client, case, sent)
        assert response.status_code in (302, 400), response.status_code
        assert case.count() == before
        page = response if response.status_code == 400 else client.get(response["Location"])
        assert "Форма пришла без действующей одноразовой отметки" in page.content.decode()
        if response.status_code == 400:
            # The form is shown again, with a fresh token to send it properly.
            assert token_of(page.content.decode()) != data[once.FIELD]
    assert not SubmittedForm.objects.exists()


def test_a_form_with_errors_keeps_its_token_usable(world, client_for):
    case = cases(world)["mentoring:meeting_create"]
    client = client_for(case.user, tokens=False)
    data = form_data(client, case)
    wrong = client.post(case.url, {**data, "held_on": (TODAY + datetime.timedelta(days=3)).isoformat()})
    assert wrong.status_code == 200 and Meeting.objects.count() == 0
    assert not SubmittedForm.objects.exists()
    assert client.post(case.url, data).status_code == 302
    assert Meeting.objects.count() == 1


def test_the_token_is_the_users_own(world, client_for):
    case = cases(world)["registry:partner_create"]
    client = client_for(case.user, tokens=False)
    data = form_data(client, case)
    assert client.post(case.url, data).status_code == 302
    other = client_for(world["district"].member1, tokens=False)
    # The CSRF token is the other browser's own (its cookie); only the form's one-time token is copied.
    copied = {key: value for key, value in data.items() if key != "csrfmiddlewaretoken"}
    response = other.post(case.url, {**copied, "name": "ООО «Другое»"})
    assert response.status_code == 400
    assert Partner.objects.count() == 1


def test_old_tokens_are_forgotten(world, client_for):
    case = cases(world)["registry:partner_create"]
    client = client_for(case.user, tokens=False)
    client.post(case.url, form_data(client, case))
    SubmittedForm.objects.update(created_at=timezone.now() - datetime.timedelta(days=2))
    assert once.forget_old() == 1 and not SubmittedForm.objects.exists()

    from registry import tasks

    client.post(case.url, {**form_data(client, case), "name": "ООО «Третье»"})
    SubmittedForm.objects.update(created_at=timezone.now() - datetime.timedelta(days=2))
    # The user's next POST takes their old ones away too.
    client.post(case.url, {**form_data(client, case), "name": "ООО «Четвёртое»"})
    assert SubmittedForm.objects.count() == 1
    assert tasks.forget_submitted_forms() == 0


def test_a_repeat_waits_for_the_first_and_shows_its_result(world, client_for):
    """The second POST of a token finds the first one's row, however it got there: it never runs the view."""
    client = client_for(world["curator"], tokens=False)
    case = cases(world)["registry:partner_create"]
    data = form_data(client, case)
    SubmittedForm.objects.create(token=data[once.FIELD], user=world["curator"], path=case.url,
                                 result_url="/somewhere/")
    with mock.patch("registry.views.partners.PartnerForm") as form:
        response = client.post(case.url, data)
    form.assert_not_called()
    assert response.status_code == 302 and response["Location"] == "/somewhere/"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once: the PostgreSQL run")
def test_two_simultaneous_posts_of_one_form_create_once(transactional_db, district, client_for, monkeypatch):
    """Two requests at the same moment (two processes of the server): the second waits on the token's
    unique index until the first commits, then shows its result."""
    from registry.forms import PartnerForm

    url = reverse("registry:partner_create")
    clients = [client_for(district.curator1, tokens=False) for _ in range(2)]
    data = PageForms(clients[0].get(url).content.decode()).the_form()
    data["name"] = "ООО «Одновременно»"
    # One browser sending twice: the same session and CSRF cookie in both requests.
    clients[1].cookies = clients[0].cookies
    original = PartnerForm.save

    def slow_save(self, *args, **kwargs):
        time.sleep(0.5)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PartnerForm, "save", slow_save)
    answers = []

    def send(client):
        try:
            answers.append(client.post(url, data))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Partner.objects.filter(name="ООО «Одновременно»").count() == 1
    assert [answer.status_code for answer in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"] == Partner.objects.get().get_absolute_url()


def test_the_base_buttons_of_the_participant_list_send_the_job_once(world, client_for):
    """The registry bases are export jobs requested from the participant list (its filters posted to the
    export page): a double click on «База наставников» is one job."""
    client = client_for(world["curator"], tokens=False)
    page = PageForms(client.get(reverse("registry:participant_list") + "?role=mentor").content.decode())
    data = next(dict(fields) for fields in page.forms if ("kind", "mentors") in fields)
    assert re.fullmatch(once.TOKEN, data[once.FIELD])
    first = client.post(reverse("monitoring:export_list"), data)
    second = client.post(reverse("monitoring:export_list"), data)
    job = ExportJob.objects.get()
    assert job.kind == "mentors"
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == job.get_absolute_url()
