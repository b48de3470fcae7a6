"""The monitoring dashboards: who sees which, what the numbers are and where they link, and that
both pages run a constant number of queries whatever the number of organisations."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentoring.models import Meeting, Membership, MentoringForm, MentorLink, Pair, PlanItem, Programme
from monitoring.district import dashboard as district_dashboard
from monitoring.models import CoverageTarget, MonitoringReport
from monitoring.templatetags import charts
from registry.models import (
    AcademicYear,
    Consent,
    MenteeProfile,
    MentorProfile,
    Organisation,
    OrganisationHeadcount,
    Participant,
)
from registry.scoping import Scope
from roadmaps.deadlines import DeadlineSpec
from roadmaps.models import Occurrence, Roadmap, RoadmapItem
from tests import factories

# Cold: every organisation's summary computed (its figures and the lists' counts) and stored, and the
# page's own (the notification bell's unread count among them).
# Among them the statistics export's counts, the forms that are its columns (the summary stores the export's
# row as written) and the stale ones' organisations; SQLite writes the summaries in one more batch (below).
# The pairs' forms are read with the counts (no query of their own).
DISTRICT_QUERIES = 29
# Warm: the inputs read (monitoring.district.inputs), the rest kept; PostgreSQL adds BEGIN, `SET LOCAL jit = off`
# and COMMIT.
DISTRICT_WARM_QUERIES = 13 if connection.vendor == "postgresql" else 10
# The school's dashboard reads the organisation's stored summary (monitoring.summaries) as the district's does:
# after a write it is computed again (the figures, the district's counts, the statistics export's row in its
# columns, the summary written back)...
# PostgreSQL adds statements of its own: the summary's savepoint and release, and `SET LOCAL jit = off`.
SCHOOL_QUERIES = 32 if connection.vendor == "postgresql" else 29
# ... and a view with nothing changed since reads it in one query.
SCHOOL_WARM_QUERIES = 20 if connection.vendor == "postgresql" else 18  # PostgreSQL: the savepoint and its release


def populate(municipality, count: int, *, prefix: str = "Школа") -> list[Organisation]:
    """``count`` organisations with head counts, people, consents, a pair with a plan and a meeting, a
    roadmap with one done and one overdue occurrence, and a submitted report: a few bulk inserts."""
    year = AcademicYear.objects.current()
    today = timezone.localdate()
    organisations = Organisation.objects.bulk_create(
        Organisation(municipality=municipality, short_name=f"{prefix} {i:03d}", full_name=f"{prefix} {i:03d}")
        for i in range(count))
    OrganisationHeadcount.objects.bulk_create(
        OrganisationHeadcount(organisation=o, academic_year=year, students_total=20, students_aged_10_plus=15,
                              teachers_total=5) for o in organisations)
    people = []
    for o in organisations:
        for last, category in (("Учитель", "teacher"), ("Ученик", "student"), ("Ученица", "student")):
            person = Participant(organisation=o, last_name=last, first_name="Тест", category=category,
                                 birth_date=datetime.date(2011, 1, 1))
            person.fill_search_name()
            people.append(person)
    people = Participant.objects.bulk_create(people)
    text = factories.consent_text()
    Consent.objects.bulk_create(Consent(participant=p, text=text, signed_by="participant",
                                        signed_on=today - datetime.timedelta(days=10))
                                for p in people if p.last_name == "Учитель")
    teachers = [p for p in people if p.last_name == "Учитель"]
    students = [p for p in people if p.last_name == "Ученик"]
    mentors = MentorProfile.objects.bulk_create(MentorProfile(participant=p) for p in teachers)
    mentees = MenteeProfile.objects.bulk_create(MenteeProfile(participant=p) for p in students)
    form = MentoringForm.objects.get(name="учитель – ученик")
    programmes = Programme.objects.bulk_create(
        Programme(organisation=o, academic_year=year, form=form, starts_on=year.starts_on, ends_on=year.ends_on)
        for o in organisations)
    pairs = Pair.objects.bulk_create(Pair(programme=p, status=Pair.Status.ACTIVE, started_on=year.starts_on)
                                     for p in programmes)
    MentorLink.objects.bulk_create(MentorLink(pair=pair, mentor=m) for pair, m in zip(pairs, mentors))
    memberships = Membership.objects.bulk_create(Membership(pair=pair, mentee=m) for pair, m in zip(pairs, mentees))
    PlanItem.objects.bulk_create(
        PlanItem(membership=m, goal="Цель", action="Шаг", due_on=today, status=status)
        for m in memberships for status in (PlanItem.Status.DONE, PlanItem.Status.PLANNED))
    Meeting.objects.bulk_create(Meeting(programme=pair.programme, pair=pair, held_on=today, topic="Встреча")
                                for pair in pairs)
    roadmaps = Roadmap.objects.bulk_create(Roadmap(organisation=o, academic_year=year, title="Дорожная карта")
                                           for o in organisations)
    deadline = DeadlineSpec(kind="year", text="в течение года").to_json()
    items = RoadmapItem.objects.bulk_create(
        RoadmapItem(roadmap=r, stage_number=1, stage_title="Этап", number=f"1.{n}", title=f"Мероприятие {n}",
                    deadline=deadline, position=n) for r in roadmaps for n in (1, 2))
    Occurrence.objects.bulk_create(
        Occurrence(item=item, starts_on=today - datetime.timedelta(days=60),
                   due_on=today - datetime.timedelta(days=5),
                   status=Occurrence.Status.DONE if item.number == "1.1" else Occurrence.Status.NOT_STARTED)
        for item in items)
    MonitoringReport.objects.bulk_create(
        MonitoringReport(organisation=o, academic_year=year, half=1, due_on=today + datetime.timedelta(days=10),
                         status=MonitoringReport.Status.SUBMITTED, submitted_at=timezone.now())
        for o in organisations)
    _analyze(Organisation, OrganisationHeadcount, Participant, Consent, MentorProfile, MenteeProfile, Programme,
             Pair, MentorLink, Membership, PlanItem, Meeting, Roadmap, RoadmapItem, Occurrence, MonitoringReport)
    return organisations


def _analyze(*models) -> None:
    """PostgreSQL: the statistics of the rows just inserted (ANALYZE in the test's transaction counts its
    own rows; rolled back with it). Autovacuum analyses the test database's tables at random moments,
    full of the dead rows earlier tests rolled back: «no live rows», and a plan for one row each ran the
    district's roadmap query over three hundred organisations for minutes in one run of the suite."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models))


# --- who sees what -------------------------------------------------------------------------------------


def test_municipal_curator_sees_the_district(district, client_for):
    response = client_for(district.municipal).get(reverse("monitoring:dashboard"))
    assert response.status_code == 200
    content = response.content.decode()
    for school in (district.school1, district.school2, district.college):
        assert school.short_name in content
        assert reverse("monitoring:organisation_dashboard", args=[school.pk]) in content
    assert district.foreign_school.short_name not in content
    assert "Селивановский район" in content


def test_regional_observer_sees_both_districts(district, client_for):
    content = client_for(district.observer).get(reverse("monitoring:dashboard")).content.decode()
    assert district.foreign_school.short_name in content
    assert district.school1.short_name in content


@pytest.mark.parametrize("username", ["curator1", "director1", "member1"])
def test_single_organisation_user_gets_the_school_dashboard(district, client_for, username):
    user = getattr(district, username)
    year = AcademicYear.objects.current()
    response = client_for(user).get(reverse("monitoring:dashboard"), {"year": year.start_year})
    expected = reverse("monitoring:organisation_dashboard", args=[district.school1.pk])
    assert response.status_code == 302
    assert response["Location"] == f"{expected}?year={year.start_year}"
    page = client_for(user).get(response["Location"])
    assert page.status_code == 200
    assert district.school1.short_name in page.content.decode()


def test_user_without_role_sees_an_empty_district(district, client_for):
    response = client_for(district.nobody).get(reverse("monitoring:dashboard"))
    assert response.status_code == 200
    assert "ни одна организация" in response.content.decode()


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("monitoring:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_school_dashboard_is_scoped(district, client_for, roles):
    roles.expect(reverse("monitoring:organisation_dashboard", args=[district.school1.pk]))
    assert client_for(district.observer).get(
        reverse("monitoring:organisation_dashboard", args=[district.foreign_school.pk])).status_code == 200


def test_school_dashboard_of_a_missing_organisation_is_404(district, client_for):
    response = client_for(district.municipal).get(reverse("monitoring:organisation_dashboard", args=[99999]))
    assert response.status_code == 404


# --- numbers and links ------------------------------------------------------------------------------------


def test_district_numbers_link_to_the_rows_behind_them(district, client_for):
    populate(district.municipality, 2)
    school = Organisation.objects.get(short_name="Школа 000")
    roadmap = Roadmap.objects.get(organisation=school)
    content = client_for(district.municipal).get(reverse("monitoring:dashboard")).content.decode()
    # The consent share of a school: its participants without a consent.
    assert f"/registry/participants/?organisation={school.pk}&amp;consent=missing" in content
    # Coverage: the school's own dashboard.
    year = AcademicYear.objects.current().start_year
    assert f"/monitoring/organisations/{school.pk}/?year={year}#coverage" in content
    # Overdue roadmap items: the roadmap's dates filtered on them, and the overdue list of the year (the
    # district's, and the school's).
    assert f"/roadmaps/{roadmap.pk}/?view=dates&amp;status=overdue" in content
    assert f"/roadmaps/overdue/?year={year}&amp;level=organisation" in content
    assert f"/roadmaps/overdue/?organisation={school.pk}&amp;year={year}&amp;level=organisation" in content
    # Pairs of the year by status, by form and status, the quiet ones, and the meetings of the year;
    # each link's list holds exactly the number shown.
    form = MentoringForm.objects.get(name="учитель – ученик")
    client = client_for(district.municipal)
    for link, expected in ((f"/mentoring/pairs/?year={year}&amp;status=active", 2),
                           (f"/mentoring/pairs/?form={form.pk}&amp;year={year}&amp;status=active", 2),
                           (f"/mentoring/pairs/?year={year}&amp;status=quiet", 0),
                           (f"/mentoring/meetings/?year={year}", 2)):
        assert link in content
        listed = client.get(link.replace("&amp;", "&")).context["listing"].count
        assert listed == expected, link
    # The submitted report links to itself.
    report = MonitoringReport.objects.get(organisation=school)
    assert reverse("monitoring:report_detail", args=[report.pk]) in content


def test_district_figures(district):
    populate(district.municipality, 4)
    year = AcademicYear.objects.current()
    scope = Scope.for_user(district.municipal)
    d = district_dashboard.district(scope, year)
    rows = {row.name: row for row in d.rows}
    assert len(rows) == 7  # 3 fixture organisations and 4 populated ones
    row = rows["Школа 001"]
    # 1 teacher mentors 1 student: 1 of 20 students (5 %, below 10 %), 1 of 5 teachers (20 %, above 15 %).
    assert row.coverage["students_percent"] == 5.0 and not row.coverage["students_on_target"]
    assert row.coverage["teachers_percent"] == 20.0 and row.coverage["teachers_on_target"]
    assert row.consents["with_consent"] == 1 and row.consents["missing"].n == 2 and row.consents["lapsed"].n == 0
    assert row.roadmap.total == 2 and row.roadmap.done == 1 and row.roadmap.overdue == 1
    assert row.plans["average_percent"] == 50.0
    assert [cell.state for cell in row.reports] == ["submitted", "missing"]
    assert d.totals["coverage"]["students"] == 4
    assert d.totals["coverage"]["students_base"] == 80
    assert d.totals["students_on_target"] == 0 and d.totals["teachers_on_target"] == 4
    assert d.pairs[Pair.Status.ACTIVE].n == 4 and d.pairs["working"].n == 4
    assert d.pairs_by_form[0]["label"] == "учитель – ученик"
    assert d.roadmap.overdue == 4 and d.overdue.n == 4 and d.totals["roadmap_counts"]["with_overdue"] == 4
    assert d.target == {"students": 10.0, "teachers": 15.0, "plans": 90, "consents": 100}


def test_targets_come_from_the_municipality(district, client_for):
    year = AcademicYear.objects.current()
    CoverageTarget.objects.create(municipality=district.municipality, academic_year=year, students_percent=4,
                                  teachers_percent=25)
    populate(district.municipality, 1)
    d = district_dashboard.district(Scope.for_user(district.municipal), year)
    row = next(row for row in d.rows if row.name == "Школа 000")
    assert row.coverage["students_on_target"] and not row.coverage["teachers_on_target"]
    content = client_for(district.municipal).get(reverse("monitoring:dashboard")).content.decode()
    assert "цель 4&nbsp;%" in content and "цель 25&nbsp;%" in content


def test_late_reports_are_listed(district):
    year = AcademicYear.objects.current()
    populate(district.municipality, 2)
    after_both = datetime.date(year.start_year + 1, 7, 1)
    d = district_dashboard.district(Scope.for_user(district.municipal), year, today=after_both)
    late = {(row.name, cell.half) for row, cell in d.late_reports}
    # Nobody wrote a report for the second half: all five organisations are late with it.
    assert {name for name, half in late if half == 2} == {row.name for row in d.rows}
    # The first-half reports were submitted: not late; the fixture schools wrote none: late.
    assert ("Школа 000", 1) not in late
    assert (district.school1.short_name, 1) in late
    assert d.report_halves[1]["late"] == 5
    assert d.current_half == 2


def test_table_sorts_by_a_whitelisted_column(district, client_for):
    populate(district.municipality, 3)
    year = AcademicYear.objects.current()
    scope = Scope.for_user(district.municipal)
    by_students = district_dashboard.district(scope, year, sort="-students")
    values = [row.coverage["students_percent"] for row in by_students.rows]
    known = [v for v in values if v is not None]
    assert known == sorted(known, reverse=True)
    assert values[-1] is None  # no head count: last whichever the direction
    assert district_dashboard.district(scope, year, sort="; DROP TABLE").sort == "name"
    response = client_for(district.municipal).get(reverse("monitoring:dashboard"), {"sort": "-overdue"})
    assert response.status_code == 200


def test_year_selector(district, client_for):
    current = AcademicYear.objects.current()
    previous = AcademicYear.objects.create(start_year=current.start_year - 1)
    populate(district.municipality, 1)
    d = district_dashboard.district(Scope.for_user(district.municipal), previous)
    assert all(row.pairs_working.n == 0 for row in d.rows)
    response = client_for(district.municipal).get(reverse("monitoring:dashboard"), {"year": previous.start_year})
    assert f'<option value="{previous.start_year}" selected>' in response.content.decode()
    assert AcademicYear.objects.from_param("abc") == current
    assert AcademicYear.objects.from_param("1999") == current


def test_school_dashboard_numbers_and_links(district, client_for):
    populate(district.municipality, 1)
    school = Organisation.objects.get(short_name="Школа 000")
    programme = Programme.objects.get(organisation=school)
    roadmap = Roadmap.objects.get(organisation=school)
    response = client_for(district.municipal).get(reverse("monitoring:organisation_dashboard", args=[school.pk]))
    content = response.content.decode()
    s = response.context["s"]
    assert s.figures["coverage"]["students"] == 1
    assert s.programmes[0].pairs["active"] == 1 and s.programmes[0].meetings == 1
    assert s.programmes[0].plans["average_percent"] == 50.0
    assert s.roadmap.overdue == 1 and len(s.overdue_items) == 1
    assert f"/mentoring/pairs/?programme={programme.pk}&amp;status=active" in content
    assert f"/mentoring/meetings/?programme={programme.pk}" in content
    assert reverse("mentoring:programme_detail", args=[programme.pk]) in content
    assert f"/roadmaps/{roadmap.pk}/?status=overdue" in content
    assert f"/roadmaps/{roadmap.pk}/#item-" in content
    assert f"/registry/participants/?organisation={school.pk}&amp;consent=missing" in content
    assert reverse("monitoring:dashboard") in content  # the way back to the district


def test_school_user_has_no_way_back_to_a_district(district, client_for):
    response = client_for(district.curator1).get(
        reverse("monitoring:organisation_dashboard", args=[district.school1.pk]))
    assert 'aria-label="breadcrumb"' not in response.content.decode()


# --- constant number of queries ----------------------------------------------------------------------------


def _count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


def test_district_dashboard_runs_a_constant_number_of_queries(district, client_for,
                                                               django_assert_max_num_queries):
    """Cold (every organisation's summary computed) and warm (read back), for 8 and for 303 organisations."""
    client = client_for(district.municipal)
    client.get(reverse("password_change"))  # the session's first touch (once a minute) is not the page's
    path = reverse("monitoring:dashboard")
    populate(district.municipality, 5, prefix="Малая")
    cold_few = _count_queries(client, path)
    warm_few = _count_queries(client, path)
    assert warm_few <= DISTRICT_WARM_QUERIES < cold_few
    populate(district.municipality, 295, prefix="Большая")
    assert Organisation.objects.filter(municipality=district.municipality).count() == 303
    with django_assert_max_num_queries(DISTRICT_QUERIES) as captured:
        response = client.get(path)
    assert len(response.context["d"].rows) == 303
    # Computing 295 summaries takes the queries of computing 5, but for the writes of the rows, which
    # SQLite takes in batches of 999 parameters (two batches for the insert, four for the update here).
    cold_many = len(captured)
    assert cold_many == cold_few + (4 if connection.vendor == "sqlite" else 0)
    assert _count_queries(client, path) == warm_few
    assert _count_queries(client, path + "?sort=-consents") == warm_few


def test_school_dashboard_runs_a_constant_number_of_queries(district, client_for, django_assert_max_num_queries):
    client = client_for(district.municipal)
    organisations = populate(district.municipality, 2)
    path = reverse("monitoring:organisation_dashboard", args=[organisations[0].pk])
    once = _count_queries(client, path)
    # More programmes, pairs, roadmap items and organisations around it change nothing.
    populate(district.municipality, 50, prefix="Соседняя")
    school = organisations[0]
    year = AcademicYear.objects.current()
    for name in ("ученик – ученик", "учитель – учитель"):
        programme = factories.ProgrammeFactory(organisation=school, academic_year=year, form_name=name)
        Pair.objects.bulk_create(Pair(programme=programme, status=Pair.Status.FORMING) for _ in range(5))
    with django_assert_max_num_queries(SCHOOL_QUERIES):
        client.get(path)
    warm = _count_queries(client, path)
    assert warm <= SCHOOL_WARM_QUERIES and warm < once
    # Nothing changed: the same queries whatever the neighbours hold.
    populate(district.municipality, 5, prefix="Третья")
    _count_queries(client, path)  # (a new organisation of the municipality: shared summaries stay as they are)
    assert _count_queries(client, path) == warm


# --- charts -----------------------------------------------------------------------------------------------


def test_bar_chart_marks_targets_and_escapes_labels():
    svg = charts.bar_chart([
        {"label": "<script>alert(1)</script>", "value": 5.0, "target": 10.0, "ok": False, "url": "/a/?x=1&y=2"},
        {"label": "Школа", "value": 12.5, "target": 10.0, "ok": True, "url": ""},
    ])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'href="/a/?x=1&amp;y=2"' in svg
    assert charts.RED in svg and charts.GREEN in svg
    assert "цель 10 %" in svg
    assert "12,5 %" in svg


def test_stacked_chart_links_each_part():
    svg = charts.stacked_chart(
        [{"label": "Форма", "values": {"a": 3, "b": 1}, "urls": {"a": "/a/", "b": "/b/"}}],
        [("a", "первое", "#0d6efd"), ("b", "второе", "#198754")],
    )
    assert 'href="/a/"' in svg and 'href="/b/"' in svg
    assert "первое" in svg  # the legend


def test_stacked_chart_texts_are_centred_by_their_y_and_inked_by_class():
    """The numbers inside the bars are centred on the row by their ``y`` and styled by class (white, black
    on a light colour: ``.chart .v`` in nastavnik.css): a district's page repeats them by the hundred."""
    svg = str(charts.stacked_chart(
        [{"label": "Школа", "values": {"a": 30, "b": 30}, "urls": {}}],
        [("a", "тёмное", "#198754"), ("b", "светлое", "#ffc107")], row_height=24,
    ))
    values = re.findall(r'<text class="(v[^"]*)" x="[\d.]+" y="([\d.]+)">30</text>', svg)
    assert [cls for cls, _y in values] == ["v", "v d"]
    label_y = re.search(r'<text class="label"[^>]* y="([\d.]+)"', svg).group(1)
    row_middle = float(values[0][1]) - 0.35 * 11
    assert abs(float(label_y) - 0.35 * charts.FONT_SIZE - row_middle) < 0.1  # the same row middle
    assert "dy=" not in svg and "text-anchor=\"end\"" not in svg
    css = (Path(settings.BASE_DIR) / "static/css/nastavnik.css").read_text(encoding="utf-8")
    assert ".chart .v " in css and ".chart .v.d " in css and ".chart .label " in css


def test_empty_chart_says_so():
    assert "Данных пока нет" in charts.bar_chart([])
    assert "Пар нет" in charts.stacked_chart([], [], empty="Пар нет")


def test_chart_helpers():
    assert charts.nice_ceiling(7.3) == 10 and charts.nice_ceiling(23) == 25 and charts.nice_ceiling(0) == 1
    assert charts.number(4.25) == "4,2" or charts.number(4.25) == "4,3"
    assert charts.number(10.0) == "10" and charts.number(None) == "—"
    long = "Муниципальное бюджетное общеобразовательное учреждение № 1"
    short = charts.cut(long, 120)
    assert short.endswith("…") and charts.text_width(short) <= 120
    assert charts.cut("СОШ № 1", 200) == "СОШ № 1"
    assert re.fullmatch(r"[0-9 ]+", " ".join(str(int(t)) for t in charts.ticks(20)))


def test_table_rows_escape_names(district):
    Organisation.objects.filter(pk=district.school1.pk).update(short_name="<b>Школа</b> & «Лицей»")
    d = district_dashboard.district(Scope.for_user(district.municipal), AcademicYear.objects.current())
    html = charts.organisation_rows(d.rows)
    assert "<b>Школа</b>" not in html and "&lt;b&gt;Школа&lt;/b&gt; &amp; «Лицей»" in html
    assert html.count("<tr>") == 3


def test_the_district_dashboard_of_hundreds_of_organisations_stays_light(district, client_for):
    """The table of organisations is paginated, the late reports beyond a dozen are a link: a region's
    thousand organisations made a page of more than a megabyte."""
    client = client_for(district.municipal)
    path = reverse("monitoring:dashboard")
    populate(district.municipality, 60, prefix="Малая")  # beyond a page of the table and a chart's rows
    smaller = len(client.get(path, {"sort": "-pairs"}).content)
    populate(district.municipality, 240)
    response = client.get(path, {"sort": "-pairs"})
    content = response.content.decode()
    # The page weighs what a page of the table and the charts' rows weigh, whatever the number of
    # organisations (names one character longer aside): a thousand organisations stay under 200 KB too.
    assert len(response.content) < 200_000, len(response.content)
    assert abs(len(response.content) - smaller) < 3_000, (smaller, len(response.content))
    d = response.context["d"]
    assert len(d.rows) == 303 and d.totals["organisations"] == 303  # the totals are of every organisation
    listing = response.context["listing"]
    assert listing.count == 303 and len(listing.rows) == 50
    assert content.count('<td class="org">') == 50
    # The rows of the table are the first 50 of the chosen sort; the next page continues it and keeps it.
    assert list(listing.rows) == d.rows[:50]
    second = client.get(path, {"sort": "-pairs", "page": 2})
    assert list(second.context["listing"].rows) == d.rows[50:100]
    assert 'href="?sort=-pairs&amp;page=3"' in second.content.decode()
    # A sort link starts again at the first page.
    assert 'href="?sort=name#organisations"' in second.content.decode()
    # A page size beyond what keeps the page light is not offered and falls back.
    assert len(client.get(path, {"per_page": 200}).context["listing"].rows) == 50
