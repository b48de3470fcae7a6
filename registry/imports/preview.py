"""What a check of a participant file found: its rows with their problems, the file's problems, and
the form in which the import row keeps it (``ParticipantImport.preview``, JSON)."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from registry.imports.columns import COLUMNS, RAW_COLUMNS, cell_text, plural_ru
from registry.models import Consent, Participant, Topic
from registry.models.people import normalise_name

#: The shape of a stored preview (``ImportPreview.to_stored``). 2: rows say what they do to the registry.
STORED_VERSION = 2

#: What a row does to the organisation's registry.
NEW = "new"
CHANGED = "changed"
UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Change:
    """One thing a row changes for a person already in the registry: «Телефон: +7 900 … → +7 910 …».
    ``field`` says what the commit does (``registry.imports.matching.apply_changes``)."""

    field: str
    label: str
    old: str
    new: str

    def to_stored(self) -> list:
        return [self.field, self.label, self.old, self.new]


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
    #: How many mentees the mentor may take (the file's, if it says).
    capacity: int | None = None
    #: The consent to record (unsaved, ``participant`` not yet the registry's), when the row has one.
    consent: Consent | None = None
    #: NEW, CHANGED or UNCHANGED once checked against the registry; empty before, or with errors.
    status: str = ""
    #: The person in the registry the row updates (CHANGED and UNCHANGED).
    match_id: int | None = None
    changes: list[Change] = field(default_factory=list)

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
    def status_label(self) -> str:
        return {NEW: _("новый"), CHANGED: _("изменится"), UNCHANGED: _("без изменений")}.get(self.status, "")

    def plan(self) -> tuple:
        """What the commit will do with the row: compared between the preview and the commit."""
        return self.number, self.status, self.match_id, tuple(tuple(change.to_stored()) for change in self.changes)

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
            "raw": {key: _stored_value(self.raw.get(key)) for key in RAW_COLUMNS},
            "status": self.status, "match": self.match_id,
            "changes": [change.to_stored() for change in self.changes],
        }

    @classmethod
    def from_stored(cls, data: dict, *, checked: bool = True) -> ImportRow:
        """A stored row, with its problems and plan (``checked``) or ready to be checked again."""
        raw = data.get("raw") or {}
        # A column added to the template after the preview was stored reads as empty.
        cells = {column.key: "" for column in COLUMNS} | dict(data["cells"])
        row = cls(number=data["number"], cells=cells,
                  raw={key: _loaded_value(raw.get(key)) for key in RAW_COLUMNS})
        if checked:
            row.errors = list(data.get("errors") or [])
            row.bad_columns = set(data.get("bad") or [])
            row.status = data.get("status") or ""
            row.match_id = data.get("match")
            row.changes = [Change(*change) for change in data.get("changes") or []]
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
    return cell_text(value)


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

    def rows_with(self, status: str) -> list[ImportRow]:
        return [row for row in self.rows if row.status == status]

    @property
    def new_rows(self) -> list[ImportRow]:
        return self.rows_with(NEW)

    @property
    def changed_rows(self) -> list[ImportRow]:
        return self.rows_with(CHANGED)

    @property
    def unchanged_rows(self) -> list[ImportRow]:
        return self.rows_with(UNCHANGED)

    @property
    def nothing_to_do(self) -> bool:
        """Everyone in the file is in the registry already, as the file says."""
        return bool(self.rows) and all(row.status == UNCHANGED for row in self.rows)

    @property
    def can_commit(self) -> bool:
        return not self.has_errors and bool(self.rows) and not self.nothing_to_do

    def plan(self) -> list[tuple]:
        return [row.plan() for row in self.rows]

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
                        "new": len(self.new_rows), "changed": len(self.changed_rows),
                        "unchanged": len(self.unchanged_rows), "can_commit": self.can_commit},
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



class ImportRejected(Exception):
    """The import cannot be committed; ``preview`` shows why when the file was read."""

    def __init__(self, message: str, preview: ImportPreview | None = None):
        super().__init__(message)
        self.message = message
        self.preview = preview


class ImportAlreadyCommitted(ImportRejected):
    pass

