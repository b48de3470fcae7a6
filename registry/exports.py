"""The rows of the mentor base and the mentee base, in the column order of the methodology's forms (the
exporters, with the list page's filters, are ``registry.export_bases``).

The registry knows nothing of pairs. Columns about a pair (the other side, the form, dates,
results, links) are filled by a ``pair_info`` callable, passed in or registered by the app that
knows pairs with ``register_pair_info``:

    def pair_info(participant_ids: list[int]) -> dict[int, list[PairInfo]]: ...

It is called once per chunk of participants (so the number of queries does not grow with the
rows), and each participant gets one row per ``PairInfo``, or one row with empty pair columns.

A region's base is tens of thousands of rows, so no model instance is built for them: a participant is
a dict of the columns its row needs (``mentor_queryset``/``mentee_queryset``, one ``values()`` query per
chunk), to which ``add_mentor_details``/``add_mentee_details`` add what a person has several of (topics,
the legal representative) with one more query each per chunk.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.db.models import F

from registry.models import Consent, Participant, Topic
from registry.models.people import full_name

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class PairInfo:
    """What the bases show of one pair, seen from the participant the row is about."""

    partner_name: str = ""  # the other side: the mentor in the mentee base, the mentee in the mentor base
    partner_place: str = ""  # the other side's place of work or study
    partner_request: str = ""  # the mentee's main request (mentor base only)
    form: str = ""  # форма наставничества
    place: str = ""  # место реализации программы
    started_on: datetime.date | None = None
    ended_on: datetime.date | None = None
    results: str = ""
    case_url: str = ""
    photo_url: str = ""

    @property
    def period(self) -> str:
        if not self.started_on and not self.ended_on:
            return ""
        start = self.started_on.strftime("%d.%m.%Y") if self.started_on else "…"
        end = self.ended_on.strftime("%d.%m.%Y") if self.ended_on else "…"
        return f"{start} – {end}"


PairInfoProvider = Callable[[list[int]], dict[int, list[PairInfo]]]

NO_PAIR = PairInfo()

# The app that knows pairs registers how to fill their columns (mentoring's AppConfig.ready), so the
# registry serves both bases without importing it.
_pair_info_providers: dict[str, PairInfoProvider] = {}


def register_pair_info(base: str, provider: PairInfoProvider) -> None:
    if base not in ("mentors", "mentees"):
        raise ValueError(base)
    _pair_info_providers[base] = provider


@dataclass(frozen=True)
class ExportColumn:
    title: str
    width: int
    value: Callable[[dict, PairInfo], object]  # the participant's dict (see mentor_queryset) and one of its pairs


def _join(*parts) -> str:
    return "; ".join(str(part).strip() for part in parts if part and str(part).strip())


def _full_name(person: dict) -> str:
    return full_name(person["last_name"], person["first_name"], person["patronymic"])


def _contacts(person: dict) -> str:
    return _join(person["phone"], person["email"])


def _mentee_contacts(person: dict) -> str:
    """The mentee's own contacts and, for a minor, the legal representative from the consent."""
    representative = person["representative"]
    return _join(person["phone"], person["email"], representative and f"законный представитель: {representative}")


def _mentor_place(person: dict) -> str:
    if person["partner_id"]:
        return person["partner_name"]
    if person["category"] in Participant.OUTSIDE_CATEGORIES:
        return person["position"]
    return person["organisation_name"]


def _mentor_role(person: dict) -> str:
    if person["category"] == Participant.Category.STUDENT:
        return person["class_name"]
    return person["position"]


def _mentee_age(person: dict) -> str:
    low, high = person["mentee_age_min"], person["mentee_age_max"]
    if low and high:
        return f"{low}–{high}"
    if low:
        return f"от {low}"
    if high:
        return f"до {high}"
    return ""


MENTEE_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("ФИО наставляемого", 32, lambda p, pair: _full_name(p)),
    ExportColumn("Контактные данные (или родителей/законных представителей)", 36, lambda p, pair: _mentee_contacts(p)),
    ExportColumn("Год рождения", 10, lambda p, pair: p["birth_date"].year if p["birth_date"] else None),
    ExportColumn("Основной запрос", 40, lambda p, pair: _join(*p["topics"], p["request"])),
    ExportColumn("Дата вхождения в программу", 14, lambda p, pair: p["joined_on"]),
    ExportColumn("ФИО наставника", 30, lambda p, pair: pair.partner_name),
    ExportColumn("Место работы/учёбы наставника", 28, lambda p, pair: pair.partner_place),
    ExportColumn("Форма наставничества", 20, lambda p, pair: pair.form),
    ExportColumn("Место реализации программы", 24, lambda p, pair: pair.place),
    ExportColumn("Дата завершения", 14, lambda p, pair: pair.ended_on),
    ExportColumn("Результаты программы", 36, lambda p, pair: pair.results),
    ExportColumn("Ссылка на кейс/отзыв", 24, lambda p, pair: pair.case_url),
    ExportColumn("Ссылка на фотоотчёт", 24, lambda p, pair: pair.photo_url),
    # Not in the methodology's school form, after its columns: a district's base holds many schools, and a
    # mentee without a pair has no «место реализации программы» — every row still says whose it is.
    ExportColumn("Организация наставляемого", 30, lambda p, pair: p["organisation_name"]),
)

MENTOR_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("ФИО наставника", 32, lambda p, pair: _full_name(p)),
    ExportColumn("Контактные данные", 28, lambda p, pair: _contacts(p)),
    ExportColumn("Место работы/учёбы", 28, lambda p, pair: _mentor_place(p)),
    ExportColumn("Должность/класс", 22, lambda p, pair: _mentor_role(p)),
    ExportColumn("Ключевые компетенции/достижения", 44, lambda p, pair: _join(*p["topics"], p["competencies"])),
    ExportColumn("Интересы", 28, lambda p, pair: p["interests"]),
    ExportColumn("Желаемый возраст наставляемых", 14, lambda p, pair: _mentee_age(p)),
    ExportColumn("Удобное время встреч", 20, lambda p, pair: p["meeting_times"]),
    ExportColumn("Основной запрос наставляемого", 32, lambda p, pair: pair.partner_request),
    ExportColumn("ФИО наставляемого", 30, lambda p, pair: pair.partner_name),
    ExportColumn("Место учёбы наставляемого", 24, lambda p, pair: pair.partner_place),
    ExportColumn("Форма наставничества", 20, lambda p, pair: pair.form),
    ExportColumn("Место реализации программы", 24, lambda p, pair: pair.place),
    ExportColumn("Сроки", 24, lambda p, pair: pair.period),
    ExportColumn("Результаты", 36, lambda p, pair: pair.results),
    ExportColumn("Ссылки на кейсы/отзывы", 24, lambda p, pair: pair.case_url),
    ExportColumn("Ссылка на фотоотчёт", 24, lambda p, pair: pair.photo_url),
)


# The participant's own columns, common to both bases.
PERSON_FIELDS = ("pk", "last_name", "first_name", "patronymic", "birth_date", "category", "class_name", "position",
                 "phone", "email")


def mentor_queryset(participants):
    """Participants of the mentor base as dicts of what a row needs; ``add_mentor_details`` completes them."""
    return participants.filter(mentor_profile__isnull=False).values(
        *PERSON_FIELDS,
        organisation_name=F("organisation__short_name"),
        partner_id=F("mentor_profile__partner"),
        partner_name=F("mentor_profile__partner__name"),
        competencies=F("mentor_profile__competencies"),
        interests=F("mentor_profile__interests"),
        mentee_age_min=F("mentor_profile__mentee_age_min"),
        mentee_age_max=F("mentor_profile__mentee_age_max"),
        meeting_times=F("mentor_profile__meeting_times"),
    )


def mentee_queryset(participants):
    """Participants of the mentee base as dicts of what a row needs; ``add_mentee_details`` completes them."""
    return participants.filter(mentee_profile__isnull=False).values(
        *PERSON_FIELDS,
        organisation_name=F("organisation__short_name"),
        request=F("mentee_profile__request"),
        joined_on=F("mentee_profile__joined_on"),
    )


def topic_names(profiles: str, participant_ids: list[int]) -> dict[int, list[str]]:
    """The topic names of each participant's mentor profile (``profiles="mentors"``) or mentee profile
    (``"mentees"``), by name as the profile's ``topics.all()`` lists them; one query."""
    names: dict[int, list[str]] = defaultdict(list)
    topics = (Topic.objects.filter(**{f"{profiles}__participant__in": participant_ids})
              .order_by("name").values_list(f"{profiles}__participant", "name"))
    for participant_id, name in topics:
        names[participant_id].append(name)
    return names


def representatives(participant_ids: list[int]) -> dict[int, str]:
    """«Name (relation)» of the legal representative named by each participant's latest unrevoked mentoring
    consent that names one. One query; the relation's labels are translated once per call, not per row."""
    relations = {value: str(label) for value, label in Consent._meta.get_field("representative_relation").flatchoices}
    consents = (
        Consent.objects.filter(participant__in=participant_ids, purpose=Consent.Purpose.MENTORING,
                               revoked_on__isnull=True)
        .signed_by_representative()
        .order_by("-signed_on", "-pk")
        .values_list("participant", "representative_name", "representative_relation")
    )
    result: dict[int, str] = {}
    for participant_id, name, relation in consents:
        if participant_id not in result:
            label = relations.get(relation, relation)
            result[participant_id] = f"{name} ({label.lower()})" if label else name
    return result


def add_mentor_details(people: list[dict]) -> None:
    topics = topic_names("mentors", [person["pk"] for person in people])
    for person in people:
        person["topics"] = topics.get(person["pk"], [])


def add_mentee_details(people: list[dict]) -> None:
    ids = [person["pk"] for person in people]
    topics, named = topic_names("mentees", ids), representatives(ids)
    for person in people:
        person["topics"] = topics.get(person["pk"], [])
        person["representative"] = named.get(person["pk"])


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def build_rows(people, columns: tuple[ExportColumn, ...], *, details: Callable[[list[dict]], None],
               pair_info: PairInfoProvider | None = None, chunk_size: int = CHUNK_SIZE) -> Iterator[list]:
    """Value lists, one per participant and pair (one with empty pair columns when there is none).

    ``people`` is ``mentor_queryset`` or ``mentee_queryset``, read ``chunk_size`` dicts at a time; each chunk
    is completed by ``details`` (``add_mentor_details``, ``add_mentee_details``) and ``pair_info``.
    """
    for chunk in _chunks(people.iterator(chunk_size=chunk_size), chunk_size):
        details(chunk)
        pairs = pair_info([person["pk"] for person in chunk]) if pair_info else {}
        for person in chunk:
            for pair in pairs.get(person["pk"]) or [NO_PAIR]:
                yield [column.value(person, pair) for column in columns]
