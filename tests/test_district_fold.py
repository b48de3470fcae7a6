"""The district's sums folded from the rows' parts in runs (``monitoring.district.fold``): checked against
the sums written out plainly over the rows (``monitoring.figures.total``, the report list's own filter, a
plain sort for the charts), from scratch and after a figure changed in one organisation — where only
that organisation's row and the run holding it are summed again — after a rollback, in another language,
and when a form is renamed or moved."""

import datetime
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone, translation

from mentoring.models import MentoringForm, Pair
from monitoring import figures as figures_service
from monitoring import summaries
from monitoring import lists as monitoring_lists
from monitoring.dashboards import REPORT_SERIES
from monitoring.district import charts as district_charts
from monitoring.district import dashboard as district_dashboard
from monitoring.district import fold as district_fold
from monitoring.models import MonitoringReport
from registry.models import AcademicYear, Organisation, OrganisationHeadcount
from registry.scoping import Scope
from tests.test_dashboards import populate
from tests.test_district_cache import from_scratch

TODAY = timezone.localdate()


def plainly(d, scope) -> None:
    """Every sum of ``d`` written out over its rows (and the pairs over the summaries of every organisation
    the scope sees), as the dashboard computed them before the parts."""
    rows = d.rows
    totals = figures_service.total({row.pk: row.figures for row in rows})
    targets = {(r.coverage["students_target"], r.coverage["teachers_target"], r.plans["target"],
                r.consents["target"]) for r in rows}
    target = dict(zip(("students", "teachers", "plans", "consents"), targets.pop())) if len(targets) == 1 else None
    assert d.target == target
    for kind in ("students", "teachers"):
        totals["coverage"][f"{kind}_on_target"] = bool(target and totals["coverage"][f"{kind}_percent"] is not None
                                                       and totals["coverage"][f"{kind}_percent"] >= target[kind])
        totals[f"{kind}_on_target"] = sum(1 for r in rows if r.coverage[f"{kind}_on_target"])
    totals["without_headcount"] = sum(1 for r in rows if not r.coverage["students_base"])
    plans = [r.plans for r in rows if r.plans["count"]]
    count = sum(p["count"] for p in plans)
    average = round(sum(p["average_percent"] * p["count"] for p in plans) / count, 1) if count else None
    totals["plans"] = {"count": count, "on_target": sum(p["on_target"] for p in plans), "average_percent": average,
                       "ok": None if average is None or target is None else average >= target["plans"]}
    totals["roadmap_counts"] = {"with_roadmap": sum(1 for r in rows if r.roadmap.roadmap_id),
                                "with_overdue": sum(1 for r in rows if r.roadmap.overdue)}
    assert d.totals == totals
    assert d.consents["organisations_on_target"] == sum(1 for r in rows if r.consents["on_target"])
    assert (d.roadmap.total, d.roadmap.done, d.roadmap.overdue, d.roadmap.next_due) == (
        sum(r.roadmap.total for r in rows), sum(r.roadmap.done for r in rows), sum(r.roadmap.overdue for r in rows),
        min((r.roadmap.next_due for r in rows if r.roadmap.next_due), default=None))
    for half in d.report_halves:
        cells = [r.reports[half["half"] - 1] for r in rows]
        assert half["counts"] == {key: len(monitoring_lists.by_report_status(cells, key)[0])
                                  for key, _l, _c in REPORT_SERIES}
        assert half["late"] == len(monitoring_lists.by_report_status(cells, monitoring_lists.LATE)[0])
        assert half["due_dates"] == sorted({cell.due_on for cell in cells})
    assert d.late_reports == sorted(((r, c) for r in rows for c in r.reports if c.late),
                                    key=lambda pair: (pair[1].due_on, pair[0].name))

    def first(chosen, key):
        return sorted(chosen, key=key)[:district_charts.CHART_ROWS]

    def worst(value):
        return lambda r: (value(r) is None, value(r) or 0, r.name.lower())

    for kind in ("students", "teachers"):
        chosen = first(rows, worst(lambda r, kind=kind: r.coverage[f"{kind}_percent"]))
        assert [(e["label"], e["value"], e["note"]) for e in d.charts[kind]] == [
            (r.name, r.coverage[f"{kind}_percent"],
             f"{r.coverage[kind]} / {r.coverage[f'{kind}_base']}" if r.coverage[f"{kind}_base"]
             else "численность не указана") for r in chosen]
    with_roadmap = [r for r in rows if r.roadmap.total]
    assert [e["label"] for e in d.charts["roadmap"]] == [
        r.name for r in first(with_roadmap, lambda r: (-r.roadmap.overdue, r.roadmap.percent, r.name.lower()))]
    with_people = [r for r in rows if r.consents["total"]]
    assert [e["label"] for e in d.charts["consents"]] == [
        r.name for r in first(with_people, worst(lambda r: r.consents["percent"]))]
    assert (d.charts["roadmap_rows"], d.charts["consent_rows"]) == (len(with_roadmap), len(with_people))
    by_status = Counter()
    ids = list(Organisation.objects.visible_to(scope).values_list("pk", flat=True))
    for stored in summaries.stored(ids, d.year, d.today).values():
        for _form, status, n in stored.data["counts"]["pairs"]:
            if status in district_charts.LISTED_STATUSES:
                by_status[status] += n
    assert {status: d.pairs[status].n for status in district_charts.LISTED_STATUSES} == {
        status: by_status[status] for status in district_charts.LISTED_STATUSES}


@pytest.fixture
def many(district):
    """Forty-five schools (three runs, more than a chart shows) with head counts that differ, one school
    without any, one that is no longer active, and late reports."""
    schools = populate(district.municipality, 45)
    year = AcademicYear.objects.current()
    for i, school in enumerate(schools):
        OrganisationHeadcount.objects.filter(organisation=school, academic_year=year).update(
            students_total=15 + (i * 7) % 40, students_aged_10_plus=5 + (i * 11) % 10, teachers_total=1 + i % 6)
    # Late reports in every run, due on different days.
    for i in range(2, 45, 4):
        MonitoringReport.objects.filter(organisation=schools[i], academic_year=year).update(
            status=MonitoringReport.Status.DRAFT, due_on=TODAY - datetime.timedelta(days=1 + i % 3))
    OrganisationHeadcount.objects.filter(organisation=schools[0]).delete()
    Organisation.objects.filter(pk=schools[1].pk).update(is_active=False)
    return Scope.for_user(district.municipal), year, schools


@pytest.fixture
def summed(monkeypatch):
    """The runs summed (their first rows' names)."""
    calls = []
    real = district_fold.run

    def run(rows):
        calls.append(rows[0].name)
        return real(rows)

    monkeypatch.setattr(district_fold, "run", run)
    return calls


def test_the_folded_sums_are_the_rows_sums(district, many):
    scope, year, _schools = many
    d = from_scratch(scope, year)
    assert len(d.rows) > 2 * district_fold.RUN and d.inactive is not None and len(d.late_reports) == 11
    plainly(d, scope)


def test_a_figure_changed_in_one_organisation_sums_its_run_again(district, many, summed):
    scope, year, schools = many
    before = district_dashboard.district(scope, year)
    assert len(summed) == len(range(0, len(before.rows), district_fold.RUN))
    summed.clear()
    lowest = before.charts["students"][0]["label"]  # of the lowest coverage: first in the chart
    changed = Organisation.objects.get(short_name=lowest)
    headcount = OrganisationHeadcount.objects.get(organisation=changed, academic_year=year)
    # coverage far above the others': out of the charts of the lowest
    headcount.students_total = headcount.students_aged_10_plus = headcount.teachers_total = 1
    headcount.save()
    after = district_dashboard.district(scope, year)
    assert len(summed) == 1
    assert after.totals["coverage"]["students_base"] == before.totals["coverage"]["students_base"] - (
        [r for r in before.rows if r.pk == changed.pk][0].coverage["students_base"] - 1)
    assert after.charts["students"] != before.charts["students"]
    plainly(after, scope)
    # no head count: among the unknown, last in the charts' order
    headcount.students_total = headcount.students_aged_10_plus = headcount.teachers_total = 0
    headcount.save()
    again = district_dashboard.district(scope, year)
    plainly(again, scope)
    assert again.totals["without_headcount"] == before.totals["without_headcount"] + 1
    assert again == from_scratch(scope, year)


def test_a_rolled_back_figure_is_never_shown(district, many):
    scope, year, schools = many
    before = district_dashboard.district(scope, year)
    with pytest.raises(RuntimeError), transaction.atomic():
        OrganisationHeadcount.objects.filter(organisation=schools[5]).update(students_total=1000,
                                                                             students_aged_10_plus=1000)
        summaries.invalidate([schools[5].pk])  # as the services announce their bulk writes
        inside = district_dashboard.district(scope, year)
        assert inside.totals["coverage"]["students_base"] > before.totals["coverage"]["students_base"]
        plainly(inside, scope)
        raise RuntimeError
    assert district_dashboard.district(scope, year) == before == from_scratch(scope, year)


def test_another_language_is_folded_apart(district, many):
    scope, year, schools = many
    russian = district_dashboard.district(scope, year)
    with translation.override("en"):
        english = district_dashboard.district(scope, year)
        assert english == russian and all(a is not b for a, b in zip(english.rows, russian.rows))
        headcount = OrganisationHeadcount.objects.get(organisation=schools[7], academic_year=year)
        headcount.students_total += 3
        headcount.students_aged_10_plus += 3
        headcount.save()
        changed = district_dashboard.district(scope, year)
        plainly(changed, scope)
        assert changed == from_scratch(scope, year)
    assert district_dashboard.district(scope, year) == changed


def test_a_form_renamed_or_moved_shows_at_once(district, many):
    """The forms' names and places are read with the organisations' counts: a change to a form makes
    every summary stale, and the labels and the order of the pairs by form follow at once."""
    scope, year, schools = many
    other = MentoringForm.objects.exclude(name="учитель – ученик").order_by("position").first()
    Pair.objects.filter(programme__organisation=schools[2]).update(status=Pair.Status.FORMING)
    programme = Pair.objects.filter(programme__organisation=schools[3]).first().programme
    programme.form = other
    programme.save()
    before = district_dashboard.district(scope, year)
    labels = [cell["label"] for cell in before.pairs_by_form]
    assert len(labels) == 2
    first = MentoringForm.objects.get(name=labels[0])
    first.position = max(MentoringForm.objects.values_list("position", flat=True)) + 1
    first.save()
    moved = district_dashboard.district(scope, year)
    assert [cell["label"] for cell in moved.pairs_by_form] == labels[::-1]
    first.name = "наставник – ученик (новое имя)"
    first.save()
    renamed = district_dashboard.district(scope, year)
    assert [cell["label"] for cell in renamed.pairs_by_form] == [labels[1], "наставник – ученик (новое имя)"]
    assert renamed == from_scratch(scope, year)
