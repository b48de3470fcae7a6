"""The participant spreadsheet's format: its columns, the words its cells may hold, how a cell's value
is read as text or a date. Shared by the template (``template``), the reader and the checks."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from registry.models import Consent, Participant
from registry.models.people import normalise_name

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
    #: May be missing from the file's header: the columns added to the template later (files made
    #: from an older template still read).
    optional: bool = False

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
    Column("capacity", "Сколько наставляемых может взять", aliases=("число наставляемых", "нагрузка наставника"),
           width=16, optional=True,
           help="Для наставника: число от 1 до 30. Пусто — 1 у нового наставника; у того, кто уже в базе, "
                "не меняется."),
    Column("consent_date", "Дата согласия на обработку ПДн",
           aliases=("дата согласия", "согласие от", "дата подписания согласия"), width=16, optional=True,
           help="Когда подписано согласие на обработку персональных данных (дд.мм.гггг). Пусто — согласие не "
                "вносится. Согласие вносится так же, как в карточке участника."),
    Column("consent_purpose", "Цель согласия", aliases=("цель обработки",), width=30, optional=True,
           help="Одно из значений выпадающего списка; пусто — «Участие в программе наставничества»."),
    Column("representative_name", "ФИО законного представителя", aliases=("фио представителя", "представитель"),
           width=28, optional=True,
           help="Для несовершеннолетних: кто подписал согласие. До 14 лет подписывает представитель, с 14 до 18 — "
                "представитель вместе с ребёнком; совершеннолетний подписывает сам (тогда оставьте пустым)."),
    Column("representative_relation", "Кем приходится ребёнку", aliases=("кем приходится", "степень родства"),
           width=18, optional=True, help="Мать, отец, опекун, попечитель или иной законный представитель."),
    Column("representative_document", "Документ представителя",
           aliases=("документ, подтверждающий полномочия", "документ законного представителя"), width=30,
           optional=True,
           help="Документ, подтверждающий полномочия представителя: «свидетельство о рождении III-МЮ № 123456»."),
)
COLUMN_TITLES = {column.key: column.title for column in COLUMNS}
#: The columns that identify a person (what a duplicate is about).
PERSON_COLUMNS = ("last_name", "first_name", "patronymic", "birth_date")
#: The consent's columns: any of them filled means a consent is to be recorded.
CONSENT_COLUMNS = ("consent_date", "consent_purpose", "representative_name", "representative_relation",
                   "representative_document")
REPRESENTATIVE_COLUMNS = ("representative_name", "representative_relation", "representative_document")
#: The columns whose cell is kept as read (a date cell, line breaks), beyond its text.
RAW_COLUMNS = ("birth_date", "consent_date", "topics")

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
    "capacity": "",
    "consent_date": datetime.date(2025, 9, 1),
    "consent_purpose": "Участие в программе наставничества",
    "representative_name": "Иванова Анна Сергеевна",
    "representative_relation": "Мать",
    "representative_document": "свидетельство о рождении II-МЮ № 123456",
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


def key_of(text: str) -> str:
    """How headers and list values are compared: case, ё, spaces, quotes and brackets do not matter."""
    text = normalise_name(str(text))
    text = re.sub(r"\(.*?\)", " ", text)
    text = re.sub(r"[«»\"'*:]", " ", text)
    text = re.sub(r"\s*/\s*", "/", text)
    return " ".join(text.split()).strip(" .")


HEADER_KEYS: dict[str, str] = {}
for _column in COLUMNS:
    for _alias in (_column.title, *_column.aliases):
        HEADER_KEYS[key_of(_alias)] = _column.key

PURPOSE_KEYS: dict[str, str] = {
    **{key_of(label): value for value, label in Consent.Purpose.choices},
    **{key_of(value): value for value in Consent.Purpose.values},
    key_of("наставничество"): Consent.Purpose.MENTORING,
}
RELATION_KEYS: dict[str, str] = {
    **{key_of(label): value for value, label in Consent.Relation.choices},
    **{key_of(value): value for value in Consent.Relation.values},
    key_of("мама"): Consent.Relation.MOTHER,
    key_of("папа"): Consent.Relation.FATHER,
    key_of("опекунша"): Consent.Relation.GUARDIAN,
}

CATEGORY_KEYS: dict[str, str] = {
    **{key_of(label): value for value, label in Participant.Category.choices},
    **{key_of(value): value for value in Participant.Category.values},
    **{key_of(word): value for word, value in CATEGORY_SYNONYMS.items()},
}


def category_labels() -> list[str]:
    return [str(label) for _value, label in Participant.Category.choices]


def purpose_labels() -> list[str]:
    return [str(label) for _value, label in Consent.Purpose.choices]


def relation_labels() -> list[str]:
    return [str(label) for _value, label in Consent.Relation.choices]


def plural_ru(number: int, one: str, few: str, many: str) -> str:
    if number % 10 == 1 and number % 100 != 11:
        return one
    if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
        return few
    return many


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def parse_date(value, label: str | None = None) -> tuple[datetime.date | None, str | None]:
    """A date from an Excel date or the text «дд.мм.гггг»: (date, None) or (None, error). ``label`` names
    the column in the error (a birth date unless told)."""
    label = label or _("Дата рождения")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, datetime.datetime):
        return value.date(), None
    if isinstance(value, datetime.date):
        return value, None
    shown = cell_text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 1900 <= value <= 2100:
            return None, _("%(label)s: указан только год «%(value)s» — нужна полная дата дд.мм.гггг.") % {
                "label": label, "value": shown}
        try:
            result = from_excel(value)
        except (ValueError, OverflowError, TypeError):
            result = None
        if isinstance(result, datetime.datetime) and result.year >= 1900:
            return result.date(), None
        return None, _("%(label)s «%(value)s» не распознана: укажите дату в виде дд.мм.гггг.") % {
            "label": label, "value": shown}
    text = shown.strip()
    match = DATE_TEXT.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) != 4:
            return None, _("%(label)s «%(value)s»: год укажите четырьмя цифрами (дд.мм.гггг).") % {
                "label": label, "value": text}
    elif match := ISO_DATE_TEXT.match(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None, _("%(label)s «%(value)s» не распознана: укажите дату в виде дд.мм.гггг.") % {
            "label": label, "value": text}
    try:
        return datetime.date(year, month, day), None
    except ValueError:
        return None, _("%(label)s «%(value)s»: такой даты не существует.") % {"label": label, "value": text}


def split_topics(value) -> list[str]:
    if value is None:
        return []
    names = re.split(r"[;\n]", str(value))
    return [" ".join(name.split()) for name in names if name.strip()]

