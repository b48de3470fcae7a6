"""Personal links issued from a filtered list (issue 14, item 4): filters by class, programme, form, pair,
role and assessment stage; «issue to everyone found» for the filtered set with no duplicates on a second
submit; each link tied to the pair and programme it evaluates; no link for people whose processing is
stopped, with the reason; the sheets per class as a PDF, every link as a QR code and as text; scoping."""

import datetime
import io
import shutil
import subprocess

import pytest
import segno
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from mentoring.models import Membership, MentoringForm, MentorLink, Pair, Programme
from monitoring import links
from monitoring.models import Question, Questionnaire, Response
from registry.models import AcademicYear
from tests import factories

TODAY = timezone.localdate()


@pytest.fixture
def survey(db):
    """An interim questionnaire: for mentors and mentees of every form."""
    questionnaire = Questionnaire.objects.create(title="Обратная связь за четверть", kind=Questionnaire.Kind.INTERIM)
    Question.objects.create(questionnaire=questionnaire, position=1, text="Как идут встречи?")
    return questionnaire


def person(organisation, last_name, class_name="7А", *, consent=True, mentor=False, **fields):
    factory = factories.MentorProfileFactory if mentor else factories.MenteeProfileFactory
    participant = factory(participant__organisation=organisation, participant__last_name=last_name,
                          participant__class_name=class_name,
                          **{f"participant__{k}": v for k, v in fields.items()}).participant
    if consent:
        factories.consent_for(participant)
    return participant


def programme_of(organisation, form="учитель – ученик"):
    return Programme.objects.create(
        organisation=organisation, academic_year=AcademicYear.objects.current(),
        form=MentoringForm.objects.get(name=form),
        starts_on=TODAY - datetime.timedelta(days=60), ends_on=TODAY + datetime.timedelta(days=200))


def pair_of(programme, mentor, *mentees):
    pair = Pair.objects.create(programme=programme, status=Pair.Status.ACTIVE, started_on=TODAY)
    MentorLink.objects.create(pair=pair, mentor=mentor.mentor_profile)
    for mentee in mentees:
        Membership.objects.create(pair=pair, mentee=mentee.mentee_profile)
    return pair


@pytest.fixture
def school(district):
    """School 1: class 7А (three mentees in pairs, one without a pair, one whose consent was revoked),
    class 8Б (one mentee), a teacher mentoring in two pairs and a student mentoring in another form."""
    org = district.school1
    teacher = person(org, "Учителева", "", mentor=True, category="teacher", birth_date=datetime.date(1980, 1, 1))
    peer = person(org, "Старшеклассников", "10А", mentor=True)
    a, b, c = (person(org, name) for name in ("Алексеев", "Борисова", "Васильев"))
    lonely = person(org, "Григорьева")
    stopped = person(org, "Дмитриев", consent=False)
    factories.consent_for(stopped, signed_on=TODAY - datetime.timedelta(days=200),
                          revoked_on=TODAY - datetime.timedelta(days=3))
    eighth = person(org, "Ёлкина", "8Б")
    teacher_student = programme_of(org)
    student_student = programme_of(org, "ученик – ученик")
    first = pair_of(teacher_student, teacher, a, b)
    second = pair_of(teacher_student, teacher, eighth, stopped)
    third = pair_of(student_student, peer, c)
    return {"teacher": teacher, "peer": peer, "a": a, "b": b, "c": c, "lonely": lonely, "stopped": stopped,
            "eighth": eighth, "teacher_student": teacher_student, "student_student": student_student,
            "first": first, "second": second, "third": third}


def url(survey):
    return reverse("monitoring:links_create", args=[survey.pk])


def found(client, survey, **filters):
    page = client.get(url(survey), {"per_page": 200, **filters})
    assert page.status_code == 200
    return {row.last_name for row in page.context["listing"].rows}


# --- the filtered list ----------------------------------------------------------------------------------


def test_the_list_filters_by_class_programme_form_pair_and_role(district, client_for, survey, school):
    client = client_for(district.curator1)
    everyone = {"Учителева", "Старшеклассников", "Алексеев", "Борисова", "Васильев", "Григорьева", "Дмитриев",
                "Ёлкина"}
    assert found(client, survey) == everyone
    assert found(client, survey, class_name="7а") == {"Алексеев", "Борисова", "Васильев", "Григорьева", "Дмитриев"}
    assert found(client, survey, programme=school["teacher_student"].pk) == {
        "Учителева", "Алексеев", "Борисова", "Ёлкина", "Дмитриев"}
    assert found(client, survey, form=school["student_student"].form_id) == {"Старшеклассников", "Васильев"}
    assert found(client, survey, pair=school["first"].pk) == {"Учителева", "Алексеев", "Борисова"}
    assert found(client, survey, pair=school["first"].pk, role="mentors") == {"Учителева"}
    assert found(client, survey, programme=school["teacher_student"].pk, class_name="7А", role="mentees") == {
        "Алексеев", "Борисова", "Дмитриев"}
    assert found(client, survey, q="бОрис") == {"Борисова"}
    # Another school's programme is no filter here, not a way into its people.
    other = programme_of(district.school2)
    assert found(client, survey, programme=other.pk) == everyone


def test_the_stage_filter_follows_the_entry_and_exit_assessments(district, client_for, survey, school):
    entry = Questionnaire.objects.get(kind=Questionnaire.Kind.ENTRY, organisation__isnull=True)
    exit_ = Questionnaire.objects.get(kind=Questionnaire.Kind.EXIT, organisation__isnull=True)
    now = timezone.now()
    for who, questionnaire in (("a", entry), ("b", entry), ("b", exit_)):
        Response.objects.create(questionnaire=questionnaire, organisation=district.school1,
                                participant=school[who], submitted_at=now)
    # An unanswered link is not an assessment.
    Response.objects.create(questionnaire=entry, organisation=district.school1, participant=school["c"],
                            token="t" * 43)
    client = client_for(district.curator1)
    assert found(client, survey, class_name="7А", stage="exit") == {"Алексеев"}
    assert found(client, survey, class_name="7А", stage="entry") == {"Васильев", "Григорьева", "Дмитриев"}


def test_each_row_says_what_the_link_would_evaluate_and_who_gets_none(district, client_for, survey, school):
    page = client_for(district.curator1).get(url(survey), {"per_page": 200})
    rows = {row.participant.last_name: row for row in page.context["rows"]}
    assert (rows["Алексеев"].target.pair_id, rows["Алексеев"].programme) == (school["first"].pk,
                                                                             school["teacher_student"])
    # A mentor of two pairs of one programme answers for the programme, not for one of the pairs.
    assert (rows["Учителева"].target.pair_id, rows["Учителева"].programme) == (None, school["teacher_student"])
    assert rows["Григорьева"].programme is None
    assert "отозвано" in rows["Дмитриев"].stopped and not rows["Алексеев"].stopped
    html = page.content.decode()
    assert f'name="participant" value="{school["stopped"].pk}"' not in html
    assert f'name="participant" value="{school["a"].pk}"' in html
    assert "обработка персональных данных остановлена" in html


# --- issuing --------------------------------------------------------------------------------------------


def test_everyone_found_gets_a_link_tied_to_their_pair_and_programme(district, client_for, survey, school):
    client = client_for(district.curator1)
    page = client.post(f"{url(survey)}?class_name=7А&programme={school['teacher_student'].pk}",
                       {"everyone": "1", "days": "10"})
    assert page.status_code == 200
    issued = {r.participant.last_name: r for r in Response.objects.select_related("participant")}
    # Four found; the one whose consent was revoked gets no link and is named with the reason.
    assert set(issued) == {"Алексеев", "Борисова", "Учителева"} - {"Учителева"}
    assert (issued["Алексеев"].programme, issued["Алексеев"].pair) == (school["teacher_student"], school["first"])
    assert issued["Алексеев"].membership == school["first"].memberships.get(mentee__participant=school["a"])
    assert all(r.token_expires_at.date() >= TODAY + datetime.timedelta(days=9) for r in issued.values())
    html = page.content.decode()
    assert "Дмитриев" in html and "остановлена" in html and "отозвано" in html
    assert page.context["batch"].new == 2
    assert reverse("monitoring:links_pdf", args=[survey.pk]) in html


def test_a_second_submit_extends_the_same_links(district, client_for, survey, school):
    client = client_for(district.curator1)
    target = f"{url(survey)}?class_name=7А"
    client.post(target, {"everyone": "1", "days": "14"})
    tokens = set(Response.objects.values_list("token", flat=True))
    assert len(tokens) == 4  # Алексеев, Борисова, Васильев, Григорьева
    again = client.post(target, {"everyone": "1", "days": "14"})
    assert set(Response.objects.values_list("token", flat=True)) == tokens
    assert (again.context["batch"].new, again.context["batch"].extended) == (0, 4)
    # Ticking some of them again changes nothing either.
    client.post(target, {"participant": [school["a"].pk, school["b"].pk], "days": "14"})
    assert Response.objects.count() == 4


def test_one_link_per_programme_a_person_evaluates(district, survey, school):
    """A person in two programmes may get a link for each; a link issued with no programme is reused."""
    teacher = school["teacher"]
    other = programme_of(district.school1, "учитель – учитель")
    colleague = person(district.school1, "Коллегина", "", category="teacher", birth_date=datetime.date(1990, 1, 1))
    pair_of(other, teacher, colleague)
    first = links.issue_bulk(questionnaire=survey, people=[teacher],
                              pairs=links.evaluable_pairs(survey, programme=school["teacher_student"]))
    second = links.issue_bulk(questionnaire=survey, people=[teacher],
                               pairs=links.evaluable_pairs(survey, programme=other))
    assert first.new == second.new == 1 and Response.objects.count() == 2
    assert {r.programme for r in Response.objects.all()} == {school["teacher_student"], other}
    # Without a programme to tell them apart, the person is in two: their first link is extended.
    third = links.issue_bulk(questionnaire=survey, people=[teacher])
    assert third.extended == 1 and Response.objects.count() == 2


def test_the_filters_say_what_a_link_of_someone_in_two_programmes_evaluates(district, client_for, survey, school):
    teacher = school["teacher"]
    other = programme_of(district.school1, "учитель – учитель")
    colleague = person(district.school1, "Коллегина", "", category="teacher", birth_date=datetime.date(1990, 1, 1))
    colleague_pair = pair_of(other, teacher, colleague)
    client = client_for(district.curator1)
    client.post(f"{url(survey)}?form={other.form_id}", {"participant": [teacher.pk], "days": "14"})
    response = Response.objects.get(participant=teacher)
    assert (response.programme, response.pair) == (other, colleague_pair)
    client.post(f"{url(survey)}?pair={school['first'].pk}", {"participant": [teacher.pk], "days": "14"})
    assert Response.objects.get(participant=teacher, programme=school["teacher_student"]).pair == school["first"]


def test_ticked_people_outside_the_filter_or_the_school_get_nothing(district, client_for, survey, school):
    stranger = person(district.school2, "Чужаков")
    client = client_for(district.curator1)
    page = client.post(f"{url(survey)}?class_name=8Б", {"participant": [school["a"].pk, stranger.pk], "days": "14"})
    assert page.status_code == 200 and "Никто не выбран" in page.content.decode()
    assert not Response.objects.exists()


def test_processing_stopped_means_no_link_with_a_message(district, client_for, survey, school):
    page = client_for(district.curator1).post(url(survey), {"participant": [school["stopped"].pk], "days": "14"})
    # A stopped person has no checkbox; a forged tick still issues nothing, and says why.
    assert not Response.objects.exists()
    assert "Дмитриев" in page.content.decode() and "остановлена" in page.content.decode()


# --- the printed sheets -----------------------------------------------------------------------------------


def sheet_pdf(client, survey, **query):
    response = client.get(reverse("monitoring:links_pdf", args=[survey.pk]), query)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def qr_images(page):
    """The page's QR codes as rows of booleans (True for a dark module), one pixel per module."""
    codes = []
    for image in page.images:
        picture = image.image.convert("L")
        width, height = picture.size
        pixels = picture.load()
        codes.append([[pixels[x, y] < 128 for x in range(width)] for y in range(height)])
    return codes


def matrix(url_text):
    return [[bool(module) for module in row] for row in segno.make(url_text, error="m", micro=False).matrix_iter(
        scale=1, border=4)]


def test_the_sheets_print_each_class_on_its_own_page_with_qr_codes_and_the_link_text(
        district, client_for, survey, school):
    client = client_for(district.curator1)
    client.post(url(survey), {"everyone": "1", "days": "14"})
    pdf = PdfReader(io.BytesIO(sheet_pdf(client, survey, organisation=district.school1.pk)))
    texts = [page.extract_text() for page in pdf.pages]
    # Classes in school order (7А, 8Б, 10А), then those without a class; one page each here.
    headings = [next(line for line in text.splitlines() if "Класс" in line or "Без класса" in line)
                for text in texts]
    assert headings == ["Класс / группа 7А", "Класс / группа 8Б", "Класс / группа 10А", "Без класса / группы"]
    assert "Алексеев" in texts[0] and "Ёлкина" in texts[1] and "Дмитриев" not in "".join(texts)
    response = Response.objects.get(participant=school["a"])
    address = f"http://testserver/q/{response.token}/"
    assert address in "".join(texts[0].split())  # the address is typed out (wrapped over lines)
    # Every printed code is one of the links, and every link is printed (the pages share their images).
    codes = {str(code) for page in pdf.pages for code in qr_images(page)}
    printed = Response.objects.exclude(participant=school["stopped"])
    assert len(printed) == 7
    assert codes == {str(matrix(f"http://testserver/q/{r.token}/")) for r in printed}
    assert str(matrix(address)) in codes


@pytest.mark.skipif(not (shutil.which("zbarimg") and shutil.which("pdftoppm")), reason="zbarimg is not installed")
def test_a_printed_code_reads_back_as_the_link(district, client_for, survey, school, tmp_path):
    client = client_for(district.curator1)
    client.post(f"{url(survey)}?class_name=8Б", {"everyone": "1", "days": "14"})
    (tmp_path / "sheet.pdf").write_bytes(sheet_pdf(client, survey, organisation=district.school1.pk,
                                                   class_name="8Б"))
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(tmp_path / "sheet.pdf"), str(tmp_path / "page")], check=True)
    images = sorted(str(p) for p in tmp_path.glob("page*.png"))
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", *images], capture_output=True, text=True).stdout
    response = Response.objects.get()
    assert decoded.split() == [f"http://testserver/q/{response.token}/"]


def test_the_sheets_print_only_usable_links_of_the_filtered_or_ticked_people(district, client_for, survey, school):
    client = client_for(district.curator1)
    client.post(url(survey), {"everyone": "1", "days": "14"})
    answered = Response.objects.get(participant=school["b"])
    answered.submitted_at = timezone.now()
    answered.save()
    Response.objects.filter(participant=school["c"]).update(token_expires_at=timezone.now())
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(sheet_pdf(
        client, survey, organisation=district.school1.pk, class_name="7А"))).pages)
    assert "Алексеев" in text and "Григорьева" in text
    assert "Борисова" not in text and "Васильев" not in text and "Ёлкина" not in text
    ticked = "".join(p.extract_text() for p in PdfReader(io.BytesIO(sheet_pdf(
        client, survey, organisation=district.school1.pk, participant=[school["lonely"].pk, "x"]))).pages)
    assert "Григорьева" in ticked and "Алексеев" not in ticked


def test_the_sheets_are_offered_once_there_are_links_to_print(district, client_for, survey, school):
    client = client_for(district.curator1)
    before = client.get(url(survey)).content.decode()
    assert reverse("monitoring:links_pdf", args=[survey.pk]) not in before
    assert "у отобранных нет выданных неиспользованных ссылок" in before
    client.post(url(survey), {"everyone": "1", "days": "14"})
    issued = Response.objects.filter(questionnaire=survey, token__isnull=False, submitted_at__isnull=True).count()
    assert issued > 4
    after = " ".join(client.get(url(survey)).content.decode().split())
    assert reverse("monitoring:links_pdf", args=[survey.pk]) in after
    assert f"Листы для печати с QR-кодами (PDF, {issued} ссылок)" in after
    # A filter that finds nobody with a link: no button to an empty file.
    lonely = " ".join(client.get(url(survey), {"q": "Несуществующий"}).content.decode().split())
    assert reverse("monitoring:links_pdf", args=[survey.pk]) not in lonely


def test_too_many_links_for_one_file_are_offered_one_file_per_class(district, client_for, survey, school,
                                                                    monkeypatch):
    from monitoring import link_lists

    monkeypatch.setattr(link_lists, "MAX_SHEET_LINKS", 3)
    client = client_for(district.curator1)
    client.post(url(survey), {"everyone": "1", "days": "14"})
    page = client.get(reverse("monitoring:links_pdf", args=[survey.pk]), {"organisation": district.school1.pk})
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    offered = [(name, count) for name, count, _url in page.context["classes"]]
    assert offered == [("7А", 4), ("8Б", 1), ("10А", 1), ("", 1)]
    for name, _count, address in page.context["classes"]:
        response = client.get(address)
        assert response["Content-Type"] == "application/pdf", name  # a class is printed whatever its size
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(client.get(
        page.context["classes"][-1][2]).content)).pages)
    assert "Учителева" in text and "Алексеев" not in text
    # The same «without a class» choice filters the list.
    assert found(client, survey, class_name="-") == {"Учителева"}


# --- who may --------------------------------------------------------------------------------------------


def test_another_school_and_readers_reach_neither_the_list_nor_the_sheets(district, client_for, survey, school):
    client = client_for(district.curator1)
    client.post(url(survey), {"everyone": "1", "days": "14"})
    pdf_url = reverse("monitoring:links_pdf", args=[survey.pk])
    other = client_for(district.curator2)
    for address in (url(survey), pdf_url):
        assert other.get(address, {"organisation": district.school1.pk}).status_code == 404
        assert client_for(district.foreign_municipal).get(address, {"organisation": district.school1.pk}
                                                          ).status_code == 404
        # The district's curator sees the school and may not hand out its links.
        assert client_for(district.municipal).get(address, {"organisation": district.school1.pk}).status_code == 403
        assert client_for(district.director1).get(address).status_code == 403
    # Without naming school 1, curator 2's sheets are their own school's: none of school 1's links.
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(sheet_pdf(other, survey))).pages)
    assert "Алексеев" not in text
    assert Response.objects.count() == 7


@pytest.mark.parametrize("value", ["abc", "-1", "9" * 20, "<script>", "\u0000", "2026-13-45"])
def test_hostile_filters_are_no_filter(district, client_for, survey, school, value):
    client = client_for(district.curator1)
    query = {name: value for name in ("q", "class_name", "programme", "form", "pair", "role", "stage", "sort",
                                      "page", "per_page", "participant")}
    assert client.get(url(survey), query).status_code == 200
    assert client.get(reverse("monitoring:links_pdf", args=[survey.pk]),
                      {**query, "organisation": district.school1.pk}).status_code == 200


def test_the_list_queries_do_not_grow_with_people(district, client_for, survey, school):
    client = client_for(district.curator1)
    client.post(url(survey), {"everyone": "1", "days": "14"})

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(survey), {"per_page": 200}).status_code == 200
        return len(queries)

    before = count()
    for index in range(12):
        extra = person(district.school1, f"Добавленный{index}", "9В")
        pair_of(school["teacher_student"], school["teacher"], extra)
    links.issue_bulk(questionnaire=survey, people=list(district.school1.participants.all()))
    assert count() == before



def test_everyone_found_counts_only_who_gets_a_link(district, client_for, survey, school):
    """Class 7А has five people; Дмитриев's consent was revoked: the button offers four links and says
    why the fifth gets none, in one query for the count whatever the class's size."""
    client = client_for(district.curator1)
    page = client.get(url(survey), {"class_name": "7А"})
    text = " ".join(page.content.decode().split())
    assert page.context["listing"].count == 5
    assert (page.context["issuable"], page.context["left_out"]) == (4, 1)
    assert "Выдать всем отобранным (4)" in text and "Выдать всем отобранным (5)" not in text
    assert "ещё 1 участник без ссылки: обработка персональных данных остановлена" in text
    # Nobody allowed among the found: no button, the reason.
    page = client.get(url(survey), {"class_name": "7А", "q": "Дмитриев"})
    text = " ".join(page.content.decode().split())
    assert (page.context["issuable"], page.context["left_out"]) == (0, 1)
    assert "Выдать всем отобранным" not in text and "Ссылки не выдаются никому из отобранных (1)" in text
    # Issuing to everyone gives exactly the counted number of links.
    client.post(f"{url(survey)}?class_name=7А", {"everyone": "1", "days": "14"})
    assert Response.objects.filter(questionnaire=survey).count() == 4


def test_the_sql_rule_of_processing_agrees_with_states(district, school):
    """``processing.allowed_among`` (the count's filter) and ``processing.states`` decide alike: a revoked,
    an expired, a future and a missing consent, an archived person."""
    from registry import processing
    from registry.models import Participant

    org = district.school1
    expired = person(org, "Истёкшая", consent=False)
    factories.consent_for(expired, signed_on=TODAY - datetime.timedelta(days=400),
                          valid_until=TODAY - datetime.timedelta(days=1))
    future = person(org, "Будущий", consent=False)
    factories.consent_for(future, signed_on=TODAY + datetime.timedelta(days=2))
    person(org, "Безсогласия", consent=False)
    person(org, "Архивный", is_archived=True)
    people = Participant.objects.filter(organisation=org)
    allowed = set(processing.allowed_among(people).values_list("pk", flat=True))
    assert allowed == {pk for pk, state in processing.states(people).items() if state.allowed}
    assert school["a"].pk in allowed and school["stopped"].pk not in allowed and expired.pk not in allowed


def test_the_sheets_name_the_questionnaire_without_nested_quotes(district, client_for, survey, school):
    """«Анкета удовлетворённости…» is the phrase itself («Ссылки на анкету удовлетворённости…»), never
    «анкету «Анкета…»»; another title is quoted once, and a quoted one is not quoted again."""
    client = client_for(district.curator1)
    client.post(f"{url(survey)}?class_name=8Б", {"everyone": "1", "days": "14"})

    def sheet(title, **query):
        Questionnaire.objects.filter(pk=survey.pk).update(title=title)
        pdf = PdfReader(io.BytesIO(sheet_pdf(client, survey, organisation=district.school1.pk, **query)))
        return pdf.metadata.title, " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)

    title, text = sheet("Анкета удовлетворённости наставляемого", class_name="8Б")
    assert title == "Ссылки на анкету удовлетворённости наставляемого — МБОУ СОШ № 1"
    assert "МБОУ СОШ № 1 · анкета удовлетворённости наставляемого · ссылок: 1" in text
    title, text = sheet("Обратная связь за четверть", class_name="8Б")
    assert title == "Ссылки на анкету «Обратная связь за четверть» — МБОУ СОШ № 1"
    assert "анкета «Обратная связь за четверть»" in text
    # No links to print (class 10А has none issued): the file's heading says the same.
    title, text = sheet("«Чем я могу быть полезен»", class_name="10А")
    assert title == "Ссылки на анкету «Чем я могу быть полезен» — МБОУ СОШ № 1"
    assert "Ссылки на анкету «Чем я могу быть полезен»" in text and "««" not in text


def test_the_questionnaire_and_quoted_filters():
    from monitoring.templatetags.questionnaires import questionnaire_filter
    from registry.quotes import quoted

    assert quoted("Дорожная карта") == "«Дорожная карта»"
    assert quoted("«Дорожная карта» реализации") == "«Дорожная карта» реализации"
    assert quoted(" «Чем я могу быть полезен» ") == "«Чем я могу быть полезен»"
    assert questionnaire_filter("Анкета куратора", "accs") == "анкету куратора"
    assert questionnaire_filter("АНКЕТА куратора") == "анкета куратора"
    assert questionnaire_filter("Анкетирование родителей", "accs") == "анкету «Анкетирование родителей»"
    assert questionnaire_filter("Анкета «Чем я могу быть полезен»", "accs") == "анкету «Чем я могу быть полезен»"
