"""The district pages (issue 14, item 7b–d): growth by school and form, satisfaction by school, the
school × roadmap-item matrix and its export — who reaches them, what they say, and that they cost the
same number of queries for three schools as for thirty."""

import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from mentoring.models import Pair
from monitoring import exports
from monitoring.models import ExportJob, Question, Questionnaire
from registry.models import AcademicYear, Organisation
from roadmaps import services as roadmap_services
from roadmaps.models import Occurrence
from tests import factories
from tests.test_dashboards import populate

TODAY = timezone.localdate()
PAGES = ("monitoring:district_growth", "monitoring:district_satisfaction", "monitoring:district_roadmap")


def year():
    return AcademicYear.objects.current()


# --- who reaches them ------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_the_municipal_curator_and_the_region_reach_the_district(district, client_for, page):
    own = f"?municipality={district.municipality.pk}"
    foreign = f"?municipality={district.foreign_school.municipality_id}"
    assert client_for(district.municipal).get(reverse(page)).status_code == 200
    assert client_for(district.municipal).get(reverse(page) + own).status_code == 200
    observer = client_for(district.observer)
    assert observer.get(reverse(page) + foreign).status_code == 200
    assert "Судогодский район" in observer.get(reverse(page) + foreign).content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_school_staff_and_outsiders_get_404(district, client_for, roles, page):
    """A school's staff see no district page: not their own municipality's, nor another's."""
    own, foreign = district.municipality.pk, district.foreign_school.municipality_id
    urls = [reverse(page), reverse(page) + f"?municipality={own}", reverse(page) + f"?municipality={foreign}"]
    roles.expect(urls, owner=404, municipal=None, outsider=None, stranger=404)
    for user in (district.director1, district.member1):
        assert all(client_for(user).get(url).status_code == 404 for url in urls), user.username


@pytest.mark.parametrize("page", PAGES)
def test_another_municipality_is_404(roles, page):
    """The district's page is its municipal curator's: another municipality's curator asking for it gets
    404, as for a municipality that does not exist; their own page names none of the district's schools."""
    roles.expect(reverse(page) + f"?municipality={roles.organisation.municipality_id}", owner=404, outsider=404)
    roles.expect(reverse(page) + "?municipality=987654", owner=404, municipal=404, outsider=404)
    content = roles.client("outsider").get(reverse(page)).content.decode()
    assert roles.organisation.short_name not in content


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, db, page):
    response = client.get(reverse(page))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("page", PAGES)
def test_hostile_query_strings_are_ignored(district, client_for, page):
    client = client_for(district.municipal)
    for query in ("?year=abc&sort=;DROP&half=9&template=x", "?year=99999999999999&sort=-&template=-1",
                  "?municipality=1e9&year=0", "?sort=__class__&half=-1&template=%00"):
        response = client.get(reverse(page) + query)
        assert response.status_code in (200, 404), (query, response.status_code)


@pytest.mark.parametrize("page", PAGES)
def test_pages_are_in_russian_and_printable(district, client_for, page):
    content = client_for(district.municipal).get(reverse(page)).content.decode()
    assert 'lang="ru"' in content and "data-print" in content and "Печать" in content
    assert 'class="filters card card-body bg-light mb-3 py-2 d-print-none"' in content
    assert "Селивановский район" in content


# --- growth -------------------------------------------------------------------------------------------------


def answered(questionnaire_, organisation, participant, numbers, *, pair=None, days_ago=5):
    made, questions = questionnaire_
    return factories.answered(made, organisation, participant, zip(questions, numbers), pair=pair,
                              submitted_at=timezone.now() - datetime.timedelta(days=days_ago))


def a_pair(organisation, form_name):
    return factories.PairFactory(programme__organisation=organisation, programme__form_name=form_name,
                                 started_on=year().starts_on, mentor=False, mentees=[])


@pytest.fixture
def growth_data(district):
    scales = ((Question.Type.SCALE_5, "motivation"), (Question.Type.SCALE_10, "competence"))
    entry = factories.questionnaire_with(Questionnaire.Kind.ENTRY, *scales)
    exit_ = factories.questionnaire_with(Questionnaire.Kind.EXIT, *scales)
    first = a_pair(district.school1, "учитель – ученик")
    second = a_pair(district.school2, "ученик – ученик")
    x, y, z, w = (factories.ParticipantFactory(organisation=o) for o in (district.school1, district.school1,
                                                                        district.school2, district.school2))
    answered(entry, district.school1, x, [2, 1], pair=first, days_ago=60)
    answered(exit_, district.school1, x, [4, 10], pair=first)
    answered(entry, district.school1, y, [3, 4], pair=first, days_ago=60)
    answered(entry, district.school2, z, [1, 1], pair=second, days_ago=60)
    answered(exit_, district.school2, z, [5, 10], pair=second)
    answered(entry, district.school2, w, [5, 10])  # no pair: «форма не указана»
    foreign = factories.ParticipantFactory(organisation=district.foreign_school)
    answered(entry, district.foreign_school, foreign, [1, 1])
    return district


def cells(content: str, marker: str) -> str:
    """The text of the table row that holds ``marker`` (tags dropped, spaces squeezed)."""
    import html
    import re

    for row in content.split("<tr")[1:]:
        inner = row.split(">", 1)[1].split("</tr>")[0]
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inner)).replace("\xa0", " ").split())
        if marker in text:
            return text
    raise AssertionError(f"no row with {marker!r}")


def test_growth_by_school_and_form(growth_data, client_for):
    district = growth_data
    content = client_for(district.municipal).get(reverse("monitoring:district_growth")).content.decode()
    # School 1, «учитель – ученик»: 2 entries, 1 exit; motivation entry (2+3)/2, exit 4, change 4−2 for
    # the one who did both; competence 10-point answers on the 5-point scale: 1→1, 4→2,33, 10→5.
    assert cells(content, "МБОУ СОШ № 1 «учитель – ученик»") == (
        "МБОУ СОШ № 1 «учитель – ученик» 2 1 2,5 4 +2 (1) 1,67 5 +4 (1) — — —")
    assert cells(content, "МБОУ СОШ № 2 «ученик – ученик»") == (
        "МБОУ СОШ № 2 «ученик – ученик» 1 1 1 5 +4 (1) 1 5 +4 (1) — — —")
    assert cells(content, "МБОУ СОШ № 2 «форма не указана»") == (
        "МБОУ СОШ № 2 «форма не указана» 1 0 5 — — 5 — — — — —")
    # The district, per form and in all: motivation entries 2, 3, 1, 5 → 2,75; exits 4, 5 → 4,5.
    assert cells(content, "По району, все формы") == (
        "По району, все формы все формы 4 2 2,75 4,5 +3 (2) 2,33 5 +4 (2) — — —")
    assert "МКОУ СОШ № 10" not in content


def test_growth_without_answers_says_so(district, client_for):
    content = client_for(district.municipal).get(reverse("monitoring:district_growth")).content.decode()
    assert "входных и итоговых оценок в организациях района нет" in content


# --- satisfaction ------------------------------------------------------------------------------------------


@pytest.fixture
def satisfaction_data(district):
    mentors = factories.questionnaire_with(Questionnaire.Kind.MENTOR_SATISFACTION, (Question.Type.SCALE_10, ""))
    mentees = factories.questionnaire_with(Questionnaire.Kind.MENTEE_SATISFACTION, (Question.Type.SCALE_5, ""), (Question.Type.SCALE_5, ""))
    someone = factories.ParticipantFactory(organisation=district.school1)
    answered(mentors, district.school1, someone, [10])
    answered(mentors, district.school1, someone, [1])
    answered(mentees, district.school1, someone, [5, 4])
    answered(mentees, district.school2, someone, [2, 3])
    answered(mentees, district.foreign_school, someone, [1, 1])
    # A year earlier: not in this year's figures.
    answered(mentees, district.college, someone, [1, 1], days_ago=500)
    return district


def test_satisfaction_by_school(satisfaction_data, client_for):
    district = satisfaction_data
    client = client_for(district.municipal)
    content = client.get(reverse("monitoring:district_satisfaction")).content.decode()
    # Mentors of school 1: 10 and 1 on the 10-point scale → 5 and 1 → 3 (below 3,5: marked).
    assert cells(content, "МБОУ СОШ № 1") == "МБОУ СОШ № 1 3 (2) 4,5 (1) — (0)"
    assert cells(content, "МБОУ СОШ № 2") == "МБОУ СОШ № 2 — (0) 2,5 (1) — (0)"
    assert cells(content, "ГБПОУ НСТ") == "ГБПОУ НСТ — (0) — (0) — (0)"
    assert cells(content, "По району") == "По району 3 (2) 3,5 (2) — (0)"
    assert "МКОУ СОШ № 10" not in content
    # Sorted by the mentees' satisfaction, highest first, the schools without answers last.
    content = client.get(reverse("monitoring:district_satisfaction") + "?sort=-mentee_satisfaction").content.decode()
    assert content.index("МБОУ СОШ № 1") < content.index("МБОУ СОШ № 2") < content.index("ГБПОУ НСТ")
    content = client.get(reverse("monitoring:district_satisfaction") + "?sort=mentee_satisfaction").content.decode()
    assert content.index("МБОУ СОШ № 2") < content.index("МБОУ СОШ № 1") < content.index("ГБПОУ НСТ")


def test_satisfaction_of_a_half(satisfaction_data, client_for):
    """The half that does not hold today has none of today's answers."""
    half = 2 if TODAY.month >= 9 else 1
    content = client_for(satisfaction_data.municipal).get(
        reverse("monitoring:district_satisfaction") + f"?half={half}").content.decode()
    assert cells(content, "По району") == "По району — (0) — (0) — (0)"


# --- the roadmap matrix ------------------------------------------------------------------------------------


@pytest.fixture
def matrix_data(district):
    """Schools 1 and 2 on one template (six items), the college on another, school 1 with every state."""
    template = factories.roadmap_template(items=6)
    first = roadmap_services.create_from_template(template=template, academic_year=year(),
                                                  organisation=district.school1, by=district.curator1)
    second = roadmap_services.create_from_template(template=template, academic_year=year(),
                                                   organisation=district.school2, by=district.curator2)
    Occurrence.objects.filter(item__roadmap=second).update(status=Occurrence.Status.NOT_STARTED,
                                                           due_on=TODAY + datetime.timedelta(days=30))
    roadmap_services.create_from_template(template=factories.roadmap_template("test-college", items=3), academic_year=year(),
                                          organisation=district.college)
    factories.OrganisationFactory(municipality=district.municipality, short_name="МБОУ ООШ № 3")  # none
    items = list(first.items.order_by("position"))
    states = [(Occurrence.Status.DONE, -10), (Occurrence.Status.NOT_STARTED, -3), (Occurrence.Status.IN_PROGRESS, 30),
              (Occurrence.Status.NOT_STARTED, 30), (Occurrence.Status.CANCELLED, -3)]
    for item, (status, days) in zip(items, states):
        item.occurrences.update(status=status, due_on=TODAY + datetime.timedelta(days=days),
                                starts_on=TODAY - datetime.timedelta(days=100))
    items[5].is_removed = True  # excluded: the item is absent from school 1's roadmap
    items[5].save()
    return district


def test_the_matrix_shows_each_item_s_state(matrix_data, client_for):
    district = matrix_data
    content = client_for(district.municipal).get(reverse("monitoring:district_roadmap")).content.decode()
    row = cells(content, "МБОУ СОШ № 1")
    # done, overdue, in progress, not started, not needed, absent; then the counts and the share.
    assert row == "МБОУ СОШ № 1 ✓ ! … ○ — 1 1 1 25 %"
    school1 = content.split("МБОУ СОШ № 1")[1].split("</tr>")[0]
    for label in ("выполнено", "просрочено", "в работе", "не начато", "не требуется", "нет в дорожной карте"):
        assert label in school1, label
    # The college follows another template; ЦППМСП-like organisations without any roadmap are listed.
    assert "Дорожные карты по другим шаблонам" in content and "ГБПОУ НСТ" in content
    assert "Шаблон «Дорожная карта внедрения целевой модели наставничества»: организаций — 2" in content


def test_the_matrix_sorts_by_overdue_and_switches_template(matrix_data, client_for):
    client = client_for(matrix_data.municipal)
    page = client.get(reverse("monitoring:district_roadmap") + "?sort=-overdue").content.decode()
    body = page.split("<tbody>")[1]
    assert body.index("МБОУ СОШ № 1") < body.index("МБОУ СОШ № 2")
    page = client.get(reverse("monitoring:district_roadmap") + "?sort=overdue").content.decode()
    body = page.split("<tbody>")[1]
    assert body.index("МБОУ СОШ № 2") < body.index("МБОУ СОШ № 1")
    college = Organisation.objects.get(short_name="ГБПОУ НСТ").roadmaps.get().template_id
    page = client.get(reverse("monitoring:district_roadmap") + f"?template={college}").content.decode()
    assert "организаций — 1, мероприятий — 3" in page


def test_the_matrix_is_exported_through_an_export_job(matrix_data, client_for):
    district = matrix_data
    # The page's button, as it is: its hidden fields, the one-time token among them, posted to the export page.
    client = client_for(district.municipal, tokens=False)
    page = client.get(reverse("monitoring:district_roadmap")).content.decode()
    form = page.split(f'action="{reverse("monitoring:export_list")}"')[1].split("</form>")[0]
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    assert data["kind"] == "roadmap_matrix" and data["year"] == str(year().start_year)
    assert data.get("once"), "the button carries a one-time token"
    response = client.post(reverse("monitoring:export_list"), data)
    assert response.status_code == 302
    job = ExportJob.objects.get(kind="roadmap_matrix", requested_by=district.municipal)
    assert job.params == {"year": year().start_year}
    exports.run_export(job.pk)
    download = client.get(reverse("monitoring:export_download", args=[job.pk]))
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    first = book.worksheets[0]
    rows = list(first.values)
    assert rows[0][:3] == ("Организация", "Муниципалитет", "1.1. Мероприятие 1: анкетирование участников")
    school1 = next(row for row in rows if row[0] == "МБОУ СОШ № 1")
    assert school1[2:8] == ("выполнено", "просрочено", "в работе", "не начато", "не требуется", None)
    assert school1[8:] == (1, 1, 1, 1, 25)
    assert first.page_setup.orientation == "landscape" and first.print_title_rows == "$1:$1"
    assert first.oddHeader.center.text.startswith("Дорожные карты по мероприятиям, ")
    assert len(book.worksheets) == 3  # the second template, and the organisations without a roadmap
    assert [row[0] for row in book.worksheets[1].values][1:] == ["ГБПОУ НСТ"]
    assert [row[0] for row in book.worksheets[2].values][1:] == ["МБОУ ООШ № 3"]


# --- a constant number of queries --------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _schools_with_data(district, count: int) -> None:
    """``count`` schools with people, pairs, a roadmap (of no template), answers to a satisfaction and an
    entry questionnaire."""
    for organisation in populate(district.municipality, count, prefix=f"Школа {count}-"):
        someone = Organisation.objects.get(pk=organisation.pk).participants.first()
        answered(factories.questionnaire_with(Questionnaire.Kind.MENTEE_SATISFACTION, (Question.Type.SCALE_5, "")), organisation,
                 someone, [4])
        answered(factories.questionnaire_with(Questionnaire.Kind.ENTRY, (Question.Type.SCALE_5, "motivation")), organisation,
                 someone, [3], pair=Pair.objects.filter(programme__organisation=organisation).first())


@pytest.mark.parametrize("page", PAGES)
def test_each_page_runs_a_constant_number_of_queries(district, client_for, page):
    template = factories.roadmap_template(items=4)
    roadmap_services.create_from_template(template=template, academic_year=year(), organisation=district.school1)
    _schools_with_data(district, 2)
    client = client_for(district.municipal)
    client.get(reverse(page))  # sessions, years: warm up
    few = _queries(client, reverse(page))
    _schools_with_data(district, 12)
    roadmap_services.create_from_template(template=template, academic_year=year(), organisation=district.school2)
    assert _queries(client, reverse(page)) == few


def test_a_template_title_that_opens_with_a_quote_is_not_quoted_again(matrix_data, client_for):
    """The seeds title a roadmap «Дорожная карта» реализации… with its first words quoted: printed as it is."""
    from roadmaps.models import RoadmapTemplate

    RoadmapTemplate.objects.filter(code="test-school").update(
        title="«Дорожная карта» реализации Целевой модели наставничества")
    RoadmapTemplate.objects.filter(code="test-college").update(title="«Дорожная карта» колледжа")
    content = client_for(matrix_data.municipal).get(reverse("monitoring:district_roadmap")).content.decode()
    assert "Шаблон «Дорожная карта» реализации Целевой модели наставничества: организаций — 2" in content
    assert "— «Дорожная карта» колледжа</li>" in content
    assert "««" not in content and "»»" not in content
