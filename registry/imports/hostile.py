"""Hostile participant workbooks, built in memory: for the tests of ``registry.imports.limits`` and the
``bench_import_limits`` command.

The files are written with ``zipfile`` directly, their big parts streamed into the archive a megabyte
at a time: openpyxl would take minutes to write them, and would hold them whole.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable, Iterable, Iterator

from registry.imports.columns import COLUMNS

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>'
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Участники" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)

Chunks = Callable[[], Iterable[bytes]]


def letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


def inline(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_row() -> str:
    """The template's header as row 1, in inline strings."""
    return '<row r="1">' + "".join(inline(f"{letter(i)}1", column.title) for i, column in enumerate(COLUMNS)) + "</row>"


def sheet(*rows: str | Chunks) -> Chunks:
    """A sheet's XML in pieces: the rows given as strings or as functions giving byte chunks."""
    def chunks() -> Iterator[bytes]:
        yield f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{MAIN}"><sheetData>'.encode()
        for part in rows:
            if isinstance(part, str):
                yield part.encode()
            else:
                yield from part()
        yield b"</sheetData></worksheet>"
    return chunks


def strings(*texts: str) -> Chunks:
    def chunks() -> Iterator[bytes]:
        yield f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{MAIN}">'.encode()
        for text in texts:
            yield f"<si><t>{text}</t></si>".encode()
        yield b"</sst>"
    return chunks


def repeated(piece: bytes, times: int, *, before: bytes = b"", after: bytes = b"") -> Chunks:
    """Byte chunks of ``piece`` × ``times``, a megabyte or so at a time."""
    def chunks() -> Iterator[bytes]:
        yield before
        per_chunk = max(1, (1024 * 1024) // len(piece))
        left = times
        while left:
            step = min(per_chunk, left)
            yield piece * step
            left -= step
        yield after
    return chunks


def workbook(sheet_chunks: Chunks, strings_chunks: Chunks = strings()) -> bytes:
    """A minimal XLSX, its big parts streamed into the archive, deflated as hard as zlib can."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, chunks in (("xl/worksheets/sheet1.xml", sheet_chunks), ("xl/sharedStrings.xml", strings_chunks)):
            with archive.open(name, "w") as part:
                for chunk in chunks():
                    part.write(chunk)
    return buffer.getvalue()


def lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """The ZIP directory says the part ``name`` unpacks to ``size`` bytes."""
    encoded = name.encode()
    data = bytearray(data)
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) != -1:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46:at + 46 + name_length]) == encoded:
            struct.pack_into("<I", data, at + 24, size)
            return bytes(data)
        at += 4
    raise ValueError(f"no {name} in the directory")


# --- the cases the brief names, and their neighbours -------------------------------------------------


def many_shared_strings(count: int = 3_000_000) -> bytes:
    """``count`` one-letter shared strings: 49 MB unpacked for three million, under 300 KB packed."""
    return workbook(sheet(header_row()), repeated(b"<si><t>x</t></si>", count,
                                                  before=f'<sst xmlns="{MAIN}">'.encode(), after=b"</sst>"))


def many_empty_shared_strings(count: int = 3_000_000) -> bytes:
    """``count`` empty shared strings: 15 MB unpacked for three million, under the size cap."""
    return workbook(sheet(header_row()), repeated(b"<si/>", count,
                                                  before=f'<sst xmlns="{MAIN}">'.encode(), after=b"</sst>"))


def one_long_string(megabytes: int = 300) -> bytes:
    """One shared string of ``megabytes`` MB in a file of a few hundred KB."""
    return workbook(sheet(header_row()), repeated(b"a" * 1024, megabytes * 1024,
                                                  before=f'<sst xmlns="{MAIN}"><si><t>'.encode(),
                                                  after=b"</t></si></sst>"))


def one_long_string_hidden(megabytes: int = 300) -> bytes:
    """The same, its ZIP directory saying the strings unpack to 4 KB."""
    return lie_about_size(one_long_string(megabytes), "xl/sharedStrings.xml", 4096)


def wide_row(cells: int = 1_000_000) -> bytes:
    return workbook(sheet(header_row(), repeated(b"<c><v>1</v></c>", cells, before=b'<row r="2">',
                                                 after=b"</row>")))


def many_rows(rows: int = 1_000_000) -> bytes:
    return workbook(sheet(header_row(), repeated(b"<row/>", rows)))


#: What ``bench_import_limits`` measures: a name and the file.
CASES: dict[str, Callable[[], bytes]] = {
    "3 000 000 строк в таблице строк": many_shared_strings,
    "3 000 000 пустых строк в таблице строк": many_empty_shared_strings,
    "одна строка 300 МБ": one_long_string,
    "одна строка 300 МБ, каталог ZIP лжёт": one_long_string_hidden,
    "строка из 1 000 000 ячеек": wide_row,
    "1 000 000 пустых строк листа": many_rows,
}
