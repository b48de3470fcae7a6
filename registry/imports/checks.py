"""Checking the rows of a participant file: each cell, each row as a ``Participant`` would be checked,
the mentor's capacity and the consent as the consent form checks them, repeats within the file; then
the people already in the organisation's registry (``registry.imports.matching``)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from registry.imports.columns import (
    CATEGORY_KEYS,
    COLUMN_TITLES,
    COLUMNS,
    CONSENT_COLUMNS,
    PERSON_COLUMNS,
    PURPOSE_KEYS,
    RELATION_KEYS,
    REPRESENTATIVE_COLUMNS,
    ROLE_MENTEE,
    ROLE_MENTOR,
    ROLE_WORDS,
    category_labels,
    key_of,
    parse_date,
    purpose_labels,
    relation_labels,
    split_topics,
)
from registry.imports.matching import match_registry
from registry.imports.preview import ImportPreview, ImportRow
from registry.models import Consent, ConsentText, Participant, Topic
from registry.models.people import normalise_name
from registry.names import person_name_error
from registry.selectors import current_consent_text

class ConsentTexts:
    """The current consent wording per purpose and signer, looked up once per file."""

    def __init__(self):
        self.found: dict[tuple[str, str], ConsentText | None] = {}

    def __call__(self, purpose: str, signed_by: str) -> ConsentText | None:
        if (purpose, signed_by) not in self.found:
            self.found[purpose, signed_by] = current_consent_text(purpose=purpose, signed_by=signed_by)
        return self.found[purpose, signed_by]


def check_rows(preview: ImportPreview, organisation) -> None:
    """Every row's problems; with ``organisation``, also against its registry and its own topics — and
    then what each row does to the registry (``registry.imports.matching``)."""
    usable = Topic.objects.usable_in([organisation.pk] if organisation is not None else [])
    topics = {normalise_name(topic.name): topic for topic in usable}
    texts = ConsentTexts()
    unknown_topics: dict[str, str] = {}
    seen: dict[tuple, int] = {}
    for row in preview.rows:
        _check_row(row, topics, unknown_topics)
        _check_capacity(row)
        _check_consent(row, texts)
        key = row.duplicate_key
        if key is not None:
            if key in seen:
                row.add_error(_("Повтор: этот же человек (ФИО и дата рождения) уже есть в строке %(row)s файла.")
                              % {"row": seen[key]}, *PERSON_COLUMNS)
            else:
                seen[key] = row.number
    preview.unknown_topics = sorted(unknown_topics.values(), key=str.lower)
    if organisation is not None:
        match_registry(preview.rows, organisation)


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
        category = CATEGORY_KEYS.get(key_of(cells["category"]), "")
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
    for name in ("last_name", "first_name", "patronymic"):
        error = None if name in row.bad_columns else person_name_error(cells[name])
        if error:
            fail(f"{COLUMN_TITLES[name]}: {error}", name)
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
            role = ROLE_WORDS.get(key_of(word))
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

    names = split_topics(raw["topics"])
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


def _check_capacity(row: ImportRow) -> None:
    text = row.cells["capacity"]
    if not text:
        return
    try:
        capacity = int(text)
    except ValueError:
        capacity = 0
    if not 1 <= capacity <= 30:
        row.add_error(_("«%(column)s»: укажите целое число от 1 до 30, а не «%(value)s».") % {
            "column": COLUMN_TITLES["capacity"], "value": text}, "capacity")
    elif ROLE_MENTOR not in row.roles:
        row.add_error(_("Сколько наставляемых может взять, указывается только для наставника: напишите в столбце "
                        "«Роль» «наставник» или оставьте число пустым."), "capacity", "role")
    else:
        row.capacity = capacity


def _check_consent(row: ImportRow, texts: ConsentTexts) -> None:
    """The consent of the row, checked as the consent form checks it: who signs at the child's age on
    that date, the representative's details, the current wording for the purpose."""
    cells, fail = row.cells, row.add_error
    if not any(cells[key] for key in CONSENT_COLUMNS):
        return
    signed_on, error = parse_date(row.raw["consent_date"], _("Дата согласия"))
    if error:
        fail(error, "consent_date")
        return
    if signed_on is None:
        fail(_("Указаны сведения о согласии, но не указана дата согласия: укажите, когда оно подписано, или "
               "очистите эти ячейки."), "consent_date")
        return
    purpose = Consent.Purpose.MENTORING
    if cells["consent_purpose"]:
        purpose = PURPOSE_KEYS.get(key_of(cells["consent_purpose"]))
        if purpose is None:
            fail(_("Неизвестная цель согласия «%(value)s». Допустимо: %(allowed)s.") % {
                "value": cells["consent_purpose"], "allowed": ", ".join(purpose_labels())}, "consent_purpose")
            return
    relation = ""
    if cells["representative_relation"]:
        relation = RELATION_KEYS.get(key_of(cells["representative_relation"]))
        if relation is None:
            fail(_("Неизвестно, кем представитель приходится ребёнку: «%(value)s». Допустимо: %(allowed)s.") % {
                "value": cells["representative_relation"], "allowed": ", ".join(relation_labels())},
                "representative_relation")
            return
    error = person_name_error(cells["representative_name"])
    if error:
        fail(f"{COLUMN_TITLES['representative_name']}: {error}", "representative_name")
        return
    person = row.participant
    if person is None or row.bad_columns & {"birth_date", "category"}:
        return  # who signs depends on them: their own errors come first
    if person.birth_date and signed_on < person.birth_date:
        fail(_("Дата согласия раньше даты рождения участника."), "consent_date")
        return
    signers = Consent.required_signers(person.birth_date, signed_on, person.category == Participant.Category.STUDENT)
    if len(signers) != 1:
        return  # a student without a birth date: an error of its own
    signed_by = signers.pop()
    if signed_by == Consent.SignedBy.PARTICIPANT and any(cells[key] for key in REPRESENTATIVE_COLUMNS):
        fail(_("На дату согласия участник совершеннолетний и подписывает согласие сам: уберите сведения о "
               "представителе."), *REPRESENTATIVE_COLUMNS)
        return
    text = texts(purpose, signed_by)
    if text is None:
        fail(_("Нет действующего текста согласия «%(purpose)s» для подписи «%(signer)s»: его добавляет "
               "администратор портала.") % {"purpose": Consent.Purpose(purpose).label,
                                              "signer": Consent.SignedBy(signed_by).label}, "consent_purpose")
        return
    consent = Consent(purpose=purpose, signed_by=signed_by, signed_on=signed_on, text=text,
                      representative_name=cells["representative_name"], representative_relation=relation,
                      representative_document=cells["representative_document"])
    # The rules of the consent itself (a date in the future, the representative's details when a
    # representative signs); those about the person were checked above, the person being unsaved.
    problems = {}
    for check in (lambda: consent.clean_fields(exclude=["participant", "text", "scan"]), consent.clean):
        try:
            check()
        except ValidationError as invalid:
            for name, messages in invalid.message_dict.items():
                problems.setdefault(name, messages)
    columns = {"signed_on": "consent_date", "signed_by": "consent_date", "purpose": "consent_purpose",
               "text": "consent_purpose", "partner": "consent_purpose"}
    for name, messages in problems.items():
        column = columns.get(name, name if name in CONSENT_COLUMNS else "consent_date")
        for message in messages:
            fail(f"{COLUMN_TITLES[column]}: {message}", column)
    if not problems:
        row.consent = consent
