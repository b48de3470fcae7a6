"""The participant import as background work: the file is checked once, off the request, and the
preview stored; the page waits for it; a check that breaks or runs out of time says so; the broker
being down changes nothing for the page; a preview is committed once, whatever happens at once, and
the same file once per organisation."""

import contextlib
import datetime
import functools
import html
import threading
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from registry import tasks
from registry.imports import memory, reader, service
from registry.models import MentorProfile, Participant, ParticipantImport
from registry.models.imports import ParticipantImportQuerySet
from registry.scoping import Role
from registry.imports.preview import ImportAlreadyCommitted
from registry.imports.service import ImportFileAlreadyCommitted, commit_import
from tests import factories
from tests.reference_data import seed_reference_data
from tests.test_import import good_rows, preview_url, stored_import, xlsx

UPLOAD_URL = reverse("registry:import_upload")


def text_of(response) -> str:
    return html.unescape(response.content.decode())


# --- parsed once, stored -------------------------------------------------------------------------------


def test_the_file_is_parsed_once_and_the_page_and_the_commit_read_the_stored_preview(
        district, client_for, django_capture_on_commit_callbacks):
    client = client_for(district.curator1)
    reads = mock.Mock(wraps=reader.parse_participant_workbook)
    with mock.patch.object(service, "parse_participant_workbook", reads):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(UPLOAD_URL, {"file": SimpleUploadedFile("школа1.xlsx", xlsx(good_rows()))})
        participant_import = ParticipantImport.objects.get()
        stored = participant_import.preview
        assert stored["summary"] == {"text": "3 строки, 0 с ошибками", "rows": 3, "error_rows": 0, "new": 3,
                                     "changed": 0, "unchanged": 0, "can_commit": True}
        assert [row["cells"]["last_name"] for row in stored["rows"]] == ["Соколова", "Кузнецов", "Белова"]
        assert stored["rows"][1]["raw"]["birth_date"] == {"datetime": "2011-09-03T00:00:00"}

        for _ in range(3):
            assert "3 строки, 0 с ошибками" in client.get(preview_url(participant_import)).content.decode()
        assert client.get(preview_url(participant_import) + "?errors=1").context["rows"] == []
        response = client.post(preview_url(participant_import))
    assert response.status_code == 302
    assert reads.call_count == 1
    assert Participant.objects.filter(organisation=district.school1).count() == 3
    kuznetsov = Participant.objects.get(last_name="Кузнецов")
    assert kuznetsov.birth_date == datetime.date(2011, 9, 3)
    assert list(kuznetsov.mentee_profile.topics.values_list("name", flat=True).order_by("name")) == [
        "Олимпиадная подготовка", "Цифровые навыки"]


def test_the_commit_does_not_need_the_file_any_more(district):
    participant_import = stored_import(district.school1, xlsx(good_rows()))
    participant_import.file.storage.delete(participant_import.file.name)
    assert commit_import(participant_import, by=district.curator1) == 3


def test_a_repeated_check_does_nothing(district):
    participant_import = stored_import(district.school1, xlsx(good_rows()))
    assert service.parse_stored_import(participant_import.pk) is None
    assert tasks.parse_participant_import.delay(participant_import.pk).get() is None
    participant_import.refresh_from_db()
    assert participant_import.status == ParticipantImport.Status.CHECKED


# --- while it is checked; when the check fails ------------------------------------------------------


def test_the_page_waits_while_the_file_is_checked(district, client_for):
    participant_import = stored_import(district.school1, xlsx(good_rows()), parse=False)
    client = client_for(district.curator1)
    page = client.get(preview_url(participant_import))
    text = text_of(page)
    assert "Файл проверяется…" in text
    assert "Проверка начнётся в ближайшее время." in text
    assert '<meta http-equiv="refresh" content="2">' in text
    assert "<script" not in text.split("</head>")[0].split("</title>")[1]  # no inline script: the CSP forbids it

    response = client.post(preview_url(participant_import))
    assert response.status_code == 200
    assert "Файл ещё не проверен: дождитесь окончания проверки." in text_of(response)
    assert Participant.objects.count() == 0

    ParticipantImport.objects.filter(pk=participant_import.pk).update(
        status=ParticipantImport.Status.PARSING, parse_started_at=timezone.now())
    text = text_of(client.get(preview_url(participant_import)))
    assert "Файл проверяется…" in text and "Проверка начнётся" not in text

    assert tasks.parse_participant_import.delay(participant_import.pk).get() is None  # not pending: not claimed
    ParticipantImport.objects.filter(pk=participant_import.pk).update(status=ParticipantImport.Status.PENDING)
    assert tasks.parse_participant_import.delay(participant_import.pk).get() == "checked"
    text = text_of(client.get(preview_url(participant_import)))
    assert "3 строки, 0 с ошибками" in text and 'http-equiv="refresh"' not in text


def test_a_check_that_breaks_says_so_and_the_file_can_be_uploaded_again(district, client_for):
    participant_import = stored_import(district.school1, xlsx(good_rows()), parse=False)
    with mock.patch.object(service, "read_import", side_effect=RuntimeError("disk on fire")):
        assert tasks.parse_participant_import.delay(participant_import.pk).get() == "failed"
    participant_import.refresh_from_db()
    assert participant_import.parse_error == str(service.PARSE_FAILED)
    page = text_of(client_for(district.curator1).get(preview_url(participant_import)))
    assert "Файл не удалось проверить" in page
    assert "Файл не удалось проверить из-за ошибки на сервере. Загрузите его снова" in page
    assert f"{UPLOAD_URL}?organisation={district.school1.pk}" in page
    assert "disk on fire" not in page
    assert 'http-equiv="refresh"' not in page


def test_a_check_that_runs_out_of_time_says_so(district, client_for):
    assert tasks.parse_participant_import.soft_time_limit == 60
    assert tasks.parse_participant_import.time_limit == 90
    participant_import = stored_import(district.school1, xlsx(good_rows()), parse=False)
    with mock.patch.object(service, "read_import", side_effect=SoftTimeLimitExceeded()):
        assert tasks.parse_participant_import.delay(participant_import.pk).get() == "failed"
    participant_import.refresh_from_db()
    assert participant_import.status == ParticipantImport.Status.FAILED
    assert participant_import.parse_error.startswith("Проверка файла заняла слишком много времени")
    assert "заняла слишком много времени" in text_of(client_for(district.curator1).get(preview_url(participant_import)))


def test_a_check_killed_at_the_hard_limit_is_shown_as_stopped(district, client_for):
    participant_import = stored_import(district.school1, xlsx(good_rows()), parse=False)
    ParticipantImport.objects.filter(pk=participant_import.pk).update(
        status=ParticipantImport.Status.PARSING, parse_started_at=timezone.now() - datetime.timedelta(minutes=10))
    client = client_for(district.curator1)
    page = text_of(client.get(preview_url(participant_import)))
    assert "Файл не удалось проверить" in page and "заняла слишком много времени" in page
    assert 'http-equiv="refresh"' not in page
    assert "Не проверен" in text_of(client.get(UPLOAD_URL))

    # The sweep records it; a check still within its time is left alone.
    running = stored_import(district.school1, xlsx(good_rows()), parse=False, name="второй.xlsx")
    ParticipantImport.objects.filter(pk=running.pk).update(
        status=ParticipantImport.Status.PARSING, parse_started_at=timezone.now())
    assert tasks.sweep_participant_imports.delay().get() == {"failed": 1, "sent": []}
    participant_import.refresh_from_db()
    assert participant_import.status == ParticipantImport.Status.FAILED
    assert participant_import.parse_error == str(service.PARSE_TIMED_OUT)
    assert "заняла слишком много времени" in text_of(client.get(preview_url(participant_import)))
    running.refresh_from_db()
    assert running.status == ParticipantImport.Status.PARSING


@pytest.mark.skipif(memory.address_space() is None or not hasattr(memory.resource, "RLIMIT_AS"),
                    reason="no address-space limit on this platform")
def test_a_check_that_runs_out_of_memory_says_so_and_the_ceiling_is_lifted(district, client_for):
    """The real ceiling (RLIMIT_AS): 64 MB more than the process holds, and the check asks for 1 GB."""
    participant_import = stored_import(district.school1, xlsx(good_rows()), parse=False)
    before = memory.resource.getrlimit(memory.resource.RLIMIT_AS)

    def greedy(_import):
        return bytearray(1024 * 1024 * 1024)

    with mock.patch.object(service, "read_import", side_effect=greedy):
        checked = service.parse_stored_import(participant_import.pk,
                                              memory_ceiling=functools.partial(memory.budget, 64))
    assert checked.status == ParticipantImport.Status.FAILED
    assert checked.parse_error == str(service.PARSE_OUT_OF_MEMORY)
    assert memory.resource.getrlimit(memory.resource.RLIMIT_AS) == before
    assert len(bytearray(256 * 1024 * 1024)) == 256 * 1024 * 1024  # lifted again
    page = text_of(client_for(district.curator1).get(preview_url(participant_import)))
    assert "Файл слишком большой: для его проверки не хватило отведённой памяти." in page


def test_the_memory_ceiling_is_set_in_a_worker_only(district):
    """Run eagerly (development, tests) the task is inside a web or test process: no ceiling there."""
    ceilings = []

    @contextlib.contextmanager
    def budget(megabytes):
        ceilings.append(megabytes)
        yield

    first = stored_import(district.school1, xlsx(good_rows()), parse=False)
    second = stored_import(district.school1, xlsx(good_rows()), parse=False, name="второй.xlsx")
    with mock.patch.object(memory, "budget", budget):
        assert tasks.parse_participant_import.delay(first.pk).get() == "checked"
        assert ceilings == []
        tasks.parse_participant_import.push_request(is_eager=False)
        try:
            assert tasks.parse_participant_import.run(second.pk) == "checked"
        finally:
            tasks.parse_participant_import.pop_request()
    assert ceilings == [tasks.IMPORT_MEMORY_MB]


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_upload_still_answers_and_the_import_waits(district, client_for):
    """The check is sent after the commit (``on_commit``): here, a transactional test, that is inside
    the view, as in production."""
    client = client_for(district.curator1)
    with mock.patch.object(tasks.parse_participant_import, "delay", side_effect=OperationalError("refused")):
        response = client.post(UPLOAD_URL, {"file": SimpleUploadedFile("школа1.xlsx", xlsx(good_rows()))})
    assert response.status_code == 302
    participant_import = ParticipantImport.objects.get()
    assert participant_import.status == ParticipantImport.Status.PENDING
    assert list(ParticipantImport.objects.waiting()) == [participant_import]  # for the sweep to find
    page = text_of(client.get(response["Location"]))
    assert "Проверка файла начнётся в ближайшее время" in page
    assert "Файл проверяется…" in page

    # The broker is back; the sweep leaves a fresh upload alone (its message may be on the way), then
    # sends it again.
    seed_reference_data()
    assert tasks.sweep_participant_imports.delay().get() == {"failed": 0, "sent": []}
    ParticipantImport.objects.filter(pk=participant_import.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=1))
    assert tasks.sweep_participant_imports.delay().get() == {"failed": 0, "sent": [participant_import.pk]}
    participant_import.refresh_from_db()
    assert participant_import.status == ParticipantImport.Status.CHECKED
    assert list(ParticipantImport.objects.waiting()) == []
    assert tasks.sweep_participant_imports.delay().get() == {"failed": 0, "sent": []}


# --- the same file twice --------------------------------------------------------------------------------


def test_the_same_file_uploaded_twice_is_refused_naming_the_earlier_import(district, client_for,
                                                                          django_capture_on_commit_callbacks):
    content = xlsx(good_rows())
    client = client_for(district.curator1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(UPLOAD_URL, {"file": SimpleUploadedFile("школа1.xlsx", content)})
    first = ParticipantImport.objects.get()
    assert len(first.sha256) == 64
    assert client.post(preview_url(first)).status_code == 302
    first.refresh_from_db()
    assert first.committed_by == district.curator1

    response = client.post(UPLOAD_URL, {"file": SimpleUploadedFile("копия.xlsx", content)})
    assert response.status_code == 200
    when = timezone.localtime(first.committed_at)
    assert (f"Этот файл уже загружен в реестр организации «МБОУ СОШ № 1» {when:%d.%m.%Y} в {when:%H:%M} "
            f"(загрузил(а) {district.curator1.display_name}): «школа1.xlsx», добавлено участников — 3. "
            "Повторно его загружать не нужно") in text_of(response)
    assert ParticipantImport.objects.count() == 1
    assert Participant.objects.count() == 3

    # Another organisation may load the same file.
    factories.RoleFactory(user=district.curator1, role=Role.SCHOOL_CURATOR, organisation=district.school2)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(UPLOAD_URL, {"organisation": district.school2.pk,
                                            "file": SimpleUploadedFile("школа2.xlsx", content)})
    assert response.status_code == 302
    assert client.post(response["Location"]).status_code == 302
    assert Participant.objects.filter(organisation=district.school2).count() == 3


def test_the_same_file_previewed_twice_is_committed_once(district, client_for):
    content = xlsx(good_rows())
    first = stored_import(district.school1, content, user=district.curator1, name="первый.xlsx")
    second = stored_import(district.school1, content, user=district.curator1, name="второй.xlsx")
    assert first.sha256 == second.sha256
    assert commit_import(first, by=district.curator1) == 3

    client = client_for(district.curator1)
    page = text_of(client.get(preview_url(second)))
    assert "Этот файл уже загружен в реестр организации «МБОУ СОШ № 1»" in page and "«первый.xlsx»" in page
    assert "Загрузить в реестр" not in page
    response = client.post(preview_url(second))
    assert "Этот файл уже загружен в реестр организации" in text_of(response)
    second.refresh_from_db()
    assert second.status == ParticipantImport.Status.CHECKED
    assert Participant.objects.count() == 3


def test_two_imports_of_one_file_racing_meet_the_unique_constraint(district):
    """The check before the claim does not see the other commit (it is not committed yet, on
    PostgreSQL); the partial unique index does, and the refusal names the earlier import."""
    content = xlsx(good_rows())
    first = stored_import(district.school1, content, name="первый.xlsx")
    second = stored_import(district.school1, content, name="второй.xlsx")
    commit_import(first, by=district.curator1)
    real = ParticipantImportQuerySet.committed_copy
    calls = []

    def blind_at_first(self, *args, **kwargs):
        calls.append(args)
        return None if len(calls) == 1 else real(self, *args, **kwargs)

    with mock.patch.object(ParticipantImportQuerySet, "committed_copy", blind_at_first):
        with pytest.raises(ImportFileAlreadyCommitted) as refused:
            commit_import(second, by=district.curator1)
    assert "«первый.xlsx»" in refused.value.message
    assert len(calls) == 2
    assert Participant.objects.count() == 3
    second.refresh_from_db()
    assert second.status == ParticipantImport.Status.CHECKED


# --- one commit, whatever happens at once ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_commits_of_one_preview_create_one_import(district, client_for):
    seed_reference_data()
    participant_import = stored_import(district.school1, xlsx(good_rows()), user=district.curator1)
    clients = [client_for(district.curator1), client_for(district.member1)]
    for client in clients:  # both pages show the button
        assert "Загрузить в реестр" in client.get(preview_url(participant_import)).content.decode()
    barrier = threading.Barrier(2)
    responses, errors = {}, []
    # On PostgreSQL the two requests really race (the second waits on the row lock). SQLite serialises
    # writers, and pytest-django's shared in-memory database answers "table is locked" at once
    # instead of waiting, so on SQLite the two take turns (as in test_reminders).
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def commit(index):
        try:
            barrier.wait(timeout=10)
            with turns:
                responses[index] = clients[index].post(preview_url(participant_import))
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=commit, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert Participant.objects.filter(organisation=district.school1).count() == 3
    assert MentorProfile.objects.count() == 1
    participant_import.refresh_from_db()
    assert participant_import.status == ParticipantImport.Status.COMMITTED
    assert participant_import.rows_created == 3
    locations = sorted(response["Location"] for response in responses.values())
    assert all(response.status_code == 302 for response in responses.values())
    list_url = f"{reverse('registry:participant_list')}?organisation={district.school1.pk}"
    assert sorted([list_url, preview_url(participant_import)]) == locations
    # The second sees «уже загружено» and the first one's result.
    second = next(index for index, response in responses.items() if response["Location"] != list_url)
    page = text_of(clients[second].get(preview_url(participant_import)))
    assert "Этот файл уже загружен в реестр; повторно ничего не добавлено." in page
    assert "добавлено участников — 3" in page


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_commits_in_the_service_create_one_import(district):
    seed_reference_data()
    pk = stored_import(district.school1, xlsx(good_rows())).pk
    barrier = threading.Barrier(2)
    created, refused, errors = [], [], []
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def commit():
        try:
            participant_import = ParticipantImport.objects.get(pk=pk)  # as each request loads it
            barrier.wait(timeout=10)
            with turns:
                created.append(commit_import(participant_import, by=district.curator1))
        except ImportAlreadyCommitted as refusal:
            refused.append(refusal.message)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=commit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert created == [3]
    assert refused == ["Этот файл уже загружен в реестр; повторно ничего не добавлено."]
    assert Participant.objects.count() == 3
