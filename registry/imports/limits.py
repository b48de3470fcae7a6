"""Bounds on an uploaded workbook, checked before openpyxl reads it.

A small XLSX can unpack into something huge: three million shared strings, one string of 300 MB,
a row of a million cells. At ``load_workbook`` openpyxl reads the shared strings table and every
small XML part whole, and parses each sheet that has no ``<dimension>`` to its end; reading a sheet
in read-only mode it still builds each row in full before cutting it to the columns asked for. So
before openpyxl sees the file:

1. ``check_directory``: the ZIP directory (nothing decompressed) gives every part's unpacked size;
   each is capped, and so is the total. ``zipfile`` never unpacks more than the directory declares:
   a lying entry ends in a CRC error, i.e. a damaged file.
2. ``check_parts``: every XML part is streamed through expat, without building a tree, counting what
   costs: the shared strings (how many, how long each, first), every sheet in full (rows, cells,
   cells in a row, all its elements), the elements of everything else. A DTD is refused outright.
3. ``check_data_sheet``, once openpyxl has said which part is the sheet to be read: what its scan
   found about filled rows and the text of one cell (inline, or by its index into the shared strings).

The first limit crossed stops the scan and raises ``WorkbookTooLarge`` with a Russian message that
starts «Файл слишком большой: …». Time and memory are bounded by the limits, not by the file: a
hostile file is refused after reading at most a limit's worth of it.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from xml.parsers import expat

from django.utils.translation import gettext as _

#: Excel's own bounds: no sheet produced by Excel goes beyond them.
EXCEL_MAX_ROW = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_CELL_TEXT = 32_767

MB = 1024 * 1024
#: Unpacked size of the shared strings table (xl/sharedStrings.xml).
MAX_STRINGS_BYTES = 16 * MB
#: Unpacked size of one sheet's XML.
MAX_SHEET_BYTES = 32 * MB
#: Unpacked size of any other XML part (styles, theme, relationships, …); any other part: a sheet's.
MAX_PART_BYTES = 8 * MB
#: Unpacked size of all parts together.
MAX_TOTAL_BYTES = 96 * MB
#: Strings in the shared strings table, and XML elements in it (rich text is a few per run).
MAX_SHARED_STRINGS = 100_000
MAX_STRINGS_ELEMENTS = 2_000_000
#: XML elements in one shared string (its formatted runs).
MAX_STRING_ELEMENTS = 5_000
#: Characters in one cell of the sheet that is read.
MAX_CELL_TEXT = 2_000
#: In any sheet: rows and cells, empty formatted ones included, and XML elements.
MAX_SHEET_ROWS = 100_000
MAX_SHEET_CELLS = 300_000
MAX_SHEET_ELEMENTS = 600_000
#: Elements of any other part openpyxl parses whole.
MAX_PART_ELEMENTS = 200_000
#: Elements of all parts together (the shared strings' aside).
MAX_TOTAL_ELEMENTS = 1_200_000
#: Sheets in the workbook.
MAX_SHEETS = 1_000

READ_CHUNK = 64 * 1024


class WorkbookTooLarge(Exception):
    """The workbook crosses a limit; ``message`` says which, in Russian."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class WorkbookDamaged(Exception):
    """The workbook is not a readable XLSX (a lying ZIP entry, broken XML, a DTD)."""


def number(value: int) -> str:
    """5000 → «5 000», as Russian text writes it."""
    return f"{value:,}".replace(",", "\u00a0")


def megabytes(size: int) -> str:
    return _("%(size)s МБ") % {"size": number(max(1, round(size / MB)))}


def too_large(reason: str) -> WorkbookTooLarge:
    return WorkbookTooLarge(_("Файл слишком большой: %(reason)s. Скопируйте только строки с участниками в чистый "
                              "шаблон и загрузите его.") % {"reason": reason})


@dataclass
class StringsTable:
    """What the scan of the shared strings table learnt: how many, and which are too long for a cell."""

    count: int = 0
    long: set[int] = field(default_factory=set)


@dataclass
class SheetScan:
    rows: int = 0
    cells: int = 0
    filled_rows: int = 0
    #: The number of the last row with a value: reading stops there.
    last_filled_row: int = 0
    #: The first cell whose text is longer than ``MAX_CELL_TEXT`` («B12»).
    long_cell: str = ""


@dataclass
class WorkbookScan:
    strings: StringsTable = field(default_factory=StringsTable)
    #: Every sheet's scan, by its part name (what openpyxl calls the worksheet path).
    sheets: dict[str, SheetScan] = field(default_factory=dict)
    elements: int = 0


# --- the ZIP directory ------------------------------------------------------------------------------


def _is_strings_part(name: str) -> bool:
    return name.lower().rsplit("/", 1)[-1] == "sharedstrings.xml"


def _is_sheet_part(name: str) -> bool:
    return name.lower().startswith("xl/worksheets/") and name.lower().endswith(".xml")


def check_directory(archive: zipfile.ZipFile) -> None:
    """Unpacked sizes as the ZIP directory declares them; nothing is decompressed."""
    total = 0
    for entry in archive.infolist():
        total += entry.file_size
        if _is_strings_part(entry.filename):
            limit, what = MAX_STRINGS_BYTES, _("таблица строк")
        elif _is_sheet_part(entry.filename):
            limit, what = MAX_SHEET_BYTES, _("лист «%(name)s»") % {"name": entry.filename.rsplit("/", 1)[-1]}
        elif entry.filename.lower().endswith((".xml", ".rels")):
            limit, what = MAX_PART_BYTES, _("часть «%(name)s»") % {"name": entry.filename}
        else:
            limit, what = MAX_SHEET_BYTES, _("часть «%(name)s»") % {"name": entry.filename}
        if entry.file_size > limit:
            raise too_large(_("%(what)s занимает в распакованном виде %(size)s, допустимо не больше %(max)s") % {
                "what": what, "size": megabytes(entry.file_size), "max": megabytes(limit)})
    if total > MAX_TOTAL_BYTES:
        raise too_large(_("в распакованном виде он занимает %(size)s, допустимо не больше %(max)s") % {
            "size": megabytes(total), "max": megabytes(MAX_TOTAL_BYTES)})


# --- streaming XML ----------------------------------------------------------------------------------


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


class _NotXml(Exception):
    """The part is not XML at all (an image, printer settings): openpyxl never parses it as XML."""


class _PartScanner:
    """Expat callbacks over one part; no tree is built. What is counted depends on the root element:
    ``sst`` (the shared strings), ``worksheet``, anything else."""

    def __init__(self, name: str, workbook: WorkbookScan):
        self.name = name
        self.workbook = workbook
        self.root = None
        self.elements = 0
        self.sheets = 0
        # the shared strings
        self.strings = StringsTable()
        self.in_string = False
        self.string_length = 0
        self.string_elements = 0
        # a sheet
        self.sheet = SheetScan()
        self.in_data = False
        self.row_number = 0
        self.row_cells = 0
        self.row_filled = False
        self.cell_ref = ""
        self.cell_type = ""
        self.cell_text = 0
        self.value = ""
        self.in_value = False
        self.in_text = False

    def run(self, stream) -> None:
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text

        def no_dtd(*args):
            raise WorkbookDamaged(f"{self.name}: a DTD")

        parser.StartDoctypeDeclHandler = no_dtd
        parser.EntityDeclHandler = no_dtd
        try:
            while chunk := stream.read(READ_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError as error:
            if self.root is None:
                raise _NotXml from error
            raise WorkbookDamaged(f"{self.name}: {error}") from error

    # --- callbacks

    def start(self, name, attributes):
        local = _local(name)
        if self.root is None:
            self.root = local
        self.elements += 1
        if self.root == "sst":
            self._string_start(local)
            return
        self.workbook.elements += 1
        if self.workbook.elements > MAX_TOTAL_ELEMENTS:
            raise too_large(_("в нём больше %(max)s элементов разметки") % {"max": number(MAX_TOTAL_ELEMENTS)})
        if self.root == "worksheet":
            self._sheet_start(local, attributes)
            return
        if self.elements > MAX_PART_ELEMENTS:
            raise too_large(_("в части «%(name)s» больше %(max)s элементов разметки") % {
                "name": self.name, "max": number(MAX_PART_ELEMENTS)})
        if self.root == "workbook" and local == "sheet":
            self.sheets += 1
            if self.sheets > MAX_SHEETS:
                raise too_large(_("в книге больше %(max)s листов") % {"max": number(MAX_SHEETS)})

    def end(self, name):
        if self.root == "sst":
            if self.in_string and _local(name) == "si":
                self.in_string = False
                if self.string_length > MAX_CELL_TEXT:
                    self.strings.long.add(self.strings.count - 1)
        elif self.root == "worksheet" and self.in_data:
            self._sheet_end(_local(name))

    def text(self, data):
        if self.in_string:
            # Text in <rPh> (phonetic hints) is not part of the value; counting it is only stricter.
            self.string_length += len(data)
            if self.string_length > EXCEL_MAX_CELL_TEXT:
                raise too_large(_("в таблице строк есть строка длиннее %(max)s знаков") % {
                    "max": number(EXCEL_MAX_CELL_TEXT)})
        elif self.in_value or self.in_text:
            self.cell_text += len(data)
            if self.cell_text > MAX_CELL_TEXT and not self.sheet.long_cell:
                self.sheet.long_cell = self.cell_ref or f"{self.row_number}:{self.row_cells}"
            if self.in_value and self.cell_type == "s" and len(self.value) < 20:
                self.value += data

    # --- the shared strings

    def _string_start(self, local):
        if self.elements > MAX_STRINGS_ELEMENTS:
            raise too_large(_("в таблице строк больше %(max)s элементов разметки") % {
                "max": number(MAX_STRINGS_ELEMENTS)})
        if local == "si":
            self.strings.count += 1
            if self.strings.count > MAX_SHARED_STRINGS:
                raise too_large(_("в таблице строк больше %(max)s строк") % {"max": number(MAX_SHARED_STRINGS)})
            self.in_string, self.string_length, self.string_elements = True, 0, 0
        elif self.in_string:
            self.string_elements += 1
            if self.string_elements > MAX_STRING_ELEMENTS:
                raise too_large(_("в таблице строк есть строка из больше чем %(max)s частей") % {
                    "max": number(MAX_STRING_ELEMENTS)})

    # --- a sheet

    def _sheet_start(self, local, attributes):
        sheet = self.sheet
        if self.elements > MAX_SHEET_ELEMENTS:
            raise too_large(_("на листе больше %(max)s элементов разметки") % {"max": number(MAX_SHEET_ELEMENTS)})
        if local == "sheetData":
            self.in_data = True
        elif not self.in_data:
            return
        elif local == "row":
            sheet.rows += 1
            if sheet.rows > MAX_SHEET_ROWS:
                raise too_large(_("на листе больше %(max)s строк, считая пустые строки с оформлением") % {
                    "max": number(MAX_SHEET_ROWS)})
            given = attributes.get("r")
            try:
                self.row_number = int(given) if given else self.row_number + 1
            except ValueError:
                raise WorkbookDamaged(f"{self.name}: row number {given[:20]!r}") from None
            if not 1 <= self.row_number <= EXCEL_MAX_ROW:
                raise WorkbookDamaged(f"{self.name}: row number {self.row_number}")
            self.row_cells, self.row_filled = 0, False
        elif local == "c":
            sheet.cells += 1
            if sheet.cells > MAX_SHEET_CELLS:
                raise too_large(_("на листе больше %(max)s ячеек, считая пустые ячейки с оформлением") % {
                    "max": number(MAX_SHEET_CELLS)})
            self.row_cells += 1
            if self.row_cells > EXCEL_MAX_COLUMNS:
                raise too_large(_("в строке %(row)s больше %(max)s ячеек") % {
                    "row": self.row_number, "max": number(EXCEL_MAX_COLUMNS)})
            self.cell_ref = attributes.get("r", "")[:20]
            self.cell_type = attributes.get("t", "n")
            self.cell_text = 0
        elif local == "v":
            self.in_value, self.value, self.row_filled = True, "", True
        elif local == "t":
            self.in_text, self.row_filled = True, True

    def _sheet_end(self, local):
        if local == "v":
            self.in_value = False
            if self.cell_type == "s" and not self.sheet.long_cell:
                try:
                    index = int(self.value)
                except ValueError:
                    raise WorkbookDamaged(f"{self.name}: shared string index {self.value!r}") from None
                if index in self.workbook.strings.long:
                    self.sheet.long_cell = self.cell_ref or f"{self.row_number}:{self.row_cells}"
        elif local == "t":
            self.in_text = False
        elif local == "row" and self.row_filled:
            self.sheet.filled_rows += 1
            self.sheet.last_filled_row = max(self.sheet.last_filled_row, self.row_number)
        elif local == "sheetData":
            self.in_data = False


ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError, NotImplementedError,
              ValueError)


def check_parts(archive: zipfile.ZipFile) -> WorkbookScan:
    """Stream every part once; what is not XML is given up at its first bytes. The shared strings
    come first, so that a sheet's cells can be matched against the strings too long for a cell."""
    scan = WorkbookScan()
    entries = sorted((entry for entry in archive.infolist() if not entry.is_dir() and entry.file_size),
                     key=lambda entry: not _is_strings_part(entry.filename))
    for entry in entries:
        scanner = _PartScanner(entry.filename, scan)
        try:
            with archive.open(entry) as stream:
                scanner.run(stream)
        except _NotXml:
            continue
        except ZIP_ERRORS as error:
            raise WorkbookDamaged(f"{entry.filename}: {error}") from error
        if scanner.root == "sst":
            if scanner.strings.count > MAX_SHARED_STRINGS - scan.strings.count:
                raise too_large(_("в таблице строк больше %(max)s строк") % {"max": number(MAX_SHARED_STRINGS)})
            scan.strings.count += scanner.strings.count
            scan.strings.long |= scanner.strings.long
        elif scanner.root == "worksheet":
            scan.sheets[entry.filename] = scanner.sheet
    return scan


def check_data_sheet(scan: WorkbookScan, path: str, *, max_filled_rows: int) -> SheetScan:
    """What the scan found in the sheet that will be read: too many filled rows, a cell too long."""
    sheet = scan.sheets.get(path.lstrip("/"))
    if sheet is None:
        raise WorkbookDamaged(f"the data sheet {path} is not a worksheet part")
    if sheet.filled_rows > max_filled_rows:
        raise too_large(_("на листе больше %(max)s заполненных строк") % {"max": number(max_filled_rows)})
    if sheet.long_cell:
        raise too_large(_("в ячейке %(cell)s больше %(max)s знаков") % {
            "cell": sheet.long_cell, "max": number(MAX_CELL_TEXT)})
    return sheet
