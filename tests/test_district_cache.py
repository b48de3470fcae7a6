"""The district dashboard kept between views (``monitoring.district.inputs``, ``monitoring.memo``): what a
view shows always equals the district computed from scratch — after a write through a service, after
a bulk change, after a write to what is read live (reports, roadmaps), on another day, after a rollback
— and only what changed is computed again."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentoring import services
from mentoring.models import Pair
from monitoring import summaries
from monitoring.district import dashboard as district_dashboard
from monitoring.district import fold as district_fold
from monitoring.memo import Memo
from monitoring.models import MonitoringReport, OrganisationSummary
from registry.models import AcademicYear
from registry.scoping import Scope
from roadmaps.models import Occurrence
from tests import factories
from tests.test_dashboards import populate
from tests.test_pairs import student, teacher

TODAY = timezone.localdate()


def from_scratch(scope, year, today=TODAY):
    """The district with nothing kept: every summary computed again, nothing folded before."""
    summaries.invalidate()
    district_dashboard._districts.clear()
    district_dashboard._rows.clear()
    district_dashboard._organisation_objects.clear()
    district_fold._runs.clear()
    summaries._decoded.clear()
    return district_dashboard.district(scope, year, today=today)


@pytest.fixture
def setting(district):
    populate(district.municipality, 3)
    return Scope.for_user(district.municipal), AcademicYear.objects.current()


@pytest.fixture
def built(monkeypatch):
    """The organisations whose row of the table is built, and how many times the district is folded."""
    calls = {"rows": [], "folds": 0}
    real_row, real_fold = district_dashboard._row, district_dashboard._fold

    def row(inputs, line, *args):
        calls["rows"].append(line.pk)
        return real_row(inputs, line, *args)

    def fold(inputs):
        calls["folds"] += 1
        return real_fold(inputs)

    monkeypatch.setattr(district_dashboard, "_row", row)
    monkeypatch.setattr(district_dashboard, "_fold", fold)
    return calls


def test_a_warm_view_folds_nothing_again(district, setting, built):
    scope, year = setting
    first = district_dashboard.district(scope, year)
    assert built["folds"] == 1 and len(built["rows"]) == len(first.rows)
    again = district_dashboard.district(scope, year, sort="-students")
    assert built["folds"] == 1 and len(built["rows"]) == len(first.rows)
    assert again.sort == "-students" and again.rows != first.rows and sorted(again.rows, key=id) == sorted(
        first.rows, key=id)
    assert first.sort == "name"  # the kept district is not re-sorted under the first reader
    assert district_dashboard.district(scope, year) == first == from_scratch(scope, year)


def test_a_write_through_a_service_shows_at_once_and_builds_one_row(district, setting, built):
    scope, year = setting
    school = district.school1
    before = district_dashboard.district(scope, year)
    built["rows"].clear()
    mentor, mentee = teacher(school), student(school)
    pair = services.form_pair(programme=factories.ProgrammeFactory(organisation=school), mentor=mentor,
                              mentees=[mentee], started_on=TODAY)
    services.activate(pair)  # a conditional update(), announced
    after = district_dashboard.district(scope, year)
    assert built["rows"] == [school.pk]
    assert after.totals["participants_total"] == before.totals["participants_total"] + 2
    assert after.pairs[Pair.Status.ACTIVE].n == before.pairs[Pair.Status.ACTIVE].n + 1
    assert after == from_scratch(scope, year)


def test_a_write_that_changes_nothing_shown_keeps_what_was_folded(district, setting, built):
    """The summary is computed again (its generation moved), finds the same data and keeps its token: the
    rows and the district folded from it stay in use."""
    scope, year = setting
    school = district.school1
    before = district_dashboard.district(scope, year)
    token = OrganisationSummary.objects.get(organisation=school, academic_year=year).token
    built["rows"].clear()
    school.save()  # a write the figures do not show
    row = OrganisationSummary.objects.get(organisation=school, academic_year=year)
    assert not row.is_fresh(TODAY)
    assert district_dashboard.district(scope, year) == before
    row.refresh_from_db()
    assert row.is_fresh(TODAY) and row.token == token
    assert built["rows"] == [] and built["folds"] == 1


def test_a_bulk_change_shows_at_once(district, setting, built):
    scope, year = setting
    school = district.school2
    before = district_dashboard.district(scope, year)
    built["rows"].clear()
    programme = factories.ProgrammeFactory(organisation=school)
    Pair.objects.bulk_create(Pair(programme=programme, status=Pair.Status.FORMING) for _ in range(3))
    summaries.invalidate([school.pk])  # as the services announce their bulk writes
    after = district_dashboard.district(scope, year)
    assert built["rows"] == [school.pk]
    assert after.pairs[Pair.Status.FORMING].n == before.pairs[Pair.Status.FORMING].n + 3
    assert after == from_scratch(scope, year)


def test_reports_and_roadmaps_are_read_live(district, setting, built):
    """No summary listens to reports and roadmaps: the rows read for every view are the key."""
    scope, year = setting
    before = district_dashboard.district(scope, year)
    report = MonitoringReport.objects.filter(status=MonitoringReport.Status.SUBMITTED).first()
    MonitoringReport.objects.filter(pk=report.pk).update(status=MonitoringReport.Status.ACCEPTED)
    occurrence = Occurrence.objects.filter(status=Occurrence.Status.NOT_STARTED,
                                           item__roadmap__organisation__isnull=False).first()
    Occurrence.objects.filter(pk=occurrence.pk).update(status=Occurrence.Status.DONE)
    after = district_dashboard.district(scope, year)
    assert after.report_halves[0]["counts"]["accepted"] == before.report_halves[0]["counts"]["accepted"] + 1
    assert after.roadmap.done == before.roadmap.done + 1 and after.overdue.n == before.overdue.n - 1
    changed = {report.organisation_id, occurrence.item.roadmap.organisation_id}
    assert sorted(built["rows"][len(before.rows):]) == sorted(changed)
    assert after == from_scratch(scope, year)


def test_overdue_read_with_the_progress_is_what_the_overdue_list_counts(district, setting):
    """The inputs count the overdue occurrences in the progress query; ``district_counts.overdue`` counts
    them with the overdue list's own queryset. An item taken out and a cancelled occurrence included."""
    from monitoring.district import counts as district_counts
    from monitoring.district import inputs as district_inputs

    scope, year = setting
    removed = Occurrence.objects.filter(status=Occurrence.Status.NOT_STARTED).first()
    removed.item.is_removed = True
    removed.item.save()
    cancelled = Occurrence.objects.filter(status=Occurrence.Status.NOT_STARTED, item__is_removed=False).first()
    Occurrence.objects.filter(pk=cancelled.pk).update(status=Occurrence.Status.CANCELLED)
    read = district_inputs.read(scope, year, TODAY)
    by_organisation, by_roadmap = district_counts.overdue(scope, year, TODAY)
    assert (read.overdue_by_organisation, read.overdue_by_roadmap) == (by_organisation, by_roadmap)
    # Three populated schools had one overdue occurrence each: one taken out, one cancelled.
    assert sum(by_organisation.values()) == 1


def test_another_day_is_folded_again(district, setting):
    """Deadlines pass with the date alone: a report due yesterday is late today."""
    scope, year = setting
    school = district.school1
    due = district_dashboard.district(scope, year).rows[0].reports[0].due_on
    on_the_day = district_dashboard.district(scope, year, today=due)
    next_day = district_dashboard.district(scope, year, today=due + datetime.timedelta(days=1))
    late = {row.pk for row, cell in next_day.late_reports if cell.half == 1}
    assert school.pk in late and school.pk not in {row.pk for row, cell in on_the_day.late_reports}
    assert next_day == from_scratch(scope, year, due + datetime.timedelta(days=1))


def test_a_rolled_back_write_is_never_shown(district, setting):
    """A rollback brings a summary's generation back; a later write raises it to the same number with other
    data behind it. What was kept is addressed by a random token drawn at each computation, not by the
    generation, so the later view shows the later data."""
    scope, year = setting
    school = district.school1
    before = district_dashboard.district(scope, year)

    def generation():
        return OrganisationSummary.objects.get(organisation=school, academic_year=year).generation

    with pytest.raises(RuntimeError), transaction.atomic():
        teacher(school)  # a participant and a consent: two bumps
        inside = district_dashboard.district(scope, year)  # within the writer's transaction: fresh at once
        assert inside.consents["with_consent"] == before.consents["with_consent"] + 1
        rolled_back = generation()
        raise RuntimeError
    assert district_dashboard.district(scope, year) == before
    teacher(school, consent=False)  # one bump, and one more for nothing: the same generation again
    summaries.invalidate([school.pk])
    assert generation() == rolled_back
    after = district_dashboard.district(scope, year)
    assert after.consents["with_consent"] == before.consents["with_consent"]
    assert after.totals["participants_total"] == before.totals["participants_total"] + 1
    assert after == from_scratch(scope, year)


def _view_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("monitoring:dashboard")).status_code == 200
    return len(captured)


def test_after_a_write_the_view_runs_the_same_queries_whatever_the_number_of_organisations(district, client_for):
    populate(district.municipality, 3, prefix="Малая")
    client = client_for(district.municipal)
    client.get(reverse("password_change"))
    _view_queries(client)
    warm = _view_queries(client)
    teacher(district.school1)
    few = _view_queries(client)
    populate(district.municipality, 60, prefix="Большая")
    _view_queries(client)
    assert _view_queries(client) == warm
    teacher(district.school2)
    assert _view_queries(client) == few > warm


def test_the_charts_and_rows_are_drawn_again_only_when_their_data_change(district, client_for):
    from monitoring.templatetags import district as district_tags

    district_tags._markup.clear()
    client = client_for(district.municipal)
    path = reverse("monitoring:dashboard")
    first = client.get(path)
    assert {name for name, _language, _data in district_tags._markup._entries} == {
        "students", "teachers", "pairs", "reports", "roadmap", "consents"}
    assert all(row.rendered for row in first.context["listing"].rows)
    second = client.get(path)
    assert len(district_tags._markup) == 6
    assert second.content.decode().count("<svg class=\"chart\"") == first.content.decode().count("<svg class=\"chart\"")
    teacher(district.school1)  # a consent more: the consents' chart changes, the pairs' does not
    client.get(path)
    assert 6 < len(district_tags._markup) < 12
    assert ("consents", "ru") in {(name, language) for name, language, _data in list(district_tags._markup._entries)[6:]}


def test_memo_keeps_the_most_recently_used():
    memo = Memo(2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1
    memo.put("c", 3)
    assert memo.get("b") is None and memo.get("a") == 1 and memo.get("c") == 3 and len(memo) == 2
