"""The DOCX of documents built from a query: questionnaire link sheets with their QR codes, the district
report (``?format=docx``). The walk over every ``.pdf`` URL is tests/test_docx.py."""

import io
import re

from django.urls import reverse
from docx import Document
from pypdf import PdfReader

from registry.docx import CONTENT_TYPE
from tests import test_questionnaire_links as links
from tests.test_docx import docx_text, dump, missing_words

survey = links.survey
school = links.school


def test_link_sheets_docx_carry_every_card_and_its_qr_code(district, client_for, survey, school):
    client = client_for(district.curator1)
    client.post(links.url(survey), {"everyone": "1", "days": "14"})
    query = {"organisation": district.school1.pk}
    pdf = client.get(reverse("monitoring:links_pdf", args=[survey.pk]), query)
    docx = client.get(reverse("monitoring:links_docx", args=[survey.pk]), query)
    assert docx.status_code == 200 and docx["Content-Type"] == CONTENT_TYPE
    # A page of the PDF may list the file's images shared by all its pages: count the distinct codes.
    qr_in_pdf = len({image.data for page in PdfReader(io.BytesIO(pdf.content)).pages for image in page.images})
    assert qr_in_pdf >= 5
    assert len(Document(io.BytesIO(docx.content)).inline_shapes) == qr_in_pdf
    text = docx_text(docx.content)
    # The PDF breaks a typed-out address anywhere («word-break: break-all»): its pieces are in the DOCX's.
    # (Reading the PDF drops a hyphen at a line's end, so compare letters and digits only.)
    squashed = re.sub(r"[\W_]", "", text)
    assert all(re.sub(r"[\W_]", "", piece) in squashed for piece in missing_words(pdf.content, docx.content))
    assert "Алексеев" in text
    dump("link-sheets", pdf.content, docx.content)
    # Outside the school: the same 404 as the PDF.
    assert client_for(district.curator2).get(reverse("monitoring:links_docx", args=[survey.pk]),
                                             query).status_code == 404


def test_the_district_report_offers_its_docx_beside_the_pdf(district, client_for):
    client = client_for(district.municipal)
    page = client.get(reverse("monitoring:district_report"))
    assert page.status_code == 200
    pdf_url, docx_url = page.context["pdf_url"], page.context["docx_url"]
    assert docx_url == pdf_url.replace("format=pdf", "format=docx")
    assert f'href="{docx_url.replace("&", "&amp;")}"' in page.content.decode()
    pdf, docx = client.get(pdf_url), client.get(docx_url)
    assert pdf["Content-Type"] == "application/pdf"
    assert docx.status_code == 200 and docx["Content-Type"] == CONTENT_TYPE
    assert "Мониторинг реализации целевой модели наставничества" in docx_text(docx.content)
    assert not missing_words(pdf.content, docx.content)
