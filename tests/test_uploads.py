"""An uploaded scan or evidence file must really be what it claims (registry.validators)."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter
from pypdf.generic import NameObject, TextStringObject, DictionaryObject

from registry.validators import validate_document_file, validate_scan
from tests import factories


def pdf_with(**catalogue) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    for key, value in catalogue.items():
        writer._root_object[NameObject(f"/{key}")] = value
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def refused(name: str, content: bytes, validator=validate_scan) -> str:
    with pytest.raises(ValidationError) as error:
        validator(SimpleUploadedFile(name, content))
    return " ".join(error.value.messages)


def test_real_files_pass():
    validate_scan(SimpleUploadedFile("scan.pdf", factories.pdf_bytes()))
    validate_scan(SimpleUploadedFile("scan.png", factories.png_bytes()))
    validate_scan(SimpleUploadedFile("scan.jpg", factories.jpeg_bytes()))


def test_a_pdf_with_javascript_is_refused():
    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert('x')")})
    assert "исполняемое содержимое" in refused("scan.pdf", pdf_with(OpenAction=action))


def test_a_pdf_whose_script_hides_behind_escaped_names_is_refused():
    # «/J#61vaScript» is /JavaScript to a PDF reader, but not to a search of the bytes: the parsed walk
    # finds it.
    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert('x')")})
    content = pdf_with(OpenAction=action).replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")
    assert b"/JavaScript" not in content
    assert "исполняемое содержимое" in refused("scan.pdf", content)


def test_a_pdf_with_an_embedded_file_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("payload.exe", b"MZ\x90\x00")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert "исполняемое содержимое" in refused("scan.pdf", buffer.getvalue())


def test_a_pdf_html_polyglot_is_refused():
    polyglot = factories.pdf_bytes() + b"\n<html><script>alert(document.cookie)</script></html>\n"
    assert "веб-страницу" in refused("scan.pdf", polyglot)


def test_a_broken_pdf_and_a_broken_image_are_refused():
    assert "не читается как PDF" in refused("scan.pdf", b"%PDF-1.4\n garbage \x00\x01")
    assert "не открывается как изображение" in refused("scan.png", factories.png_bytes()[:40])


def test_a_decompression_bomb_is_refused(settings):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (12000, 12000)).save(buffer, format="PNG")  # 144 megapixels, a few KB on disk
    assert "слишком большое" in refused("scan.png", buffer.getvalue()) or "не открывается" in refused(
        "scan.png", buffer.getvalue())


def test_office_files_must_be_sound_and_without_macros():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", b"\x00" * 10)
    assert "макрос" in refused("report.docx", buffer.getvalue(), validate_document_file)
    assert "повреждён" in refused("report.docx", b"PK\x03\x04 not a zip", validate_document_file)
