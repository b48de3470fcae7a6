"""Reading an uploaded participant workbook into an ``ImportPreview``.

A hostile workbook is refused before openpyxl reads it (``registry.imports.limits``); the rows are
then bounded while they are read (``MAX_ROWS``, ``MAX_COLUMNS``, ``MAX_TEXT``). Each row is then
checked (``registry.imports.checks``).
"""

from __future__ import annotations

import difflib
import logging
import zipfile

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from registry.imports import limits
from registry.imports.checks import check_rows
from registry.imports.columns import (
    COLUMN_TITLES,
    COLUMNS,
    DATA_SHEET_TITLE,
    EXAMPLE_ROW,
    HEADER_KEYS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_TEXT,
    SPARE_ROWS,
    cell_text,
    key_of,
)
from registry.imports.limits import WorkbookDamaged, WorkbookTooLarge
from registry.imports.preview import ImportPreview, ImportRow

logger = logging.getLogger(__name__)

class _HeaderProblem(Exception):
    pass


def _read_header(cells) -> tuple[dict[str, int], list[str]]:
    """Column positions by key, and the titles not recognised.

    Raises ``_HeaderProblem`` naming the missing or repeated columns.
    """
    positions: dict[str, int] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    for index, value in enumerate(cells):
        text = cell_text(value)
        if not text:
            continue
        key = HEADER_KEYS.get(key_of(text))
        if key is None:
            unknown.append(text)
        elif key in positions:
            repeated.append(COLUMN_TITLES[key])
        else:
            positions[key] = index
    problems = []
    if repeated:
        problems.append(_("Столбцы повторяются: %(columns)s. Оставьте по одному.") % {
            "columns": ", ".join(f"«{title}»" for title in repeated)})
    missing = [column for column in COLUMNS if column.key not in positions and not column.optional]
    if missing:
        lines = []
        candidates = {key_of(text): text for text in unknown}
        for column in missing:
            close = difflib.get_close_matches(key_of(column.title), list(candidates), n=1, cutoff=0.6)
            if close:
                lines.append(_("«%(title)s» (в файле есть «%(found)s» — возможно, опечатка)") % {
                    "title": column.title, "found": candidates[close[0]]})
            else:
                lines.append(f"«{column.title}»")
        problems.append(
            _("В файле не найдены столбцы: %(columns)s. Файл нельзя прочитать: первая строка должна содержать "
              "заголовки как в шаблоне.") % {"columns": "; ".join(lines)}
        )
    if problems:
        raise _HeaderProblem(problems)
    return positions, unknown


UNREADABLE = gettext_lazy("Файл не удаётся прочитать как книгу Excel (.xlsx): возможно, он повреждён или сохранён в другом "
               "формате. Откройте его в Excel и сохраните как «Книга Excel (.xlsx)».")
DAMAGED = gettext_lazy("Файл повреждён: не удалось дочитать его до конца. Сохраните его в Excel заново.")


def _open_workbook(file):
    return load_workbook(file, read_only=True, data_only=True)


def parse_participant_workbook(file, *, organisation=None) -> ImportPreview:
    """Read an uploaded workbook (a path or a binary file) and check every row.

    With ``organisation``, rows are also checked against the people already in its registry. The
    workbook's size is checked first, from its ZIP directory and by streaming its XML
    (``registry.imports.limits``); openpyxl reads it only when it is within the limits.
    """
    preview = ImportPreview()
    try:
        archive = zipfile.ZipFile(file)
    except Exception as error:  # not a ZIP at all
        logger.info("Unreadable import workbook: %r", error)
        preview.errors.append(str(UNREADABLE))
        return preview
    with archive:
        try:
            limits.check_directory(archive)
            scan = limits.check_parts(archive)
        except WorkbookTooLarge as refusal:
            preview.errors.append(refusal.message)
            return preview
        except WorkbookDamaged as error:
            logger.info("Damaged import workbook: %s", error)
            preview.errors.append(str(DAMAGED))
            return preview
        try:
            workbook = _open_workbook(file)
        except Exception as error:  # openpyxl raises many kinds for a damaged or foreign file
            logger.info("Unreadable import workbook: %r", error)
            preview.errors.append(str(UNREADABLE))
            return preview
        try:
            sheet = _data_sheet(workbook)
            data = limits.check_data_sheet(scan, sheet._worksheet_path, max_filled_rows=MAX_ROWS + SPARE_ROWS)
            _read_rows(sheet, preview, last_row=data.last_filled_row)
        except WorkbookTooLarge as refusal:
            preview.rows = []
            preview.errors.append(refusal.message)
        except Exception as error:
            logger.info("Damaged import workbook: %r", error)
            preview.rows = []
            preview.errors.append(str(DAMAGED))
        finally:
            workbook.close()
    if preview.errors:
        preview.rows = []
        return preview
    check_rows(preview, organisation)
    return preview


def _data_sheet(workbook):
    if DATA_SHEET_TITLE in workbook.sheetnames:
        sheet = workbook[DATA_SHEET_TITLE]
    else:
        sheet = workbook.worksheets[0]
    if not getattr(sheet, "_worksheet_path", None):
        raise WorkbookDamaged("the data sheet is not a worksheet")
    return sheet


def _read_rows(sheet, preview: ImportPreview, *, last_row: int) -> None:
    positions = None
    data_rows = 0
    text = 0
    example = {key: cell_text(value) for key, value in EXAMPLE_ROW.items()}
    # Nothing past the last filled row is read (a dimension or a stray row number far below the data
    # would otherwise yield a million empty rows).
    rows = sheet.iter_rows(max_col=MAX_COLUMNS, max_row=last_row, values_only=True) if last_row else ()
    for number, cells in enumerate(rows, start=1):
        for index, value in enumerate(cells):
            if isinstance(value, str) and len(value) > limits.MAX_CELL_TEXT:  # the scan has seen to it
                raise limits.too_large(_("в ячейке %(cell)s больше %(max)s знаков") % {
                    "cell": f"{get_column_letter(index + 1)}{number}",
                    "max": limits.number(limits.MAX_CELL_TEXT)})
        if not any(cell_text(value) for value in cells):
            continue
        if positions is None:
            try:
                positions, unknown = _read_header(cells)
            except _HeaderProblem as problem:
                preview.errors.extend(problem.args[0])
                return
            if unknown:
                preview.notes.append(_("Столбцы не распознаны и не загружаются: %(columns)s.") % {
                    "columns": ", ".join(f"«{title}»" for title in unknown)})
            continue
        # A column missing from the header (an optional one) reads as empty cells.
        raw = {column.key: None for column in COLUMNS}
        raw.update({key: (cells[index] if index < len(cells) else None) for key, index in positions.items()})
        shown = {key: cell_text(value) for key, value in raw.items()}
        if not any(shown.values()):
            continue  # something only in columns the reader ignores
        # The example of the template the file was made from: an older one lacks the later columns.
        if all(shown[key] == example[key] for key in positions):
            preview.skipped_example = True
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            preview.errors.append(
                _("В файле больше %(max)s строк с участниками. За один раз можно загрузить не больше %(max)s: "
                  "разделите файл на несколько.") % {"max": f"{MAX_ROWS:,}".replace(",", "\u00a0")}
            )
            return
        text += sum(len(value) for value in shown.values())
        if text > MAX_TEXT:
            raise limits.too_large(_("в столбцах участников больше %(max)s знаков текста") % {
                "max": limits.number(MAX_TEXT)})
        preview.rows.append(ImportRow(number=number, cells=shown, raw=raw))
    if positions is None:
        preview.errors.append(_("Файл пустой: в нём нет ни заголовков, ни участников. Заполните шаблон."))
    elif not preview.rows:
        preview.errors.append(_("В файле нет ни одной строки с участниками: под заголовками пусто."))

