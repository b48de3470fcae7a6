"""Participant spreadsheets: the import template, reading an uploaded workbook, committing it.

Import is all-or-nothing. ``parse_participant_workbook`` reads a workbook and returns an
``ImportPreview`` with every row and its problems, in Russian. The file is read once, off the request
(``parse_stored_import``, run by a Celery task): the preview is stored in the import row as JSON and
the page shows it from there. ``commit_import`` locks the import, takes the stored rows, checks them
again against the registry as it is now, and creates the participants only if no row has a problem —
once per import, and once per file (by its SHA-256) per organisation. Views only call these functions.

A hostile workbook is refused before openpyxl reads it (``registry.xlsx_limits``); the rows are then
bounded while they are read (``MAX_ROWS``, ``MAX_COLUMNS``, ``MAX_TEXT``).
"""

from __future__ import annotations

import datetime
import difflib
import logging
import math
import re
import tempfile
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from registry import xlsx_limits
from registry.models import MenteeProfile, MentorProfile, Participant, ParticipantImport, Topic
from registry.models.imports import file_sha256
from registry.models.people import normalise_name
from registry.signals import announce_change
from registry.xlsx_limits import WorkbookDamaged, WorkbookTooLarge

logger = logging.getLogger(__name__)

MAX_ROWS = 5000
#: Columns read from each row; a header wider than this is cut (a sheet may carry styling far to the right).
MAX_COLUMNS = 30
#: Characters in the recognised columns of all rows together: bounds the stored preview.
MAX_TEXT = 3_000_000
#: Filled rows on the sheet beyond the participants' (the header, the example, notes): more is refused
#: before the rows are read.
SPARE_ROWS = 100
#: Rows per query when looking for people already in the registry.
DUPLICATE_CHUNK = 500

DATA_SHEET_TITLE = "Участники"
HELP_SHEET_TITLE = "Справка"

ROLE_MENTOR = "mentor"
ROLE_MENTEE = "mentee"
ROLE_WORDS = {"наставник": ROLE_MENTOR, "наставница": ROLE_MENTOR,
              "наставляемый": ROLE_MENTEE, "наставляемая": ROLE_MENTEE}
ROLE_LABELS = {ROLE_MENTOR: "наставник", ROLE_MENTEE: "наставляемый"}


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    width: int = 18
    help: str = ""

    @property
    def short_title(self) -> str:
        """The title without its bracketed hint: «Роль», not «Роль (наставник / …)»."""
        return self.title.split(" (")[0]


COLUMNS: tuple[Column, ...] = (
    Column("last_name", "Фамилия", required=True, width=18, help="Обязательно."),
    Column("first_name", "Имя", required=True, width=14, help="Обязательно."),
    Column("patronymic", "Отчество", width=18, help="Если есть."),
    Column("birth_date", "Дата рождения", aliases=("дата рожд",), width=15,
           help="Дата Excel или текст дд.мм.гггг, например 15.03.2010. Обязательна для обучающихся."),
    Column("category", "Категория", required=True, width=24,
           help="Обязательно. Одно из значений выпадающего списка (см. ниже)."),
    Column("class_name", "Класс/группа", aliases=("класс", "группа"), width=12,
           help="Для обучающихся: «7Б», «СП-21»."),
    Column("position", "Должность/место работы", aliases=("должность", "место работы"), width=28,
           help="Для педагогов, родителей, представителей работодателя."),
    Column("phone", "Телефон", width=18, help="В любом виде: +7 900 000-00-00."),
    Column("email", "Эл. почта", aliases=("электронная почта", "email", "e-mail", "почта"), width=24,
           help="Адрес электронной почты."),
    Column("role", "Роль (наставник / наставляемый / пусто)", aliases=("роль в программе",), width=20,
           help="«наставник» — в базу наставников, «наставляемый» — в базу наставляемых, пусто — только в реестр."),
    Column("topics", "Компетенции или запросы (через «;»)",
           aliases=("компетенции", "запросы", "компетенции/запросы"), width=40,
           help="Названия из справочника компетенций и запросов через точку с запятой. "
                "Для наставника — чем он может помочь, для наставляемого — его запросы (хотя бы один)."),
)
COLUMN_TITLES = {column.key: column.title for column in COLUMNS}
#: The columns that identify a person (what a duplicate is about).
PERSON_COLUMNS = ("last_name", "first_name", "patronymic", "birth_date")

#: The template's sample line. A row equal to it is skipped, so a curator may leave it in place.
EXAMPLE_ROW = {
    "last_name": "Иванова",
    "first_name": "Мария",
    "patronymic": "Петровна",
    "birth_date": datetime.date(2010, 3, 15),
    "category": "Обучающийся",
    "class_name": "8Б",
    "position": "",
    "phone": "+7 900 000-00-00",
    "email": "",
    "role": "наставляемый",
    "topics": "Олимпиадная подготовка; Цифровые навыки",
}

CATEGORY_SYNONYMS = {
    "ученик": Participant.Category.STUDENT,
    "ученица": Participant.Category.STUDENT,
    "учащийся": Participant.Category.STUDENT,
    "обучающаяся": Participant.Category.STUDENT,
    "студент": Participant.Category.STUDENT,
    "учитель": Participant.Category.TEACHER,
    "преподаватель": Participant.Category.TEACHER,
    "работодатель": Participant.Category.EMPLOYER,
}

DATE_TEXT = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{2,4})(?:\s*г\.?)?$")
ISO_DATE_TEXT = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _key(text: str) -> str:
    """How headers and list values are compared: case, ё, spaces, quotes and brackets do not matter."""
    text = normalise_name(str(text))
    text = re.sub(r"\(.*?\)", " ", text)
    text = re.sub(r"[«»\"'*:]", " ", text)
    text = re.sub(r"\s*/\s*", "/", text)
    return " ".join(text.split()).strip(" .")


HEADER_KEYS: dict[str, str] = {}
for _column in COLUMNS:
    for _alias in (_column.title, *_column.aliases):
        HEADER_KEYS[_key(_alias)] = _column.key

CATEGORY_KEYS: dict[str, str] = {
    **{_key(label): value for value, label in Participant.Category.choices},
    **{_key(value): value for value in Participant.Category.values},
    **{_key(word): value for word, value in CATEGORY_SYNONYMS.items()},
}


def category_labels() -> list[str]:
    return [str(label) for _value, label in Participant.Category.choices]


# --- the template -----------------------------------------------------------------------------

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
EXAMPLE_FONT = Font(italic=True, color="808080")


def build_import_template(file) -> None:
    """Write the blank import workbook: header, sample row, dropdowns, and a help sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET_TITLE
    sheet.append([column.title for column in COLUMNS])
    sheet.append([EXAMPLE_ROW[column.key] for column in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        header = sheet.cell(row=1, column=index)
        header.font = HEADER_FONT
        header.fill = HEADER_FILL
        header.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.cell(row=2, column=index).font = EXAMPLE_FONT
    sheet.row_dimensions[1].height = 32
    sheet.freeze_panes = "A2"
    letters = {column.key: get_column_letter(index) for index, column in enumerate(COLUMNS, start=1)}
    sheet[f"{letters['birth_date']}2"].number_format = "DD.MM.YYYY"

    last_row = MAX_ROWS + 1
    category = DataValidation(
        type="list", formula1='"{}"'.format(",".join(category_labels())), allow_blank=True,
        showErrorMessage=True, errorTitle="Категория", error="Выберите категорию из списка.",
    )
    role = DataValidation(
        type="list", formula1='"{}"'.format(",".join(ROLE_LABELS.values())), allow_blank=True,
        showErrorMessage=True, errorTitle="Роль", error="Выберите «наставник» или «наставляемый» либо оставьте пустым.",
    )
    category.add(f"{letters['category']}2:{letters['category']}{last_row}")
    role.add(f"{letters['role']}2:{letters['role']}{last_row}")
    sheet.add_data_validation(category)
    sheet.add_data_validation(role)

    help_sheet = workbook.create_sheet(HELP_SHEET_TITLE)
    help_sheet.column_dimensions["A"].width = 42
    help_sheet.column_dimensions["B"].width = 100
    lines = [
        ("Загрузка участников в реестр", ""),
        ("", ""),
        ("Как заполнять", "Одна строка — один участник. Первая строка листа «Участники» — заголовки, не меняйте их."),
        ("", "Строку-образец (серым курсивом) можно удалить или оставить: она не загружается."),
        ("", f"Не больше {MAX_ROWS:,} строк в одном файле.".replace(",", " ")),
        ("", "Если хотя бы в одной строке ошибка, не загружается ничего: исправьте файл и загрузите его снова."),
        ("", "Человек, который уже есть в реестре организации (те же ФИО и дата рождения), считается ошибкой."),
        ("", ""),
        ("Столбец", "Что указать"),
        *[(column.title, column.help) for column in COLUMNS],
        ("", ""),
        ("Допустимые категории", ""),
        *[(label, "") for label in category_labels()],
        ("", ""),
        ("Роли", ""),
        *[(label, "") for label in ROLE_LABELS.values()],
        ("(пусто)", "Участник вносится в реестр без профиля наставника или наставляемого."),
    ]
    for line in lines:
        help_sheet.append(list(line))
    for row in (1, 3, 9, 9 + len(COLUMNS) + 2, 9 + len(COLUMNS) + 2 + len(category_labels()) + 2):
        help_sheet.cell(row=row, column=1).font = HEADER_FONT
    help_sheet.cell(row=9, column=2).font = HEADER_FONT
    help_sheet["A1"].font = Font(bold=True, size=14)
    for cells in help_sheet.iter_rows(min_col=2, max_col=2):
        cells[0].alignment = Alignment(wrap_text=True, vertical="top")
    workbook.active = 0
    workbook.save(file)


# --- reading -----------------------------------------------------------------------------------


@dataclass
class ImportRow:
    number: int
    cells: dict[str, str]
    errors: list[str] = field(default_factory=list)
    participant: Participant | None = None
    roles: frozenset[str] = frozenset()
    topics: list[Topic] = field(default_factory=list)
    #: Keys of the columns an error is about, to highlight those cells.
    bad_columns: set[str] = field(default_factory=set)
    #: The cell values as read, kept only while the row is being checked.
    raw: dict = field(default_factory=dict, repr=False)

    def add_error(self, message: str, *columns: str) -> None:
        self.errors.append(message)
        self.bad_columns.update(columns)

    @property
    def values(self) -> list[str]:
        return [self.cells.get(column.key, "") for column in COLUMNS]

    @property
    def cells_marked(self) -> list[tuple[str, bool]]:
        """(value, has an error) per column, for the preview table."""
        return [(self.cells.get(column.key, ""), column.key in self.bad_columns) for column in COLUMNS]

    @property
    def duplicate_key(self):
        """(normalised full name, birth date): what ``Participant.objects.duplicates_of`` compares."""
        participant = self.participant
        if participant is None or not participant.last_name or not participant.first_name:
            return None
        name = normalise_name(f"{participant.last_name} {participant.first_name} {participant.patronymic or ''}")
        return name, participant.birth_date

    def to_stored(self) -> dict:
        return {
            "number": self.number, "cells": self.cells, "errors": self.errors, "bad": sorted(self.bad_columns),
            # What the checks read as it was in the cell, beyond its shown text: a date cell, the
            # line breaks between topics. Kept so that the commit can check the row again.
            "raw": {"birth_date": _stored_value(self.raw.get("birth_date")),
                    "topics": None if self.raw.get("topics") is None else str(self.raw["topics"])},
        }

    @classmethod
    def from_stored(cls, data: dict, *, checked: bool = True) -> ImportRow:
        """A stored row, with its problems (``checked``) or ready to be checked again."""
        raw = data.get("raw") or {}
        row = cls(number=data["number"], cells=dict(data["cells"]),
                  raw={"birth_date": _loaded_value(raw.get("birth_date")), "topics": raw.get("topics")})
        if checked:
            row.errors = list(data.get("errors") or [])
            row.bad_columns = set(data.get("bad") or [])
        return row


def _stored_value(value):
    """A cell's value as JSON: dates tagged, what JSON cannot hold as the text the cell shows."""
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return _text(value)


def _loaded_value(value):
    if isinstance(value, dict):
        if "datetime" in value:
            return datetime.datetime.fromisoformat(value["datetime"])
        if "date" in value:
            return datetime.date.fromisoformat(value["date"])
        return None
    return value


@dataclass
class ImportPreview:
    rows: list[ImportRow] = field(default_factory=list)
    #: Problems with the file as a whole; when there are any, ``rows`` is empty.
    errors: list[str] = field(default_factory=list)
    #: What the reader ignored, for the curator's information (not errors).
    notes: list[str] = field(default_factory=list)
    unknown_topics: list[str] = field(default_factory=list)
    skipped_example: bool = False

    @property
    def error_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(row.errors for row in self.rows)

    @property
    def can_commit(self) -> bool:
        return not self.has_errors and bool(self.rows)

    @property
    def summary(self) -> str:
        """«12 строк, 3 с ошибками»."""
        total = len(self.rows)
        rows = plural_ru(total, "строка", "строки", "строк")
        return _("%(total)s %(rows)s, %(bad)s с ошибками") % {"total": total, "rows": rows, "bad": len(self.error_rows)}

    def to_stored(self) -> dict:
        """The preview as the import row keeps it (``ParticipantImport.preview``)."""
        return {
            "version": STORED_VERSION,
            "summary": {"text": self.summary, "rows": len(self.rows), "error_rows": len(self.error_rows),
                        "can_commit": self.can_commit},
            "errors": self.errors, "notes": self.notes, "unknown_topics": self.unknown_topics,
            "skipped_example": self.skipped_example,
            "rows": [row.to_stored() for row in self.rows],
        }

    @classmethod
    def from_stored(cls, data: dict, *, checked: bool = True) -> ImportPreview:
        """The stored preview as it was checked, or (``checked=False``) its rows ready to be checked again."""
        return cls(
            rows=[ImportRow.from_stored(row, checked=checked) for row in data.get("rows") or []],
            errors=list(data.get("errors") or []), notes=list(data.get("notes") or []),
            unknown_topics=list(data.get("unknown_topics") or []) if checked else [],
            skipped_example=bool(data.get("skipped_example")),
        )


#: The shape of a stored preview (``ImportPreview.to_stored``).
STORED_VERSION = 1


def plural_ru(number: int, one: str, few: str, many: str) -> str:
    if number % 10 == 1 and number % 100 != 11:
        return one
    if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
        return few
    return many


class ImportRejected(Exception):
    """The import cannot be committed; ``preview`` shows why when the file was read."""

    def __init__(self, message: str, preview: ImportPreview | None = None):
        super().__init__(message)
        self.message = message
        self.preview = preview


class ImportAlreadyCommitted(ImportRejected):
    pass


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def parse_date(value) -> tuple[datetime.date | None, str | None]:
    """A birth date from an Excel date or the text «дд.мм.гггг»: (date, None) or (None, error)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, datetime.datetime):
        return value.date(), None
    if isinstance(value, datetime.date):
        return value, None
    shown = _text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 1900 <= value <= 2100:
            return None, _("Дата рождения: указан только год «%(value)s» — нужна полная дата дд.мм.гггг.") % {
                "value": shown}
        try:
            result = from_excel(value)
        except (ValueError, OverflowError, TypeError):
            result = None
        if isinstance(result, datetime.datetime) and result.year >= 1900:
            return result.date(), None
        return None, _("Дата рождения «%(value)s» не распознана: укажите дату в виде дд.мм.гггг.") % {"value": shown}
    text = shown.strip()
    match = DATE_TEXT.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) != 4:
            return None, _("Дата рождения «%(value)s»: год укажите четырьмя цифрами (дд.мм.гггг).") % {"value": text}
    elif match := ISO_DATE_TEXT.match(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None, _("Дата рождения «%(value)s» не распознана: укажите дату в виде дд.мм.гггг.") % {"value": text}
    try:
        return datetime.date(year, month, day), None
    except ValueError:
        return None, _("Дата рождения «%(value)s»: такой даты не существует.") % {"value": text}


def _split_topics(value) -> list[str]:
    if value is None:
        return []
    names = re.split(r"[;\n]", str(value))
    return [" ".join(name.split()) for name in names if name.strip()]


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
        text = _text(value)
        if not text:
            continue
        key = HEADER_KEYS.get(_key(text))
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
    missing = [column for column in COLUMNS if column.key not in positions]
    if missing:
        lines = []
        candidates = {_key(text): text for text in unknown}
        for column in missing:
            close = difflib.get_close_matches(_key(column.title), list(candidates), n=1, cutoff=0.6)
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
    (``registry.xlsx_limits``); openpyxl reads it only when it is within the limits.
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
            xlsx_limits.check_directory(archive)
            scan = xlsx_limits.check_parts(archive)
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
            data = xlsx_limits.check_data_sheet(scan, sheet._worksheet_path, max_filled_rows=MAX_ROWS + SPARE_ROWS)
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
    _check_rows(preview, organisation)
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
    example = [_text(EXAMPLE_ROW[column.key]) for column in COLUMNS]
    # Nothing past the last filled row is read (a dimension or a stray row number far below the data
    # would otherwise yield a million empty rows).
    rows = sheet.iter_rows(max_col=MAX_COLUMNS, max_row=last_row, values_only=True) if last_row else ()
    for number, cells in enumerate(rows, start=1):
        for index, value in enumerate(cells):
            if isinstance(value, str) and len(value) > xlsx_limits.MAX_CELL_TEXT:  # the scan has seen to it
                raise xlsx_limits.too_large(_("в ячейке %(cell)s больше %(max)s знаков") % {
                    "cell": f"{get_column_letter(index + 1)}{number}",
                    "max": xlsx_limits.number(xlsx_limits.MAX_CELL_TEXT)})
        if not any(_text(value) for value in cells):
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
        raw = {key: (cells[index] if index < len(cells) else None) for key, index in positions.items()}
        shown = {key: _text(value) for key, value in raw.items()}
        if not any(shown.values()):
            continue  # something only in columns the reader ignores
        if [shown[column.key] for column in COLUMNS] == example:
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
            raise xlsx_limits.too_large(_("в столбцах участников больше %(max)s знаков текста") % {
                "max": xlsx_limits.number(MAX_TEXT)})
        preview.rows.append(ImportRow(number=number, cells=shown, raw=raw))
    if positions is None:
        preview.errors.append(_("Файл пустой: в нём нет ни заголовков, ни участников. Заполните шаблон."))
    elif not preview.rows:
        preview.errors.append(_("В файле нет ни одной строки с участниками: под заголовками пусто."))


def _check_rows(preview: ImportPreview, organisation) -> None:
    topics = {normalise_name(topic.name): topic for topic in Topic.objects.usable_in([organisation.pk])}
    unknown_topics: dict[str, str] = {}
    seen: dict[tuple, int] = {}
    for row in preview.rows:
        _check_row(row, topics, unknown_topics)
        key = row.duplicate_key
        if key is not None:
            if key in seen:
                row.add_error(_("Повтор: этот же человек (ФИО и дата рождения) уже есть в строке %(row)s файла.")
                              % {"row": seen[key]}, *PERSON_COLUMNS)
            else:
                seen[key] = row.number
    preview.unknown_topics = sorted(unknown_topics.values(), key=str.lower)
    if organisation is not None:
        _check_registry_duplicates(preview.rows, organisation)


def _check_row(row: ImportRow, topics: dict[str, Topic], unknown_topics: dict[str, str]) -> None:
    raw, cells = row.raw, row.cells
    fail = row.add_error
    for column in COLUMNS:
        if column.required and not cells[column.key]:
            fail(_("Не заполнено обязательное поле «%(column)s».") % {"column": column.title}, column.key)

    birth_date, date_error = parse_date(raw["birth_date"])
    if date_error:
        fail(date_error, "birth_date")

    category = ""
    if cells["category"]:
        category = CATEGORY_KEYS.get(_key(cells["category"]), "")
        if not category:
            fail(_("Неизвестная категория «%(value)s». Допустимо: %(allowed)s.") % {
                "value": cells["category"], "allowed": ", ".join(category_labels())}, "category")

    participant = Participant(
        last_name=cells["last_name"], first_name=cells["first_name"], patronymic=cells["patronymic"],
        birth_date=birth_date, category=category, class_name=cells["class_name"], position=cells["position"],
        phone=cells["phone"], email=cells["email"],
    )
    reported = set(row.bad_columns)
    try:
        participant.clean_fields(exclude=["organisation", "search_name", "created_by", *reported])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            for message in messages:
                fail(f"{COLUMN_TITLES.get(name, name)}: {message}", name)
    # The model's own rules (birth date of a student, plausible age); without an organisation it
    # skips the duplicate query, which is done for all rows at once below.
    try:
        participant.clean()
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            if name not in reported:
                for message in messages:
                    fail(message, name)
    row.participant = participant

    roles = set()
    role_text = cells["role"]
    if role_text:
        for word in re.split(r"[;,/]|\s+и\s+", role_text):
            role = ROLE_WORDS.get(_key(word))
            if role is None:
                fail(_("Неизвестная роль «%(value)s»: укажите «наставник», «наставляемый» или оставьте пустым.")
                     % {"value": role_text}, "role")
                roles = set()
                break
            roles.add(role)
        if len(roles) > 1:
            fail(_("Укажите одну роль: «наставник» или «наставляемый». Вторую роль можно добавить в карточке "
                   "участника после загрузки."), "role")
            roles = set()
    row.roles = frozenset(roles)

    names = _split_topics(raw["topics"])
    matched: list[Topic] = []
    missing: list[str] = []
    hidden: list[str] = []
    for name in names:
        topic = topics.get(normalise_name(name))
        if topic is None:
            missing.append(name)
            unknown_topics.setdefault(normalise_name(name), name)
        elif not topic.is_active:
            hidden.append(topic.name)
        elif topic not in matched:
            matched.append(topic)
    if missing:
        fail(_("Нет в справочнике компетенций и запросов: %(names)s. Исправьте написание или добавьте направление в "
               "справочник.") % {"names": ", ".join(f"«{name}»" for name in missing)}, "topics")
    if hidden:
        fail(_("Скрыты из выбора в справочнике: %(names)s. Верните их в справочнике или уберите из файла.")
             % {"names": ", ".join(f"«{name}»" for name in hidden)}, "topics")
    if names and not role_text:
        fail(_("Указаны компетенции или запросы, но не указана роль: напишите «наставник» или «наставляемый»."),
             "role")
    if ROLE_MENTEE in row.roles and not names:
        fail(_("Для наставляемого укажите хотя бы один запрос из справочника."), "topics")
    row.topics = matched


def _check_registry_duplicates(rows: list[ImportRow], organisation) -> None:
    """Rows whose person is already in the organisation.

    The same test as ``ParticipantQuerySet.duplicates_of`` (normalised full name and birth date in the
    organisation), asked for a chunk of rows at once: OR-ing one ``duplicates_of`` per row cost
    seconds of query building for a full file. ``ImportRow.duplicate_key`` normalises the name the
    way ``duplicates_of`` does, and a test holds the two to the same answers.
    """
    keyed = [row for row in rows if row.duplicate_key is not None]
    for start in range(0, len(keyed), DUPLICATE_CHUNK):
        chunk = keyed[start:start + DUPLICATE_CHUNK]
        names = {row.duplicate_key[0] for row in chunk}
        existing: dict[tuple, bool] = {}
        candidates = Participant.objects.filter(organisation_id=organisation.pk, search_name__in=names)
        for search_name, birth_date, is_archived in candidates.values_list("search_name", "birth_date", "is_archived"):
            key = (search_name, birth_date)
            existing[key] = existing.get(key, True) and is_archived
        for row in chunk:
            archived = existing.get(row.duplicate_key)
            if archived is None:
                continue
            if archived:
                row.add_error(_("Этот человек уже есть в реестре организации (совпадают ФИО и дата рождения) — "
                                "в архиве. Верните его из архива вместо повторной загрузки."), *PERSON_COLUMNS)
            else:
                row.add_error(_("Этот человек уже есть в реестре организации (совпадают ФИО и дата рождения)."),
                              *PERSON_COLUMNS)


def read_import(participant_import: ParticipantImport) -> ImportPreview:
    """Parse the stored file of an import against its organisation's registry."""
    try:
        handle = participant_import.file.open("rb")
    except (FileNotFoundError, ValueError):
        return ImportPreview(errors=[_("Загруженный файл не найден на сервере. Загрузите его заново.")])
    with handle:
        return parse_participant_workbook(handle, organisation=participant_import.organisation)


def stored_preview(participant_import: ParticipantImport) -> ImportPreview | None:
    """The preview as it was parsed (None before the file has been checked)."""
    if participant_import.preview is None:
        return None
    return ImportPreview.from_stored(participant_import.preview)


# --- checking, off the request -----------------------------------------------------------------


class ParseTimedOut(Exception):
    """Raised by the caller (the Celery task's soft time limit) to say the check ran out of time."""


PARSE_TIMED_OUT = gettext_lazy("Проверка файла заняла слишком много времени и была остановлена. Проверьте, что в "
                               "файле только участники (без лишних листов, формул и оформления на тысячи строк), "
                               "и загрузите его снова.")
PARSE_FAILED = gettext_lazy("Файл не удалось проверить из-за ошибки на сервере. Загрузите его снова; если ошибка "
                            "повторится, сообщите администратору портала.")


def parse_stored_import(import_id: int, *, timed_out: type[BaseException] = ParseTimedOut):
    """Check a pending import once: PARSING, then CHECKED with the preview stored — or FAILED with the
    reason. Returns the import, or None when it was not pending (a redelivered or repeated task).

    The import is claimed with a conditional update, so two workers never read the same file.
    ``timed_out`` is the exception that means «out of time» (Celery's ``SoftTimeLimitExceeded``).
    """
    now = timezone.now()
    claimed = ParticipantImport.objects.filter(pk=import_id, status=ParticipantImport.Status.PENDING).update(
        status=ParticipantImport.Status.PARSING, parse_started_at=now, parse_error="")
    if claimed != 1:
        logger.info("Participant import %s is not pending any more; not checked again.", import_id)
        return None
    participant_import = ParticipantImport.objects.select_related("organisation").defer("preview").get(pk=import_id)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            preview = read_import(participant_import)
            stored = preview.to_stored()
            fields = {"status": ParticipantImport.Status.CHECKED, "preview": stored, "parsed_at": timezone.now()}
            if not participant_import.sha256:
                try:
                    with participant_import.file.open("rb") as handle:
                        fields["sha256"] = file_sha256(handle)
                except (FileNotFoundError, ValueError):
                    pass
    except timed_out:
        logger.warning("Participant import %s: the check ran out of time.", import_id)
        fields = {"status": ParticipantImport.Status.FAILED, "parse_error": str(PARSE_TIMED_OUT),
                  "parsed_at": timezone.now()}
    except Exception:
        logger.exception("Participant import %s: the check failed.", import_id)
        fields = {"status": ParticipantImport.Status.FAILED, "parse_error": str(PARSE_FAILED),
                  "parsed_at": timezone.now()}
    ParticipantImport.objects.filter(pk=import_id, status=ParticipantImport.Status.PARSING).update(**fields)
    participant_import.refresh_from_db()
    return participant_import


# --- committing --------------------------------------------------------------------------------


class ImportFileAlreadyCommitted(ImportRejected):
    """This very file (by its bytes) is already in the organisation's registry, by another import."""

    def __init__(self, earlier: ParticipantImport):
        super().__init__(already_committed_message(earlier))
        self.earlier = earlier


def already_committed_message(earlier: ParticipantImport) -> str:
    """«Этот файл уже загружен в реестр … 12.03.2026 в 10:15, загрузил(а) …»: the earlier import, named."""
    who = earlier.committed_by or earlier.uploaded_by
    when = timezone.localtime(earlier.committed_at) if earlier.committed_at else None
    return _("Этот файл уже загружен в реестр организации «%(organisation)s»%(when)s%(who)s: «%(name)s», добавлено "
             "участников — %(created)s. Повторно его загружать не нужно; если в файле что-то изменилось, загрузите "
             "исправленный файл.") % {
        "organisation": earlier.organisation.short_name,
        "when": _(" %(date)s в %(time)s") % {"date": f"{when:%d.%m.%Y}", "time": f"{when:%H:%M}"} if when else "",
        "who": _(" (загрузил(а) %(name)s)") % {"name": who.display_name} if who else "",
        "name": earlier.original_name, "created": earlier.rows_created,
    }


def commit_import(participant_import: ParticipantImport, *, by) -> int:
    """Create every participant of the import, or none. Returns how many were created.

    The stored preview is committed, not the file read again: its rows are checked once more against
    the registry as it is now (someone may have typed a person in meanwhile, or hidden a topic). The
    import row is locked (``select_for_update``) and claimed with a conditional update inside the same
    transaction: a second commit, concurrent or later, waits for the first and then finds it committed
    (``ImportAlreadyCommitted``). The same file committed by another import of the organisation is
    refused (``ImportFileAlreadyCommitted``), by a unique constraint when two race.
    """
    sha256 = participant_import.sha256
    try:
        with transaction.atomic():
            locked = (ParticipantImport.objects.select_for_update(of=("self",)).select_related("organisation")
                      .get(pk=participant_import.pk))
            sha256 = locked.sha256
            if locked.status == ParticipantImport.Status.COMMITTED:
                raise ImportAlreadyCommitted(_("Этот файл уже загружен в реестр; повторно ничего не добавлено."))
            if locked.status != ParticipantImport.Status.CHECKED or locked.preview is None:
                raise ImportRejected(_("Файл ещё не проверен: дождитесь окончания проверки."))
            earlier = ParticipantImport.objects.committed_copy(locked.organisation_id, locked.sha256,
                                                               exclude_pk=locked.pk)
            if earlier is not None:
                raise ImportFileAlreadyCommitted(earlier)
            now = timezone.now()
            claimed = ParticipantImport.objects.filter(
                pk=locked.pk, status=ParticipantImport.Status.CHECKED
            ).update(status=ParticipantImport.Status.COMMITTED, committed_at=now, committed_by=by)
            if claimed != 1:
                raise ImportAlreadyCommitted(_("Этот файл уже загружен в реестр; повторно ничего не добавлено."))
            preview = ImportPreview.from_stored(locked.preview, checked=False)
            if preview.errors or not preview.rows:
                raise ImportRejected(_("В файле есть ошибки: ничего не загружено. Исправьте файл и загрузите его "
                                       "снова."), ImportPreview.from_stored(locked.preview))
            _check_rows(preview, locked.organisation)
            if not preview.can_commit:
                raise ImportRejected(_("В файле есть ошибки: ничего не загружено. Исправьте файл и загрузите его "
                                       "снова."), preview)
            created = _create_participants(preview.rows, locked.organisation, by)
            ParticipantImport.objects.filter(pk=locked.pk).update(rows_created=created)
            announce_change(Participant, locked.organisation_id)
    except IntegrityError:
        # Another import of the same file was committed between the check above and the claim.
        earlier = ParticipantImport.objects.committed_copy(participant_import.organisation_id, sha256,
                                                           exclude_pk=participant_import.pk)
        if earlier is None:
            raise
        raise ImportFileAlreadyCommitted(earlier) from None
    except ImportRejected as refusal:
        if refusal.preview is not None and not isinstance(refusal, ImportAlreadyCommitted):
            # What the check found now is what the page shows from now on.
            ParticipantImport.objects.filter(pk=participant_import.pk, status=ParticipantImport.Status.CHECKED
                                             ).update(preview=refusal.preview.to_stored())
        raise
    participant_import.status = ParticipantImport.Status.COMMITTED
    participant_import.committed_at = now
    participant_import.committed_by = by
    participant_import.rows_created = created
    participant_import.preview = locked.preview
    return created


def _create_participants(rows: list[ImportRow], organisation, by) -> int:
    participants = []
    for row in rows:
        participant = row.participant
        participant.organisation = organisation
        participant.created_by = by
        participant.fill_search_name()
        participants.append(participant)
    Participant.objects.bulk_create(participants, batch_size=500)

    mentors = [(MentorProfile(participant=row.participant), row) for row in rows if ROLE_MENTOR in row.roles]
    mentees = [(MenteeProfile(participant=row.participant), row) for row in rows if ROLE_MENTEE in row.roles]
    MentorProfile.objects.bulk_create([profile for profile, _row in mentors], batch_size=500)
    MenteeProfile.objects.bulk_create([profile for profile, _row in mentees], batch_size=500)
    for model, pairs in ((MentorProfile, mentors), (MenteeProfile, mentees)):
        through = model.topics.through
        owner = f"{model._meta.model_name}_id"
        through.objects.bulk_create(
            [through(**{owner: profile.pk, "topic_id": topic.pk}) for profile, row in pairs for topic in row.topics],
            batch_size=1000,
        )
    return len(participants)


def template_file():
    """The import template in a temporary file, ready to stream."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    build_import_template(handle)
    handle.seek(0)
    return handle
