"""The order «Об организации наставничества» point by point against seed 001, its appendices 1 (the
Положение о наставничестве, from the settings) and 2 (the year's roadmap) printed after it, the
Положение printed on its own with the same text; names in the cases their sentences need, for a
school and a college."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from mentoring import orders as order_service
from mentoring.models import MentoringForm, Order, Programme
from mentoring.organisation_order import programmes_deadline
from mentoring.regulations import regulations_of, render_regulations_pdf
from monitoring.models import CoverageTarget
from registry.models import AcademicYear, RoleAssignment
from registry.scoping import Role
from registry.typography import NBSP, tie
from roadmaps import services as roadmap_services
from roadmaps.models import RoadmapTemplate
from tests import factories

ISSUED = datetime.date(2024, 9, 2)


def text_of(pdf: bytes) -> str:
    """All pages' text without the page number and footer (extracted last on each page, after the «ПРОЕКТ»
    mark), end-of-line hyphenation undone, spaces (non-breaking too) collapsed: a sentence running onto the
    next page reads whole."""
    pages = [re.sub(r"(ПРОЕКТ)?Страница \d+ из \d+.*$", "", page.extract_text(), flags=re.S)
             for page in PdfReader(io.BytesIO(pdf)).pages]
    text = "\n".join(pages)
    text = re.sub(r"[\u2010\u00ad-]\s*\n\s*", "", text)
    return " ".join(text.split())


def squash(text: str) -> str:
    return re.sub(r"[\s\u2010\u00ad-]+", "", text)


def person(user, last, first, patronymic):
    user.last_name, user.first_name, user.patronymic = last, first, patronymic
    user.save()
    return user


@pytest.fixture
def school(district):
    school = district.school1
    school.full_name = "Муниципальное бюджетное общеобразовательное учреждение «Средняя школа № 1»"
    school.director_name = "Г.А. Шабаева"
    school.save()
    municipality = school.municipality
    municipality.education_authority = "Управление образования администрации Селивановского района"
    municipality.save()
    year = AcademicYear.objects.current()
    curator = RoleAssignment.objects.get(user=district.curator1)
    curator.position = "заместитель директора по УВР"
    curator.save()
    person(district.curator1, "Хохлова", "Елена", "Викторовна")
    member = RoleAssignment.objects.get(user=district.member1)
    member.position, member.duty = "старший методист", "организационное и методическое сопровождение пар"
    member.save()
    person(district.member1, "Белова", "Ирина", "Николаевна")
    Programme.objects.create(organisation=school, academic_year=year,
                             form=MentoringForm.objects.get(name="учитель – ученик"),
                             starts_on=year.starts_on.replace(day=20), ends_on=year.starts_on.replace(year=year.start_year + 1, month=5, day=31))
    CoverageTarget.objects.create(municipality=municipality, academic_year=year, students_percent=12.5,
                                  teachers_percent=15, student_base=CoverageTarget.StudentBase.AGED_10_PLUS)
    if not RoadmapTemplate.objects.filter(code="school-001").exists():
        roadmap_services.sync_templates()
    roadmap_services.create_from_template(template=RoadmapTemplate.objects.get(code="school-001"),
                                          academic_year=year, organisation=school)
    return school


@pytest.fixture
def college(district):
    """No roadmap, no programme, no methodist: a male curator with a tricky patronymic."""
    college = district.college
    college.full_name = ("Государственное бюджетное профессиональное образовательное учреждение "
                         "«Нижегородский строительный техникум»")
    college.save()
    user = person(factories.UserFactory(username="kuzmich"), "Ильин", "Никита", "Кузьмич")
    factories.RoleFactory(user=user, role=Role.SCHOOL_CURATOR, organisation=college,
                          position="заместитель директора по учебно-воспитательной работе")
    return college


def organisation_order(organisation, number="30-9 о/д"):
    year = AcademicYear.objects.current()
    issued = year.starts_on.replace(day=2)
    return Order.objects.create(organisation=organisation, academic_year=year, kind=Order.Kind.ORGANISATION,
                                number=number, issued_on=issued)


def test_school_order_follows_seed_001_point_by_point_then_prints_appendices_1_and_2(school):
    order = organisation_order(school)
    content = order_service.build_content(order)
    text = text_of(order_service.render_order_pdf(content, draft=False))
    year = str(order.academic_year)
    date = f"{order.issued_on:%d.%m.%Y}"
    deadline = f"{school.programmes.get().starts_on:%d.%m.%Y}"

    # Seed 001's points 1–4 in its numbering and wording, names declined; its last point last.
    points = [
        "1. Организовать в Муниципальном бюджетном общеобразовательном учреждении «Средняя школа № 1» внедрение "
        f"системы (целевой модели) наставничества обучающихся на {year} учебный год.",
        "2. Утвердить:",
        "2.1. Положение о наставничестве в МБОУ СОШ № 1 (приложение № 1).",
        f"2.2. «Дорожную карту» внедрения целевой модели наставничества в МБОУ СОШ № 1 на {year} учебный год "
        "(приложение № 2).",
        "2.3. Реестр наставников (приложение № 3).",
        "2.4. Список наставляемых (приложение № 4).",
        "3. Назначить ответственным исполнителем (куратором) по внедрению и реализации системы наставничества "
        "заместителя директора по УВР Хохлову Е. В.",
        f"4. Старшему методисту Беловой И. Н. совместно с наставниками в срок до {deadline} разработать и "
        "утвердить программы наставничества по форме «учитель – ученик».",
        "6. Куратору программы наставничества Хохловой Е. В. организовать мониторинг эффективности реализации "
        "программы наставничества 1 раз в полугодие (не позднее 10 декабря и 10 июня).",
        "8. Контроль за исполнением приказа оставляю за собой.",
    ]
    where = 0
    for point in points:
        found = text.find(point, where)
        assert found >= 0, point
        where = found
    assert [p["number"] for p in content["points"]] == [f"{n}." for n in range(1, 9)]

    # The appendices follow the order in their numbers; 1 is the Положение «УТВЕРЖДЕНО» by this order.
    heads = [text.index(f"Приложение № {n} к приказу от {date} № 30-9 о/д") for n in range(1, 6)]
    assert heads == sorted(heads) and heads[0] > text.index("С приказом ознакомлены:")
    regulations, roadmap = text[heads[0]:heads[1]], text[heads[1]:heads[2]]
    assert regulations.startswith(f"Приложение № 1 к приказу от {date} № 30-9 о/д УТВЕРЖДЕНО приказом МБОУ СОШ № 1 "
                                  f"от {date} № 30-9 о/д Муниципальное бюджетное общеобразовательное учреждение "
                                  "«Средняя школа № 1» ПОЛОЖЕНИЕ о наставничестве в МБОУ СОШ № 1 1. Общие положения")
    sections = ["1. Общие положения", "2. Цель, задачи и целевые показатели", "3. Организация наставничества",
                "4. Куратор внедрения Целевой модели наставничества", "5. Права и обязанности наставника",
                "6. Права и обязанности наставляемого", "7. Мониторинг и оценка результатов",
                "8. Мотивация и поощрение наставников", "9. Заключительные положения"]
    assert [regulations.index(s) for s in sections] == sorted(regulations.index(s) for s in sections)
    for sentence in (
        "Настоящее Положение о наставничестве (далее – Положение) в Муниципальном бюджетном общеобразовательном "
        "учреждении «Средняя школа № 1» (далее – образовательная организация) определяет цели",
        "– охват программами наставничества не менее 12,5 % обучающихся в возрасте от 10 лет;",
        "– охват программами наставничества не менее 15 % педагогических работников;",
        "– реализация индивидуальных планов развития наставляемых не менее чем на 90 %;",
        f"В {year} учебном году в рабочую группу входят: старший методист Белова И. Н.",
        f"формам, выбранным образовательной организацией на {year} учебный год: – «учитель – ученик» (наставник – "
        "педагог или молодой специалист; наставляемый – обучающийся).",
        # The stages are the roadmap's (seed 001's template).
        "по этапам: – подготовка условий для запуска программы наставничества;",
        f"Куратор на {year} учебный год – заместитель директора по УВР Хохлова Е. В.",
        "мониторинг проводится 1 раз в полугодие: не позднее 10 декабря и не позднее 10 июня ежегодно.",
        "представляются в Управление образования администрации Селивановского района.",
        "не позднее 30 декабря",
        "– при невозможности установления личного контакта с наставником обращаться к руководителю образовательной "
        "организации с ходатайством о замене наставника.",
        f"Настоящее Положение вступает в силу со дня его утверждения приказом от {date} № 30-9 о/д и действует "
        "бессрочно.",
    ):
        assert sentence in regulations, sentence
    # Initials end a sentence with one period, not «Е. В..» (the curator, the working group).
    assert ".." not in regulations
    # Appendix 2 is the school's roadmap: seed 001's columns, its stages and items, this year's dates.
    assert "№ п/п Мероприятие Документы Ответственный Срок исполнения" in roadmap
    assert "1. Подготовка условий для запуска программы наставничества" in roadmap
    assert "Создание раздела на сайте ОО «Наставничество»" in roadmap
    assert f"{order.academic_year.start_year}" in roadmap
    # The settings are all there: only the empty registry is warned of.
    assert all("реестр наставников" in w or "список наставляемых" in w for w in content["warnings"]), \
        content["warnings"]


def test_college_names_take_their_cases_and_missing_settings_are_warned(college, district):
    order = organisation_order(college, number="222/2020/г")
    content = order_service.build_content(order)
    text = text_of(order_service.render_order_pdf(content, draft=False))
    year = str(order.academic_year)
    for sentence in (
        "1. Организовать в Государственном бюджетном профессиональном образовательном учреждении «Нижегородский "
        "строительный техникум» внедрение системы (целевой модели) наставничества",
        "заместителя директора по учебно-воспитательной работе Ильина Н. К.",
        # No methodist in the working group: the curator develops the programmes (point 4), in the dative.
        "4. Куратору программы наставничества Ильину Н. К. совместно с наставниками в срок до",
        "разработать и утвердить программы наставничества.",
        "УТВЕРЖДЕНО приказом ГБПОУ НСТ",
        "ПОЛОЖЕНИЕ о наставничестве в ГБПОУ НСТ",
        "Настоящее Положение о наставничестве (далее – Положение) в Государственном бюджетном профессиональном "
        "образовательном учреждении «Нижегородский строительный техникум» (далее – образовательная организация)",
        f"Куратор на {year} учебный год – заместитель директора по учебно-воспитательной работе Ильин Н. К.",
        # No roadmap: the seeds' seven stages; the appendix says there is none.
        "по этапам: – подготовка условий для запуска программы наставничества; – формирование базы наставляемых;",
        "Дорожная карта на учебный год не составлена.",
    ):
        assert sentence in text, sentence
    assert "Муниципальное" not in text and "Кузьмич " not in text
    warnings = " ".join(content["warnings"])
    assert "Дорожная карта организации на этот учебный год не составлена" in warnings
    assert "не выбрано ни одной формы наставничества" in warnings
    assert "Целевые показатели охвата" in warnings


def test_regulations_print_on_their_own_with_the_same_text(school, district, client_for):
    order = organisation_order(school)
    client = client_for(district.curator1)
    page = client.get(order.get_absolute_url())
    url = reverse("mentoring:order_regulations_pdf", args=[order.pk])
    assert url in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    alone = squash(text_of(response.content))
    content = order_service.build_content(order)
    # Without the draft's watermark, which the text extraction puts anywhere in a page.
    together = squash(text_of(order_service.render_order_pdf(content, draft=False)))
    regulations = regulations_of(content)
    assert alone.startswith(squash("Приложение № 1 к приказу от"))
    for section in regulations["sections"]:
        for paragraph in section["paragraphs"]:
            for words in (paragraph["text"], *paragraph["items"]):
                assert squash(words) in alone and squash(words) in together, words
    assert "ПРОЕКТ" in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def test_signed_regulations_stay_as_signed(school, district, client_for):
    order = organisation_order(school)
    order_service.sign_order(order, by=district.director1)
    person(district.curator1, "Петрова", "Анна", "Ильинична")
    response = client_for(district.member1).get(reverse("mentoring:order_regulations_pdf", args=[order.pk]))
    text = text_of(response.content)
    assert "Хохлова Е. В." in text and "Петрова" not in text
    assert "ПРОЕКТ" not in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def test_regulations_link_only_where_there_are_regulations_and_404_outside_the_scope(school, district, client_for,
                                                                                     roles):
    order = organisation_order(school)
    url = reverse("mentoring:order_regulations_pdf", args=[order.pk])
    roles.expect(url)
    for user in (district.director1, district.observer):
        assert client_for(user).get(url).status_code == 200, user.username
    pairs = Order.objects.create(organisation=school, academic_year=order.academic_year, kind=Order.Kind.PAIRS,
                                 number="31", issued_on=ISSUED)
    client = client_for(district.curator1)
    assert client.get(reverse("mentoring:order_regulations_pdf", args=[pairs.pk])).status_code == 404
    assert "regulations.pdf" not in client.get(pairs.get_absolute_url()).content.decode()


def test_an_order_signed_before_prints_as_it_was(school, district, client_for):
    """Content of version 2 had appendices 1–2 «Утверждается отдельным документом»: no Положение to print."""
    order = organisation_order(school)
    content = order_service.build_content(order)
    for appendix in content["appendices"][:2]:
        appendix.pop("regulations", None), appendix.pop("roadmap", None)
        appendix.update(separate=True, note="Утверждается отдельным документом.")
    content["version"] = 2
    Order.objects.filter(pk=order.pk).update(status=Order.Status.SIGNED, content=content)
    text = text_of(order_service.order_pdf_bytes(Order.objects.get(pk=order.pk)))
    assert "ПОЛОЖЕНИЕ" not in text and "Приложение № 3 к приказу" in text
    client = client_for(district.curator1)
    assert client.get(reverse("mentoring:order_regulations_pdf", args=[order.pk])).status_code == 404
    assert client.get(order.get_absolute_url()).status_code == 200


def test_render_regulations_marks_a_draft(school):
    order = organisation_order(school)
    content = order_service.build_content(order)
    draft = PdfReader(io.BytesIO(render_regulations_pdf(content, regulations_of(content), draft=True)))
    final = PdfReader(io.BytesIO(render_regulations_pdf(content, regulations_of(content), draft=False)))
    draft, final = draft.pages[0].extract_text(), final.pages[0].extract_text()
    assert "ПРОЕКТ" in draft and "ПРОЕКТ" not in final


def test_ties_keep_numbers_with_their_words():
    assert tie("приказом от 02.09.2024 № 30-9 о/д") == f"приказом от 02.09.2024 №{NBSP}30-9 о/д"
    assert tie("не позднее 10 декабря") == f"не позднее 10{NBSP}декабря"
    assert tie("не менее 15 %") == f"не менее 15{NBSP}%"
    assert tie("Хохловой Е. В. поручить") == f"Хохловой{NBSP}Е.{NBSP}В. поручить"
    # A line never ends in the surname before its initials («педагог-психолог Зуева» / «А. В.»).
    assert tie("педагог-психолог Зуева А. В., социальный") == f"педагог-психолог Зуева{NBSP}А.{NBSP}В., социальный"
    assert tie("школа п. Красная Горбатка") == f"школа п.{NBSP}Красная Горбатка"
    # The law's references and an address's street and house (the consent blanks print both).
    assert tie("ч. 4 ст. 9, п. 3") == f"ч.{NBSP}4 ст.{NBSP}9, п.{NBSP}3"
    assert tie("пос. Красная Горбатка, ул. Школьная, д. 1") == f"пос.{NBSP}Красная Горбатка, ул.{NBSP}Школьная, д.{NBSP}1"


def test_programmes_deadline_is_the_first_start_or_a_month_end():
    class P:
        def __init__(self, starts_on):
            self.starts_on = starts_on

    day = datetime.date(2024, 9, 2)
    assert programmes_deadline(day, [P(datetime.date(2024, 10, 1)), P(datetime.date(2024, 9, 20))]) == \
        datetime.date(2024, 9, 20)
    assert programmes_deadline(day, [P(datetime.date(2024, 9, 1))]) == datetime.date(2024, 9, 30)
    assert programmes_deadline(datetime.date(2024, 9, 20), []) == datetime.date(2024, 10, 31)
    assert programmes_deadline(datetime.date(2024, 12, 25), []) == datetime.date(2025, 1, 31)


def test_the_regulations_docx_reads_like_the_pdf(school, district, client_for):
    """The DOCX sibling of «Положение (PDF)»: the same sections, paragraphs and items, a school's curator
    may open it and another school's gets 404 (the walk of tests/test_docx.py has no Положение to read)."""
    from tests.test_docx import docx_text

    order = organisation_order(school)
    url = reverse("mentoring:order_regulations_docx", args=[order.pk])
    response = client_for(district.curator1).get(url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    text = squash(docx_text(response.content))
    assert text.startswith(squash("Приложение № 1 к приказу от"))
    regulations = regulations_of(order_service.build_content(order))
    for section in regulations["sections"]:
        for paragraph in section["paragraphs"]:
            for words in (paragraph["text"], *paragraph["items"]):
                assert squash(words) in text, words
    assert client_for(district.curator2).get(url).status_code == 404
