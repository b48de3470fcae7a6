"""Every printed document also as DOCX (issue 15, item 6): each ``….pdf`` URL has a ``….docx`` sibling that
runs the same view (same declaration, same scope: 404 for an outsider) and whose text, read back with
python-docx, holds every word of the PDF — names in the same cases."""

import inspect
import io
import os
import re

import pytest
from django.urls import reverse
from docx import Document

from mentoring import orders as order_service
from registry import documents
from registry.docx import CONTENT_TYPE, html_to_docx
from registry.models import AuditEntry, Participant
from tests import test_documents, test_permissions
from tests.test_documents import REPRESENTATIVE_LINE, consent, pdf_text
from tests.test_permissions import PATTERNS, url_of

# The fixtures of the PDF tests, the same people and objects.
objects = test_permissions.objects
school = test_documents.school
membership = test_documents.membership

PDF_ROUTES = [(name, route) for name, route, _view in PATTERNS if route.endswith(".pdf")]
VIEWS = {route: (name, view) for name, route, view in PATTERNS}


def docx_text(data: bytes) -> str:
    """The body's paragraphs and tables in order, then the footers: what Word shows as text."""
    document = Document(io.BytesIO(data))
    parts = []

    def walk(container):
        for block in container.iter_inner_content():
            if hasattr(block, "rows"):
                for row in block.rows:
                    seen = set()
                    for cell in row.cells:
                        if id(cell._tc) not in seen:  # a merged cell is listed once per column it spans
                            seen.add(id(cell._tc))
                            walk(cell)
            else:
                parts.append(block.text)

    walk(document)
    for section in document.sections:
        parts += [p.text for p in section.footer.paragraphs]
    return " ".join(" ".join(parts).split())


def words(text: str) -> set[str]:
    found = set(re.findall(r"\w+", text))
    return found | {w.replace("-", "") for w in re.findall(r"\w+(?:-\w+)+", text)}


def without_stamps(text: str) -> str:
    """The text without what each request stamps for itself: the page numbers and the minute it was made in.

    «Сформировано (Сформирована, Сформирован) 07.12.2026 18:51»: the PDF and the DOCX are two requests and
    may fall either side of a minute (the roadmap's feminine «Сформирована» failed so once)."""
    text = re.sub(r"Страница \d+ из \d+", " ", text)
    return re.sub(r"(Сформирован[оа]?) \d{2}\.\d{2}\.\d{4} \d{2}:\d{2}", r"\1", text)


def missing_words(pdf: bytes, docx: bytes) -> set[str]:
    return words(without_stamps(pdf_text(pdf))) - words(docx_text(docx))


def test_the_stamps_of_each_request_are_left_out_in_every_gender():
    for made in ("Сформировано", "Сформирована", "Сформирован"):
        assert without_stamps(f"План. {made} 07.12.2026 18:51 в системе. Страница 1 из 2") == f"План. {made} в системе.  "


def test_every_pdf_route_has_a_docx_sibling_running_the_same_view():
    assert len(PDF_ROUTES) >= 10
    for name, route in PDF_ROUTES:
        sibling = VIEWS.get(route[:-4] + ".docx")
        assert sibling, f"{name}: no DOCX sibling of {route}"
        docx_view, pdf_view = sibling[1], VIEWS[route][1]
        assert sibling[0] == documents.docx_name(name)
        assert inspect.unwrap(docx_view) is inspect.unwrap(pdf_view)
        assert docx_view.declaration == pdf_view.declaration
        assert getattr(docx_view, "permission", None) == getattr(pdf_view, "permission", None)


# Documents the shared objects cannot open (their sibling is still checked above; the test named in the reason reads them).
NOT_WALKED = {
    "mentoring:order_regulations_pdf": "the fixture's order approves pairs and has no Положение appended; "
                                        "tests/test_regulations.py::test_the_regulations_docx_reads_like_the_pdf reads it",
}

# Who reads each document in the walk: the first of these that the PDF opens for.
READERS = ("curator1", "director1", "municipal")


@pytest.mark.parametrize(("name", "route"), PDF_ROUTES, ids=[name for name, _route in PDF_ROUTES])
def test_the_docx_sibling_is_scoped_and_reads_like_the_pdf(district, client_for, roles, objects, name, route):
    if name in NOT_WALKED:
        pytest.skip(NOT_WALKED[name])
    query = {}
    if name == "registry:class_consent_blanks":
        query = {"class_name": Participant.objects.get(pk=objects["participants"]).class_name}
    pdf_url = url_of(name, route, objects)
    docx_url = reverse(documents.docx_name(name), kwargs=reverse_kwargs(pdf_url))
    assert docx_url == pdf_url[:-4] + ".docx"
    for username in READERS:
        client = client_for(getattr(district, username))
        pdf = client.get(pdf_url, query)
        if pdf.status_code == 200:
            break
    assert pdf.status_code == 200, f"{name}: no reader opens the PDF"
    exports_before = AuditEntry.objects.filter(kind=AuditEntry.Kind.EXPORT).count()
    docx = client.get(docx_url, query)
    assert docx.status_code == 200
    assert docx["Content-Type"] == CONTENT_TYPE
    assert "attachment" in docx["Content-Disposition"] and ".docx" in docx["Content-Disposition"]
    assert docx.content[:2] == b"PK"
    assert not missing_words(body_of(pdf), docx.content), f"{name}: words of the PDF missing from the DOCX"
    dump(name.replace(":", "-"), body_of(pdf), docx.content)
    # An export of people's data is recorded for the DOCX as for the PDF.
    exported = AuditEntry.objects.filter(kind=AuditEntry.Kind.EXPORT).count() - exports_before
    # (the agreement and the plan name the mentee and the mentor: one entry in each one's trail)
    assert exported == {"registry:class_consent_blanks": 1, "mentoring:agreement_pdf": 2, "mentoring:plan_pdf": 2,
                        "mentoring:order_pdf": 1, "monitoring:links_pdf": 1}.get(name, 0)
    # The refusals, asked through the role base: a school's document (and a school's report) is refused to
    # the neighbour, the outsider and the stranger with a 404, like any school's object; a district's is the
    # district's schools' to read, so only someone is refused there (404 outside the scope, 403 where a role
    # lacks the permission altogether). Either way the DOCX answers each role as the PDF does.
    school_document = route.split("/")[0] in ("registry", "mentoring", "roadmaps") or name == "monitoring:report_pdf"
    ask = roles.expect if school_document else roles.statuses
    got = ask([pdf_url, docx_url], data=query, owner=None, municipal=None)
    assert {role: got[role, docx_url] for role, _url in got} == {role: got[role, pdf_url] for role, _url in got}
    assert set(got.values()) & {403, 404}


def dump(stem: str, pdf: bytes, docx: bytes) -> None:
    """DOCX_DUMP=/some/dir keeps both files, to open the DOCX in a word processor and compare."""
    if os.environ.get("DOCX_DUMP"):
        for data, extension in ((pdf, "pdf"), (docx, "docx")):
            with open(os.path.join(os.environ["DOCX_DUMP"], f"{stem}.{extension}"), "wb") as file:
                file.write(data)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def reverse_kwargs(url: str) -> dict:
    from django.urls import resolve
    return resolve(url).kwargs


def test_a_signed_order_docx_is_made_from_its_frozen_content(district, client_for, objects):
    from mentoring.models import Order
    order = Order.objects.get(pk=objects["orders"])
    order_service.sign_order(order, by=district.director1)
    order.refresh_from_db()
    client = client_for(district.curator1)
    pdf = client.get(reverse("mentoring:order_pdf", args=[order.pk]))
    docx = client.get(reverse("mentoring:order_docx", args=[order.pk]))
    text = docx_text(docx.content)
    assert "ПРИКАЗ" in text and f"№ {order.number}" in text and "ПРИКАЗЫВАЮ:" in text
    assert "ПРОЕКТ" not in text
    assert not missing_words(pdf.content, docx.content)
    assert 'filename="Prikaz_' in docx["Content-Disposition"]


def test_the_agreement_docx_names_the_parties_in_their_cases(school, district, client_for, membership):
    person = membership.mentee.participant
    consent(person, representative="Смирнов Игорь Олегович", days_ago=10)
    client = client_for(district.curator1)
    data = client.get(reverse("mentoring:agreement_docx", args=[membership.pk])).content
    text = docx_text(data)
    assert "Наставник Кузнецова Мария Сергеевна, учитель математики" in text
    assert ("9Б класс (далее — Наставляемый), несовершеннолетний, в лице родителя (законного представителя) "
            "Смирнова Игоря Олеговича (мать)") in text
    assert REPRESENTATIVE_LINE + " наставляемого" in text
    assert "М. С. Кузнецова" in text and "И. О. Смирнов" in text
    # The layout of the sheet: A4 portrait, Times New Roman, the PDF's margins.
    document = Document(io.BytesIO(data))
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert (round(section.left_margin.cm, 1), round(section.right_margin.cm, 1)) == (2.0, 1.5)
    assert document.styles["Normal"].font.name == "Times New Roman"
    dump("agreement-minor", b"", data)


def test_the_consent_blank_docx_gives_consent_to_the_operator_in_the_dative(district, client_for, objects):
    client = client_for(district.curator1)
    url = reverse("registry:consent_blank_docx", args=[objects["participants"]]) + "?purpose=mentoring"
    text = docx_text(client.get(url).content)
    organisation = district.school1
    assert f"даю согласие {organisation.name_in('datv')}" in text


def test_the_converter_keeps_the_markup_of_a_sheet():
    html = """<html><head><title>Т</title><style>
      @page { size: A4 landscape; margin: 1.5cm 1.2cm 1.5cm 2cm; }
      .approval { margin-left: 60%; } .word { font-weight: bold; } .grid td { border: 0.5pt solid #000; }
      .sheet + .sheet { break-before: page; } .line { display: block; border-bottom: 0.5pt solid #000; }
    </style></head><body>
      <div class="approval"><div class="word">УТВЕРЖДАЮ</div><div>Директор</div></div>
      <h2>1. Заголовок</h2><p>Текст <b>жирный</b> и <i>курсив</i>.<br>Вторая строка</p>
      <ol><li>первый</li><li>второй</li></ol><ul><li>пункт</li></ul>
      <table class="grid"><thead><tr><th>№</th><th>Мероприятие</th></tr></thead>
        <tbody><tr><td>1</td><td>Встреча</td></tr><tr><td colspan="2">итого</td></tr></tbody></table>
      <section class="sheet">лист 1<span class="line">&nbsp;</span></section><section class="sheet">лист 2</section>
    </body></html>"""
    document = Document(io.BytesIO(html_to_docx(html)))
    section = document.sections[0]
    assert section.page_width > section.page_height  # landscape
    assert len(document.sections) == 2  # the second sheet starts a page
    paragraphs = [p for p in document.paragraphs if p.text.strip()]
    texts = [p.text for p in paragraphs]
    assert texts[:2] == ["УТВЕРЖДАЮ", "Директор"]
    assert paragraphs[0].runs[0].bold and paragraphs[0].paragraph_format.left_indent.cm > 14
    assert paragraphs[2].runs[0].bold  # h2
    assert "Текст жирный и курсив.\nВторая строка" in texts
    assert "1.\tпервый" in texts and "2.\tвторой" in texts and "•\tпункт" in texts
    table = document.tables[0]
    assert table.style.name == "Table Grid"
    assert [c.text for c in table.rows[1].cells] == ["1", "Встреча"]
    assert table.rows[2].cells[0].text == "итого" and len({id(c._tc) for c in table.rows[2].cells}) == 1
    assert document.core_properties.title == "Т"
