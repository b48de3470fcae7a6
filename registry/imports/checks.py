"""Checking the rows of a participant file: each cell, each row as a ``Participant`` would be checked,
repeats within the file, and people already in the organisation's registry."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from registry.imports.columns import (
    CATEGORY_KEYS,
    COLUMN_TITLES,
    COLUMNS,
    DUPLICATE_CHUNK,
    PERSON_COLUMNS,
    ROLE_MENTEE,
    ROLE_WORDS,
    category_labels,
    key_of,
    parse_date,
    split_topics,
)
from registry.imports.preview import ImportPreview, ImportRow
from registry.models import Participant, Topic
from registry.models.people import normalise_name

def check_rows(preview: ImportPreview, organisation) -> None:
    """Every row's problems; with ``organisation``, also against its registry and its own topics."""
    usable = Topic.objects.usable_in([organisation.pk] if organisation is not None else [])
    topics = {normalise_name(topic.name): topic for topic in usable}
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

