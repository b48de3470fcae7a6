"""Hostile small workbooks are refused before they cost time or memory (``registry.imports.limits``).

The files are built with ``zipfile`` directly, streaming the big parts: openpyxl would take minutes to
write them. Each refusal's memory is traced (``tracemalloc``) and its CPU time taken: the time bound is
a runaway guard, not a speed target (an unbounded parse of these files takes minutes; the refusals take
well under a second, and ``manage.py bench_import_limits`` measures them). CPU time, not wall time, so
a machine busy with other work does not fail it.
"""

import io
import time
import tracemalloc
import zipfile
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from registry.imports import limits, reader
from registry.imports.hostile import (
    many_empty_shared_strings,
    many_shared_strings,
    one_long_string,
    MAIN,
    header_row,
    letter,
    lie_about_size,
    inline,
    repeated,
    sheet,
    strings,
    workbook,
)
from registry.models import ParticipantImport
from registry.imports.columns import COLUMNS
from registry.imports.reader import parse_participant_workbook
from tests.test_import import HEADER, preview_url, row, xlsx

SECONDS = 30  # CPU seconds: a guard against a parse that runs away, far above the measured figures
PEAK_BYTES = 200 * 1024 * 1024


@contextmanager
def bounded():
    """Times and traces the block; ``measured`` holds seconds and peak traced bytes afterwards."""
    measured = {}
    tracemalloc.start()
    started = time.process_time()
    try:
        yield measured
    finally:
        measured["seconds"] = time.process_time() - started
        measured["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert measured["seconds"] < SECONDS, measured
    assert measured["peak"] < PEAK_BYTES, measured


def refusal(content: bytes) -> str:
    with bounded():
        preview = parse_participant_workbook(io.BytesIO(content))
    assert preview.rows == []
    assert len(preview.errors) == 1, preview.errors
    return preview.errors[0]


# --- a hand-built workbook is a real one ------------------------------------------------------------


def test_a_workbook_built_by_hand_reads_like_any_other(district):
    content = workbook(sheet(header_row(), '<row r="2">' + "".join(
        f'<c r="{letter(i)}2" t="s"><v>{i}</v></c>' for i in range(len(COLUMNS))) + "</row>"),
        strings(*row(birth_date="12.04.1985")))
    preview = parse_participant_workbook(io.BytesIO(content), organisation=district.school1)
    assert preview.errors == []
    assert preview.can_commit, [r.errors for r in preview.rows]
    assert preview.rows[0].participant.last_name == "Соколова"


# --- the shared strings table -------------------------------------------------------------------------


def test_three_million_shared_strings_are_refused_from_the_zip_directory():
    content = many_shared_strings(3_000_000)
    assert len(content) < 300 * 1024
    message = refusal(content)
    assert message.startswith("Файл слишком большой: таблица строк занимает в распакованном виде 49 МБ, "
                              "допустимо не больше 16 МБ.")


def test_three_million_shared_strings_within_the_size_cap_are_refused_while_counted():
    """Empty strings: 15 MB unpacked, under the size cap; the count stops the scan at 100 001."""
    content = many_empty_shared_strings(3_000_000)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.getinfo("xl/sharedStrings.xml").file_size < limits.MAX_STRINGS_BYTES
    message = refusal(content)
    assert message == ("Файл слишком большой: в таблице строк больше 100\u00a0000 строк. Скопируйте только строки "
                       "с участниками в чистый шаблон и загрузите его.")


def test_one_string_of_300_megabytes_is_refused():
    content = one_long_string(300)
    assert len(content) < 400 * 1024
    assert refusal(content).startswith("Файл слишком большой: таблица строк занимает в распакованном виде 300 МБ")


def test_one_string_of_300_megabytes_behind_a_lying_directory_is_refused_as_damaged():
    """zipfile unpacks no more than the directory declares; the rest ends in a CRC error."""
    content = lie_about_size(one_long_string(300), "xl/sharedStrings.xml", 4096)
    assert refusal(content) == str(reader.DAMAGED)


def test_a_string_longer_than_excel_allows_is_refused_while_streamed():
    content = one_long_string(8)
    assert refusal(content) == ("Файл слишком большой: в таблице строк есть строка длиннее 32\u00a0767 знаков. "
                                "Скопируйте только строки с участниками в чистый шаблон и загрузите его.")


def test_an_xml_bomb_is_refused_as_damaged():
    bomb = ('<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
            f']><sst xmlns="{MAIN}"><si><t>&b;</t></si></sst>')
    content = workbook(sheet(header_row()), lambda: iter([bomb.encode()]))
    assert refusal(content) == str(reader.DAMAGED)


# --- the sheet that is read ----------------------------------------------------------------------------


def test_a_row_of_a_million_cells_is_refused():
    content = workbook(sheet(header_row(), repeated(b"<c><v>1</v></c>", 1_000_000, before=b'<row r="2">',
                                                    after=b"</row>")))
    assert refusal(content).startswith("Файл слишком большой: в строке 2 больше 16\u00a0384 ячеек.")


def test_too_many_formatted_empty_cells_are_refused():
    row_of_empties = "".join(f'<c r="{letter(i)}{{n}}" s="1"/>' for i in range(20))
    content = workbook(sheet(header_row(), lambda: (f'<row r="{n}">{row_of_empties.format(n=n)}</row>'.encode()
                                                    for n in range(2, 20_000))))
    assert refusal(content).startswith("Файл слишком большой: на листе больше 300\u00a0000 ячеек, считая пустые "
                                       "ячейки с оформлением.")


def test_too_many_filled_rows_are_refused_before_they_are_read():
    content = workbook(sheet(header_row(), lambda: (f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>'.encode()
                                                    for n in range(2, 8_000))))
    assert refusal(content).startswith("Файл слишком большой: на листе больше 5\u00a0100 заполненных строк.")


def test_too_many_rows_are_refused():
    content = workbook(sheet(header_row(), repeated(b"<row/>", 1_000_000)))
    assert refusal(content).startswith("Файл слишком большой: на листе больше 100\u00a0000 строк, считая пустые "
                                       "строки с оформлением.")


def test_a_row_number_beyond_excel_is_refused_as_damaged():
    content = workbook(sheet(header_row(), '<row r="99999999999"><c><v>1</v></c></row>'))
    assert refusal(content) == str(reader.DAMAGED)


def test_too_many_elements_in_another_part_are_refused():
    """openpyxl parses the styles whole, as a tree."""
    content = workbook(sheet(header_row()))
    buffer = io.BytesIO(content)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive, archive.open("xl/styles.xml", "w") as part:
        for chunk in repeated(b"<b/>", 1_000_000, before=f'<styleSheet xmlns="{MAIN}">'.encode(),
                              after=b"</styleSheet>")():
            part.write(chunk)
    assert refusal(buffer.getvalue()).startswith("Файл слишком большой: в части «xl/styles.xml» больше 200\u00a0000 "
                                                 "элементов разметки.")


def test_a_long_inline_cell_is_refused_naming_the_cell():
    content = workbook(sheet(header_row(), '<row r="2">' + inline("B2", "я" * 2001) + "</row>"))
    assert refusal(content).startswith("Файл слишком большой: в ячейке B2 больше 2\u00a0000 знаков.")


def test_a_long_shared_string_in_the_sheet_is_refused_but_elsewhere_it_is_not(district):
    content = xlsx([row(position="д" * 2001)])
    message = refusal(content)
    assert message.startswith("Файл слишком большой: в ячейке G2 больше 2\u00a0000 знаков.")

    workbook_with_notes = Workbook()
    data = workbook_with_notes.active
    data.title = "Участники"
    data.append(HEADER)
    data.append(row())
    workbook_with_notes.create_sheet("Заметки").append(["з" * 3000])
    buffer = io.BytesIO()
    workbook_with_notes.save(buffer)
    preview = parse_participant_workbook(io.BytesIO(buffer.getvalue()), organisation=district.school1)
    assert preview.can_commit, preview.errors


def test_the_text_of_all_rows_together_is_bounded():
    """One 1 999-character string in every cell of 5 000 rows: 100 million characters to store."""
    text = "т" * 1999
    cells = "".join(f'<c r="{letter}{{n}}" t="s"><v>0</v></c>' for letter in "ABCDEFGHIJK")
    content = workbook(sheet(header_row(), lambda: (f'<row r="{n}">{cells.format(n=n)}</row>'.encode()
                                                    for n in range(2, 5002))), strings(text))
    assert refusal(content).startswith("Файл слишком большой: в столбцах участников больше 3\u00a0000\u00a0000 "
                                       "знаков текста.")


# --- through the pages --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_hostile_upload_is_stored_checked_and_refused_with_the_reason(district, client_for,
                                                                       django_capture_on_commit_callbacks):
    content = many_empty_shared_strings(3_000_000)
    client = client_for(district.curator1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:import_upload"),
                               {"file": SimpleUploadedFile("много.xlsx", content)})
    assert response.status_code == 302
    upload = ParticipantImport.objects.get()
    assert upload.status == ParticipantImport.Status.CHECKED
    html = client.get(preview_url(upload)).content.decode()
    assert "Файл слишком большой: в таблице строк больше 100" in html
    assert "Загрузить исправленный файл" in html
    assert "Загрузить в реестр" not in html
