"""Quarterly personalised accounting (issue 14, item 8; seed 000 item 4.1): who took part in which pair in
a quarter, with the pair's meetings of the quarter — on a page for the municipal curator (the district)
and a school's staff (their school), and as an XLSX export job recorded in the export log.

The fixture is counted by hand; the dates are fixed in the 2025/2026 academic year, so the numbers do
not move with today's date.

School 1
  P1 «учитель – ученик», from 01.10.2025, active: mentor T1; mentees S1 and S2 (S2 left 15.12.2025).
     Meetings 10.10.2025 (T1, S1, S2), 20.11.2025 (T1, S1), 15.01.2026 (T1, S1), 10.04.2026 (T1, S1).
  P2 «ученик – ученик», from 10.01.2026: mentor S1 (a mentee of P1 too), mentee S3. Meeting 05.02.2026.
  P3 a proposal (T1 with S4): covers nobody.
School 2
  P4 «учитель – учитель», 01.09.2025 – 30.11.2025, completed: mentor T2, mentee Y1 (a young specialist).
     Meetings 20.09.2025, 15.10.2025, 25.11.2025 (all with both).
Another district: a pair of the foreign school in the same quarters.

IV quarter 2025: rows T1, S1, S2 (P1) and T2, Y1 (P4): 5 people, mentors T1 T2, mentees S1 S2 Y1,
  students S1 S2, teachers T1 T2 Y1 (one young specialist), pairs P1 P4, meetings 2 + 2 = 4.
I quarter 2026: rows T1, S1 (P1), S1, S3 (P2): 3 people, mentors T1 S1, mentees S1 S3, students S1 S3,
  teachers T1, pairs P1 P2, meetings 15.01 and 05.02 = 2.
"""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from mentoring.models import MentoringForm, Pair
from monitoring import accounting, exports
from monitoring.accounting_export import AccountingExport
from monitoring.accounting import Filters, Quarter
from monitoring.models import ExportJob
from registry.models import AcademicYear, AuditEntry, Participant
from tests import factories, lists

Q4 = Quarter(2025, 4)
Q1 = Quarter(2026, 1)
D = datetime.date
C = Participant.Category


def year_2025():
    return AcademicYear.objects.get_or_create(start_year=2025)[0]


def person(org, last_name, category=C.STUDENT):
    fields = {"class_name": "", "position": "Учитель", "birth_date": D(1985, 3, 1)} if category != C.STUDENT else {}
    return factories.ParticipantFactory(organisation=org, last_name=last_name, category=category, **fields)


def mentor_of(participant):
    return factories.MentorProfileFactory(participant=participant)


def mentee_of(participant):
    return factories.MenteeProfileFactory(participant=participant)


def pair(org, form, *, mentor, mentees, started, status=Pair.Status.ACTIVE, ended=None):
    """A pair built directly (the pair rules are tested elsewhere); ``mentees``: (profile, left_on)."""
    link_start = started or D(2025, 10, 1)  # a proposal's links carry the day it was proposed
    made = factories.PairFactory(
        programme__organisation=org, programme__form_name=form, programme__academic_year=year_2025(), status=status,
        started_on=started, ended_on=ended, mentor=mentor, mentees=[], links_on=link_start)
    for profile, left in mentees:
        factories.MembershipFactory(pair=made, mentee=profile, joined_on=link_start, left_on=left)
    return made


@pytest.fixture
def people(district):
    s1, s2 = district.school1, district.school2
    t1, s_1, s_2, s_3, s_4 = (person(s1, "Тихонова", C.TEACHER), person(s1, "Савельев"), person(s1, "Соколова"),
                              person(s1, "Сидоров"), person(s1, "Степанов"))
    t2, y1 = person(s2, "Тарасова", C.TEACHER), person(s2, "Яковлев", C.YOUNG_SPECIALIST)
    p1 = pair(s1, "учитель – ученик", mentor=mentor_of(t1),
              mentees=[(mentee_of(s_1), None), (mentee_of(s_2), D(2025, 12, 15))], started=D(2025, 10, 1))
    factories.MeetingFactory(pair=p1, held_on=D(2025, 10, 10), topic="Встреча", attendees=[t1, s_1, s_2])
    factories.MeetingFactory(pair=p1, held_on=D(2025, 11, 20), topic="Встреча", attendees=[t1, s_1])
    factories.MeetingFactory(pair=p1, held_on=D(2026, 1, 15), topic="Встреча", attendees=[t1, s_1])
    factories.MeetingFactory(pair=p1, held_on=D(2026, 4, 10), topic="Встреча", attendees=[t1, s_1])
    p2 = pair(s1, "ученик – ученик", mentor=mentor_of(s_1), mentees=[(mentee_of(s_3), None)], started=D(2026, 1, 10))
    factories.MeetingFactory(pair=p2, held_on=D(2026, 2, 5), topic="Встреча", attendees=[s_1, s_3])
    pair(s1, "учитель – ученик", mentor=t1.mentor_profile, mentees=[(mentee_of(s_4), None)], started=None,
         status=Pair.Status.PROPOSED)
    p4 = pair(s2, "учитель – учитель", mentor=mentor_of(t2), mentees=[(mentee_of(y1), None)], started=D(2025, 9, 1),
              status=Pair.Status.COMPLETED, ended=D(2025, 11, 30))
    for day in (D(2025, 9, 20), D(2025, 10, 15), D(2025, 11, 25)):
        factories.MeetingFactory(pair=p4, held_on=day, topic="Встреча", attendees=[t2, y1])
    foreign_teacher = person(district.foreign_school, "Чужова", C.TEACHER)
    foreign = pair(district.foreign_school, "учитель – ученик", mentor=mentor_of(foreign_teacher),
                   mentees=[(mentee_of(person(district.foreign_school, "Чужой")), None)], started=D(2025, 10, 1))
    factories.MeetingFactory(pair=foreign, held_on=D(2025, 10, 20), topic="Встреча", attendees=[foreign_teacher])
    return {"T1": t1, "S1": s_1, "S2": s_2, "S3": s_3, "S4": s_4, "T2": t2, "Y1": y1, "P1": p1, "P2": p2, "P4": p4}


def page(client, quarter, **query):
    return client.get(reverse("monitoring:accounting"), {"quarter": quarter.param, **query})


def by_person(response) -> dict:
    """{(last name, role): row dict} of the page."""
    return {(row["last_name"], row["role"]): row for row in response.context["listing"].rows}


# --- the quarter ----------------------------------------------------------------------------------------


def test_quarters_are_calendar_quarters():
    assert (Q4.starts_on, Q4.ends_on, Q4.label) == (D(2025, 10, 1), D(2025, 12, 31), "IV квартал 2025 г.")
    assert (Quarter(2024, 1).ends_on, Quarter(2026, 2).ends_on) == (D(2024, 3, 31), D(2026, 6, 30))
    assert Quarter.containing(D(2026, 12, 7)) == Quarter(2026, 4) and Q4.shifted(1) == Q1
    assert Q1.shifted(-1) == Q4 and Quarter.from_param("2026-1") == Q1
    for bad in ("", "2026", "2026-5", "2026-0", "abcd-1", "1899-1", "2026-1-1", "٢٠٢٦-1", None):
        assert Quarter.from_param(bad) is None, bad
    assert accounting.recent_quarters(D(2026, 2, 1), 3) == [Q1, Q4, Quarter(2025, 3)]


# --- the totals and rows, counted by hand ---------------------------------------------------------------


def test_the_fourth_quarter_of_the_district(people, district, client_for):
    response = page(client_for(district.municipal), Q4)
    assert response.status_code == 200
    rows = by_person(response)
    assert set(rows) == {("Тихонова", "mentor"), ("Савельев", "mentee"), ("Соколова", "mentee"),
                         ("Тарасова", "mentor"), ("Яковлев", "mentee")}
    assert response.context["listing"].count == 5
    assert {key: (row["meetings"], row["attended"]) for key, row in rows.items()} == {
        ("Тихонова", "mentor"): (2, 2), ("Савельев", "mentee"): (2, 2), ("Соколова", "mentee"): (2, 1),
        ("Тарасова", "mentor"): (2, 2), ("Яковлев", "mentee"): (2, 2)}
    assert rows[("Тихонова", "mentor")]["mentees"] == 2
    assert rows[("Соколова", "mentee")]["until"] == D(2025, 12, 15)
    assert rows[("Яковлев", "mentee")]["pair_status"] == Pair.Status.COMPLETED
    assert accounting.Row(rows[("Савельев", "mentee")]).mentor_name == "Тихонова И. П." == people["T1"].short_name
    Participant.objects.filter(pk=people["T2"].pk).update(patronymic="")
    again = by_person(page(client_for(district.municipal), Q4))
    assert accounting.Row(again[("Яковлев", "mentee")]).mentor_name == "Тарасова И."
    assert response.context["totals"] == accounting.Totals(
        people=5, mentors=2, mentees=3, students=2, teachers=3, young_specialists=1, others=0, pairs=2, meetings=4)
    html = response.content.decode()
    assert 'data-total="people">5<' in html and 'data-total="meetings">4<' in html
    assert "Чужова" not in html and "Степанов" not in html  # another district; a proposal


def test_the_first_quarter_counts_a_person_in_two_roles_once(people, district, client_for):
    response = page(client_for(district.municipal), Q1)
    rows = by_person(response)
    assert set(rows) == {("Тихонова", "mentor"), ("Савельев", "mentee"), ("Савельев", "mentor"),
                         ("Сидоров", "mentee")}
    assert {key: row["meetings"] for key, row in rows.items()} == {
        ("Тихонова", "mentor"): 1, ("Савельев", "mentee"): 1, ("Савельев", "mentor"): 1, ("Сидоров", "mentee"): 1}
    assert rows[("Тихонова", "mentor")]["mentees"] == 1  # S2 left in December
    assert response.context["totals"] == accounting.Totals(
        people=3, mentors=2, mentees=2, students=2, teachers=1, young_specialists=0, others=0, pairs=2, meetings=2)
    # Three people, four rows: the card says why the table is longer than the count.
    html = " ".join(response.content.decode().split())
    assert 'data-total="people">3</div><div class="small text-muted">в таблице 4 строки участия</div>' in html
    assert "указаны столько раз, сколько у них участий" in html


def test_filters_narrow_rows_and_totals(people, district, client_for):
    client = client_for(district.municipal)
    mentees = page(client, Q4, role="mentee")
    assert {row["last_name"] for row in mentees.context["listing"].rows} == {"Савельев", "Соколова", "Яковлев"}
    assert mentees.context["totals"].people == 3 and mentees.context["totals"].mentors == 0
    school2 = page(client, Q4, organisation=district.school2.pk)
    assert school2.context["totals"] == accounting.Totals(
        people=2, mentors=1, mentees=1, students=0, teachers=2, young_specialists=1, others=0, pairs=1, meetings=2)
    form = MentoringForm.objects.get(name="ученик – ученик")
    assert {row["last_name"] for row in page(client, Q1, form=form.pk).context["listing"].rows} == {
        "Савельев", "Сидоров"}
    assert page(client, Q4, category=C.YOUNG_SPECIALIST).context["totals"].people == 1
    assert page(client, Q4, status=Pair.Status.COMPLETED).context["listing"].count == 2
    assert [row["last_name"] for row in page(client, Q4, q="соколов").context["listing"].rows] == ["Соколова"]


def test_a_school_sees_its_own_school(people, district, client_for, roles):
    for user, expected in ((roles.owner, {"Тихонова", "Савельев", "Соколова"}),
                           (district.director1, {"Тихонова", "Савельев", "Соколова"}),
                           (roles.neighbour, {"Тарасова", "Яковлев"})):
        response = page(client_for(user), Q4)
        assert {row["last_name"] for row in response.context["listing"].rows} == expected, user.username
        assert "organisation" not in response.context["form"].fields
    assert page(roles.client("outsider"), Q4).context["totals"].people == 2


def test_an_organisation_outside_the_scope_is_404(people, roles):
    url = reverse("monitoring:accounting") + f"?quarter={Q4.param}&organisation={roles.organisation.pk}"
    roles.expect(url)
    assert page(roles.client("municipal"), Q4, organisation=10**30).status_code == 200  # not an id: no filter


def test_hostile_query_strings_never_fail(people, district, client_for):
    client = client_for(district.municipal)
    for query in ({"quarter": "2026-9"}, {"quarter": "<script>"}, {"quarter": "9999-1"}, {"sort": "password"},
                  {"sort": "--name"}, {"role": "admin"}, {"form": "1 OR 1=1"}, {"category": "x" * 5000},
                  {"status": "\x00"}, {"q": "\x00%_'"}, {"page": "-1"}, {"per_page": "100000"}):
        response = client.get(reverse("monitoring:accounting"), query)
        assert response.status_code == 200, query


def test_sorting_keeps_every_row_and_the_order(people, district, client_for):
    client = client_for(district.municipal)
    for key in accounting.SORTS:
        for sort in (key, f"-{key}"):
            response = page(client, Q4, sort=sort)
            assert response.context["listing"].count == 5 and len(response.context["listing"].rows) == 5, sort
    names = [row["last_name"] for row in page(client, Q4, sort="name").context["listing"].rows]
    assert names == sorted(names)
    meetings = [row["attended"] for row in page(client, Q4, sort="meetings").context["listing"].rows]
    assert len(meetings) == 5


@pytest.fixture
def crowded(district):
    """One school, 40 mentees in groups of four (and their 10 mentors) in IV quarter 2025."""
    school = district.school1
    for index in range(10):
        mentor = mentor_of(person(school, f"Наставник{index:02}", C.TEACHER))
        mentees = [(mentee_of(person(school, f"Ученик{index:02}{n}")), None) for n in range(4)]
        made = pair(school, "учитель – ученик", mentor=mentor, mentees=mentees, started=D(2025, 10, 1))
        factories.MeetingFactory(pair=made, held_on=D(2025, 10, 5 + index), topic="Встреча", attendees=[mentor.participant])
    return school


def test_the_list_walks_page_by_page_with_its_filter(crowded, district, client_for):
    client = client_for(district.municipal)
    lists.walk(client, reverse("monitoring:accounting"), {"quarter": Q4.param, "role": "mentee"},
               keep=lambda row: row["role"] == "mentee", min_rows=40)


def test_the_page_runs_a_constant_number_of_queries(district, client_for):
    client = client_for(district.municipal)
    school = district.school1

    def grow(count):
        for index in range(count):
            mentor = mentor_of(person(school, f"Н{count}{index}", C.TEACHER))
            made = pair(school, "учитель – ученик", mentor=mentor,
                        mentees=[(mentee_of(person(school, f"У{count}{index}")), None)], started=D(2025, 10, 1))
            factories.MeetingFactory(pair=made, held_on=D(2025, 11, 1), topic="Встреча", attendees=[mentor.participant])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert page(client, Q4, per_page=100).status_code == 200
        return len(captured)

    grow(2)
    few = queries()
    grow(30)
    assert queries() == few
    assert few <= 16


# --- the export -----------------------------------------------------------------------------------------


def download(client, **data):
    requested = client.post(reverse("monitoring:export_list"), {"kind": "accounting", **data})
    assert requested.status_code == 302, requested.status_code
    job = ExportJob.objects.filter(requested_by=requested.wsgi_request.user).latest("pk")
    exports.run_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    response = client.get(reverse("monitoring:export_download", args=[job.pk]))
    assert response.status_code == 200
    return job, load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_export_is_the_page_as_a_workbook(people, district, client_for):
    client = client_for(district.municipal)
    job, workbook = download(client, **{"accounting-quarter": Q4.param})
    assert job.params == {"quarter": "2025-4", "filters": {}}
    assert exports.describe(job) == "IV квартал 2025 г."
    assert exports.download_name(job).startswith("Персонифицированный учёт 2025-4 ")
    rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    assert rows[0][:3] == ["№", "ФИО", "Категория"] and rows[0][-2:] == ["Встреч за квартал",
                                                                         "в т. ч. присутствовал(а)"]
    body, total = rows[1:-1], rows[-1]
    assert [row[0] for row in body] == [1, 2, 3, 4, 5]
    by_name = {row[1].split()[0]: row for row in body}
    assert set(by_name) == {"Тихонова", "Савельев", "Соколова", "Тарасова", "Яковлев"}
    assert by_name["Соколова"][4:7] == ["МБОУ СОШ № 1", "наставляемый", f"№ {people['P1'].pk}"]
    assert by_name["Соколова"][10:] == [datetime.datetime(2025, 10, 1), datetime.datetime(2025, 12, 15), 2, 1]
    assert by_name["Тихонова"][7] == "наставляемых: 2" and by_name["Яковлев"][9] == "Завершена"
    assert total[0] == "ИТОГО" and total[1] == "участников: 5" and "наставников: 2, наставляемых: 3" in total
    assert "встреч пар: 4" in total and "пар и групп: 2" in total
    # Printed, it is one landscape page wide, the header row on every page, what it is on top.
    sheet = workbook.worksheets[0]
    assert sheet.page_setup.orientation == "landscape" and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.oddHeader.center.text == "Персонифицированный учёт участников: IV квартал 2025 г."
    assert sheet.oddFooter.center.text == "Страница &P из &N"
    # Downloading personal data goes into the export log, filed under the district.
    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.EXPORT)
    assert entry.object_repr == str(AccountingExport.verbose_name) and entry.additional_data["municipality"] == (
        district.municipality.pk)
    log = client.get(reverse("registry:export_log")).content.decode()
    assert "Персонифицированный учёт участников за квартал" in log


def test_the_pages_button_hands_its_filters_to_the_export(people, district, client_for):
    client = client_for(district.municipal)
    html = page(client, Q4, role="mentee", organisation=district.school1.pk).content.decode()
    assert 'name="kind" value="accounting"' in html and 'name="accounting-role" value="mentee"' in html
    job, workbook = download(client, **{"accounting-quarter": Q4.param, "accounting-role": "mentee",
                                        "accounting-organisation": district.school1.pk})
    assert job.params == {"quarter": "2025-4", "filters": {"role": "mentee", "organisation": district.school1.pk}}
    assert "роль: наставляемый" in exports.describe(job)
    names = [row[1].split()[0] for row in list(workbook.worksheets[0].iter_rows(values_only=True))[1:-1]]
    assert sorted(names) == ["Савельев", "Соколова"]


def test_an_export_of_another_school_is_refused(people, district, roles):
    # The owner and the municipality would really request it; everyone else is refused, and nothing is made.
    roles.expect(reverse("monitoring:export_list"), method="post", data={
        "kind": "accounting", "accounting-quarter": Q4.param, "accounting-organisation": roles.organisation.pk},
        owner=None, municipal=None, stranger=403)
    assert not ExportJob.objects.exists()
    # A job whose organisation the requester no longer reaches fails with a reason instead of a file.
    job = ExportJob.objects.create(kind="accounting", requested_by=district.curator1,
                                   params={"quarter": Q4.param, "filters": {"organisation": district.school2.pk}})
    exports.run_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and "больше недоступна" in job.error


def test_a_school_curators_export_holds_their_school_only(people, district, client_for):
    _job, workbook = download(client_for(district.curator2), **{"accounting-quarter": Q4.param})
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert sorted(row[1].split()[0] for row in rows[1:-1]) == ["Тарасова", "Яковлев"]


def test_names_that_look_like_formulas_stay_text(people, district, client_for):
    Participant.objects.filter(pk=people["S2"].pk).update(last_name="=HYPERLINK(\"http://evil.example\")")
    _job, workbook = download(client_for(district.curator1), **{"accounting-quarter": Q4.param})
    cells = [cell for row in workbook.worksheets[0].iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    planted = [cell for cell in cells if isinstance(cell.value, str) and cell.value.startswith("=HYPERLINK")]
    assert planted and all(cell.quotePrefix for cell in planted)


def test_the_export_reads_in_chunks_with_a_constant_number_of_queries(crowded, district):
    from monitoring import accounting_export
    from registry.scoping import Scope

    scope = Scope.for_user(district.municipal)
    with CaptureQueriesContext(connection) as captured:
        rows = list(accounting_export.export_rows(scope, Q4, Filters(), chunk_size=7, progress=lambda *a: None))
    assert len(rows) == 1 + 50 + 1
    # The union is read by a cursor (fetched in chunks) and the totals are five counts: nothing per row.
    assert len(captured) <= 8


def test_the_export_page_offers_the_accounting_with_its_filters(district, client_for):
    client = client_for(district.municipal)
    response = client.get(reverse("monitoring:export_list"), {"kind": "accounting", "accounting-quarter": Q4.param,
                                                               "accounting-role": "mentee"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-when="kind: accounting"' in html and 'name="accounting-quarter"' in html
    assert '<option value="2025-4" selected>IV квартал 2025 г.</option>' in html
    assert '<option value="mentee" selected>' in html
    # Chosen on the export page itself: the current quarter by default, no filters.
    client.post(reverse("monitoring:export_list"), {"kind": "accounting"})
    job = ExportJob.objects.get()
    assert job.params == {"quarter": accounting.recent_quarters()[0].param, "filters": {}}
