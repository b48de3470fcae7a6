"""The refresh of an organisation's summary after the commit of a write (``monitoring.summary_refresh``):
the next dashboard finds it fresh; when the refresh fails or never comes, the dashboard is still right."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from monitoring import summaries, summary_refresh
from monitoring.models import OrganisationSummary
from registry import services as registry_services
from registry.signals import changes_held
from tests import factories

TODAY = timezone.localdate()


@pytest.fixture
def district(district):
    """The district, with its fixture's writes forgotten by the refresh's one-per-transaction schedule: the
    test's transaction never commits, and each test's commits are its ``django_capture_on_commit_callbacks``."""
    summary_refresh._state.transaction = None
    return district


def summary_of(organisation):
    return OrganisationSummary.objects.get(organisation=organisation)


def count_builds(monkeypatch):
    built = []
    real_build = summaries.build
    monkeypatch.setattr(summaries, "build",
                        lambda orgs, *a: built.append(sorted(o.pk for o in orgs)) or real_build(orgs, *a))
    return built


def test_after_a_service_write_and_its_commit_the_summary_is_fresh_without_a_dashboard(
        district, monkeypatch, django_capture_on_commit_callbacks, client_for):
    school = district.school1
    with summary_refresh.suppressed():
        participant = factories.ParticipantFactory(organisation=school)
    summaries.refresh()  # every summary fresh
    client = client_for(district.municipal)
    before = client.get(reverse("monitoring:dashboard")).context["d"].totals["participants_total"]
    built = count_builds(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        registry_services.archive_participant(participant, reason="Выбыл")
    assert built == [[school.pk]]  # this organisation only, once
    assert summary_of(school).is_fresh(TODAY)
    # The dashboard computes nothing, and shows the write.
    response = client.get(reverse("monitoring:dashboard"))
    assert built == [[school.pk]]
    assert response.context["d"].totals["participants_total"] == before - 1


def test_a_failed_refresh_leaves_the_view_right(district, monkeypatch, django_capture_on_commit_callbacks,
                                                client_for):
    school = district.school1
    client = client_for(district.municipal)
    path = reverse("monitoring:dashboard")
    first = client.get(path).context["d"].totals["participants_total"]

    def broken(*args):
        raise RuntimeError("the refresh's database went away")

    real_build = summaries.build
    monkeypatch.setattr(summaries, "build", broken)
    with django_capture_on_commit_callbacks(execute=True):  # the write stands: the failure is logged
        factories.ParticipantFactory(organisation=school)
    assert not summary_of(school).is_fresh(TODAY)
    monkeypatch.setattr(summaries, "build", real_build)
    assert client.get(path).context["d"].totals["participants_total"] == first + 1


def test_a_missing_refresh_leaves_the_view_right(district, django_capture_on_commit_callbacks, client_for):
    client = client_for(district.municipal)
    path = reverse("monitoring:dashboard")
    first = client.get(path).context["d"].totals["participants_total"]
    with summary_refresh.suppressed(), django_capture_on_commit_callbacks(execute=True):
        factories.ParticipantFactory(organisation=district.school2)
    assert not summary_of(district.school2).is_fresh(TODAY)
    assert client.get(path).context["d"].totals["participants_total"] == first + 1


def test_one_refresh_per_organisation_per_transaction(district, monkeypatch, django_capture_on_commit_callbacks):
    runs = []
    monkeypatch.setattr(summary_refresh, "run", runs.append)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            factories.ParticipantFactory(organisation=district.school1)
        factories.ParticipantFactory(organisation=district.school2)
    assert sorted(pk for ids in runs for pk in ids) == sorted([district.school1.pk, district.school2.pk])


def test_nothing_is_refreshed_before_the_commit_nor_after_a_rollback(district, monkeypatch,
                                                                     django_capture_on_commit_callbacks):
    from django.db import transaction

    runs = []
    monkeypatch.setattr(summary_refresh, "run", runs.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        try:
            with transaction.atomic():
                factories.ParticipantFactory(organisation=district.school1)
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == [] and runs == []


def test_in_a_request_the_refresh_waits_for_the_response(district, monkeypatch, django_capture_on_commit_callbacks):
    """With eager tasks the refresh runs after the response is out (``request_finished``), not in the write's time."""
    runs = []
    monkeypatch.setattr(summary_refresh, "run", lambda ids: runs.append(list(ids)))
    # As Django's test client does: without its receiver, which would close the test transaction's connection
    # (on PostgreSQL a connection out of autocommit counts as obsolete).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        request_started.send(sender=None, environ={})
        try:
            with django_capture_on_commit_callbacks(execute=True):
                factories.ParticipantFactory(organisation=district.school1)
            assert runs == []
        finally:
            request_finished.send(sender=None)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert runs == [[district.school1.pk]]


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_with_a_broker_a_worker_refreshes(district, monkeypatch, django_capture_on_commit_callbacks):
    from monitoring import tasks

    sent = []
    monkeypatch.setattr(tasks.refresh_organisation_summaries, "apply_async",
                        lambda args, **options: sent.append((args, options)))
    with django_capture_on_commit_callbacks(execute=True):
        factories.ParticipantFactory(organisation=district.school1)
    # One attempt: a write never waits out the publish retries of a broker that is down.
    assert sent == [([[district.school1.pk]], {"retry": False})]

    def broker_down(args, **options):
        raise ConnectionError("no broker")

    monkeypatch.setattr(tasks.refresh_organisation_summaries, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):  # the write stands
        factories.ParticipantFactory(organisation=district.school2)


def test_the_task_is_idempotent_and_cheap_when_fresh(district, monkeypatch, django_assert_max_num_queries):
    from monitoring.tasks import refresh_organisation_summaries

    school = district.school1
    with summary_refresh.suppressed():
        factories.ParticipantFactory(organisation=school)
    assert refresh_organisation_summaries.delay([school.pk]).get() == 1
    assert summary_of(school).is_fresh(TODAY)
    built = count_builds(monkeypatch)
    with django_assert_max_num_queries(3):  # a redelivered message
        assert refresh_organisation_summaries.delay([school.pk]).get() == 1
    assert built == []


def test_held_changes_schedule_no_refresh(district, monkeypatch, django_capture_on_commit_callbacks):
    """``load_demo`` holds changes: no refresh per write (it brings the summaries up to date once)."""
    runs = []
    monkeypatch.setattr(summary_refresh, "run", runs.append)
    with changes_held(), django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            factories.ParticipantFactory(organisation=district.school1)
    assert runs == []
