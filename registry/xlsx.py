"""The one writer of every spreadsheet the portal hands out (the export jobs of ``registry.exporters`` and
the roadmap pages' own XLSX): a write-only openpyxl workbook, so memory stays bounded whatever the rows,
and a CSV of the same rows where a table is wanted in another program.

A table is a ``Sheet``: its first row is the header (bold, wrapped, frozen, repeated on every printed
page), then the rows as plain value lists. Every value passes through ``registry.cells`` (text can never
become a formula); a date gets the Russian date format; an empty string is an empty cell; a ``TotalRow``
is set in bold; a ``Filled`` value is a cell coloured with its state (the roadmap matrix). Each sheet
prints landscape, one page wide, with its heading on top (``registry.xlsx_print``).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from registry import cells
from registry.xlsx_print import set_printing

DATE_FORMAT = "DD.MM.YYYY"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"


# Values written as they are, by exact class (a str subclass is not one of them): nothing to make safe.
PLAIN = frozenset({int, float, bool, type(None)})


class TotalRow(list):
    """The last row of a table: the writer sets it in bold."""


@dataclass(frozen=True)
class Filled:
    """A value shown on a coloured cell (``colour`` as «#rrggbb»)."""

    value: object
    colour: str


@dataclass
class Sheet:
    """One table: ``rows`` is an iterable whose first item is the header."""

    title: str
    rows: Iterable[Sequence]
    # Column widths in characters, or a function of the header giving them.
    widths: Sequence[int] | Callable[[list], Sequence[int]] = ()
    heading: str = ""  # printed on top of every page; the title when empty
    freeze: str = "A2"  # the header stays in view; "B2" keeps the first column too
    header: bool = True  # a sheet without a header row (a plain list) has none in bold


def _header_height(header: list, widths: Sequence[int]) -> float:
    """Wrapped titles need a tall header row: LibreOffice keeps a stored row at one line and cuts them.
    About three quarters of a column's width in characters fit a line once words wrap."""
    lines = max((-(-len(str(title)) // max(int(width * 0.75), 1)) for title, width in zip(header, widths)),
                default=1)
    return 15 * min(max(lines, 1), 8)


class _Cells:
    """Turns one sheet's values into cells; the styles are made once per sheet, not per cell."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.bold = Font(bold=True)
        self.wrapped = Alignment(wrap_text=True, vertical="top")
        self.fills: dict[str, PatternFill] = {}

    def value(self, value):
        if value.__class__ is str:  # the common case first: one comparison, no cell object
            return value if value and value[0] not in cells.FORMULA_STARTS else (cells.cell(self.sheet, value)
                                                                                  if value else None)
        if isinstance(value, datetime.date):
            made = WriteOnlyCell(self.sheet, value=value)
            made.number_format = DATE_FORMAT
            return made
        if isinstance(value, Filled):
            made = cells.cell(self.sheet, value.value if value.value != "" else None)
            fill = self.fills.get(value.colour)
            if fill is None:
                fill = self.fills[value.colour] = PatternFill("solid", fgColor=value.colour.lstrip("#"))
            made.fill = fill
            return made
        return cells.safe(self.sheet, value)

    def styled(self, value, *, wrap: bool = False):
        made = self.value(value)
        if not isinstance(made, Cell):
            made = cells.cell(self.sheet, made)
        made.font = self.bold
        if wrap:
            made.alignment = self.wrapped
        return made

    def row(self, values) -> list:
        if isinstance(values, TotalRow):
            return [self.styled(value) for value in values]
        convert = self.value
        # Numbers and empty cells as they are (a number is never read as a formula): a statistics table
        # is mostly counts, and they skipped the string, date and colour checks one call each.
        return [value if value.__class__ in PLAIN else convert(value) for value in values]


def write(file, sheets: Iterable[Sheet]) -> None:
    """The sheets as one workbook into ``file`` (a path or a binary file object)."""
    workbook = Workbook(write_only=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title[:31].replace("/", "-"))
        set_printing(sheet, spec.heading or spec.title)
        rows = iter(spec.rows)
        made = _Cells(sheet)
        header = list(next(rows, []))
        widths = spec.widths(header) if callable(spec.widths) else list(spec.widths)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        if spec.header:
            sheet.row_dimensions[1].height = _header_height(header, widths)
            sheet.freeze_panes = spec.freeze
            sheet.append([made.styled(value, wrap=True) for value in header])
        elif header:
            sheet.append(made.row(header))
        append = sheet.append
        row = made.row
        for values in rows:
            append(row(values))
    workbook.save(file)


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Filled):
        value = value.value
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    text = str(value)
    # The same rule as the XLSX cells: a leading quote keeps a formula a text in a spreadsheet program.
    return f"'{text}" if cells.is_risky(text) else text


def write_csv(file, sheet: Sheet) -> None:
    """The sheet as CSV into a binary ``file``: UTF-8 with a byte order mark (Excel then reads Cyrillic)
    and «;» between values, as a Russian Excel expects."""
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text, delimiter=";")
    for values in sheet.rows:
        writer.writerow([_csv_value(value) for value in values])
    text.flush()
    text.detach()
