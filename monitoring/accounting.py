"""Quarterly personalised accounting (персонифицированный учёт обучающихся, молодых специалистов и
педагогов, участвующих в программах наставничества): seed 000 item 4.1, «ежеквартально», МК and ШК;
seed 002 gives the same duty to a member of the working group and names the result «реестр учёта».

One row per participation in a quarter: a person as the mentor of a pair or as a mentee of a pair or
group, whose time in it overlaps the calendar quarter. A teacher who mentors one pair and is mentored in
another has two rows; a mentee who moved from one group to another too. A participation counts when

- its pair worked (``figures.WORKED``: forming, active, suspended, completed, ended early — a proposal
  or a rejected proposal covers nobody) and had begun by the end of the quarter and not ended before it;
- the person's own link (``MentorLink``, ``Membership``) began by the end of the quarter and did not end
  before it (a replaced mentor counts in the quarter of the replacement, and so does the new one).

Meetings of a row: the pair's meetings held inside the quarter while the person was in the pair; of
them, those the person is recorded as attending. The totals count people once however many rows they
have, pairs once, and the pairs' meetings in the quarter once.

The rows are a ``union()`` of the mentor links and the memberships, sorted and sliced by the database,
so the page and the export run a fixed number of queries however big the district is; the union has
no primary key, its rows are told apart by ``role`` and ``row_id`` (``TIEBREAK``).
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field

from django.db.models import CharField, Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentoring.models import Meeting, Membership, MentorLink, Pair
from monitoring.figures import WORKED
from registry import grammar
from registry.models import Participant
from registry.models.people import normalise_name

MENTOR = "mentor"
MENTEE = "mentee"
ROLE_LABELS = {MENTOR: gettext_lazy("наставник"), MENTEE: gettext_lazy("наставляемый")}
ROMAN = ("I", "II", "III", "IV")
TIEBREAK = ("role", "row_id")
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100

NAME = ("last_name", "first_name", "patronymic")
SORTS = {
    "name": NAME,
    "organisation": ("organisation_name", *NAME),
    "category": ("category", *NAME),
    "role": ("role", *NAME),
    "pair": ("pair_ref",),
    "form": ("form_position", "form_name", *NAME),
    "status": ("pair_status", *NAME),
    "since": ("since", *NAME),
    "meetings": ("meetings", *NAME),
}
# The export's order: by organisation, then person; the TIEBREAK keeps a person's two rows in one order.
EXPORT_ORDER = ("organisation_name", *NAME, *TIEBREAK)


# --- the quarter ---------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter (the roadmaps' «ежеквартально» ends on 30 September, 31 December, 31 March and
    30 June); named in the query string as ``2026-4``."""

    year: int
    number: int

    @classmethod
    def containing(cls, day: datetime.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def from_param(cls, value, *, default: Quarter | None = None) -> Quarter | None:
        """``2026-4`` as a quarter; anything else (malformed, out of range) is ``default``."""
        text = str(value or "").strip()
        year, dash, number = text.partition("-")
        if dash and year.isascii() and year.isdigit() and len(year) == 4 and number in ("1", "2", "3", "4"):
            if EARLIEST_YEAR <= int(year) <= LATEST_YEAR:
                return cls(int(year), int(number))
        return default

    @property
    def starts_on(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def ends_on(self) -> datetime.date:
        month = 3 * self.number
        return datetime.date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def param(self) -> str:
        return f"{self.year}-{self.number}"

    @property
    def label(self) -> str:
        return _("%(number)s квартал %(year)s г.") % {"number": ROMAN[self.number - 1], "year": self.year}

    def __str__(self) -> str:
        return self.label

    def shifted(self, quarters: int) -> Quarter:
        index = self.year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)


def recent_quarters(today: datetime.date | None = None, count: int = 8) -> list[Quarter]:
    """The current quarter and the ones before it, newest first: the choices of the quarter picker."""
    current = Quarter.containing(today or timezone.localdate())
    return [current.shifted(-index) for index in range(count)]


# --- the filters ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the page is narrowed to; every value already checked (``monitoring.accounting_forms``)."""

    q: str = ""
    organisation: int | None = None
    role: str = ""
    form: int | None = None
    category: str = ""
    status: str = ""

    def as_params(self) -> dict:
        """The non-empty filters, JSON-ready: an export job's parameters."""
        return {name: value for name, value in self.__dict__.items() if value not in ("", None)}

    @classmethod
    def from_params(cls, params: dict) -> Filters:
        known = {name: params[name] for name in cls.__dataclass_fields__ if name in params}
        return cls(**known)


# --- the rows ------------------------------------------------------------------------------------------


def _overlaps(start: str, end: str, quarter: Quarter) -> Q:
    return Q(**{f"{start}__lte": quarter.ends_on}) & (Q(**{f"{end}__isnull": True})
                                                     | Q(**{f"{end}__gte": quarter.starts_on}))


def _common(scope, quarter: Quarter, filters: Filters, person: str) -> Q:
    """The conditions both halves of the union share; ``person`` is the path to the participant."""
    condition = (scope.q("pair__programme__organisation") & Q(pair__status__in=WORKED)
                 & Q(pair__started_on__isnull=False) & _overlaps("pair__started_on", "pair__ended_on", quarter))
    if filters.organisation is not None:
        condition &= Q(pair__programme__organisation_id=filters.organisation)
    if filters.form is not None:
        condition &= Q(pair__programme__form_id=filters.form)
    if filters.category:
        condition &= Q(**{f"{person}__category": filters.category})
    if filters.status:
        condition &= Q(pair__status=filters.status)
    for word in normalise_name(filters.q).split():
        # search_name is lower-cased in Python: SQLite's LIKE folds the case of ASCII only.
        condition &= Q(**{f"{person}__search_name__contains": word})
    return condition


def participations(scope, quarter: Quarter, filters: Filters = Filters()):
    """The mentor links and the memberships of the quarter, filtered (two querysets, not yet evaluated)."""
    links = MentorLink.objects.filter(_common(scope, quarter, filters, "mentor__participant"),
                                      _overlaps("started_on", "ended_on", quarter))
    memberships = Membership.objects.filter(_common(scope, quarter, filters, "mentee__participant"),
                                            _overlaps("joined_on", "left_on", quarter))
    if filters.role == MENTEE:
        links = links.none()
    if filters.role == MENTOR:
        memberships = memberships.none()
    return links.order_by(), memberships.order_by()


def _count(queryset, *, distinct: str = "pk"):
    """A correlated count for an annotation: 0, not NULL, when nothing matches."""
    counted = queryset.order_by().values("pair").annotate(n=Count(distinct, distinct=True)).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _meetings(quarter: Quarter, since: str, until: str, person: str | None = None):
    """The pair's meetings held in the quarter while the person was in it (attended by them, with
    ``person``)."""
    meetings = Meeting.objects.filter(pair=OuterRef("pair_id"), held_on__range=(quarter.starts_on, quarter.ends_on),
                                      held_on__gte=OuterRef(since),
                                      held_on__lte=Coalesce(OuterRef(until), Value(quarter.ends_on)))
    if person is not None:
        meetings = meetings.filter(attendees=OuterRef(person))
    return _count(meetings)


# The mentor's name parts in one column of the union; ``Row.mentor_name`` shortens them by the one
# initials rule (``registry.grammar``) rather than a second copy of it written in SQL.
NAME_PARTS_SEPARATOR = "\t"


def _mentor_parts(quarter: Quarter):
    """The mentee's mentor in the quarter, surname, name and patronymic in one string (the later one if
    the mentor was replaced)."""
    participant = "mentor__participant__"
    links = (MentorLink.objects.filter(pair=OuterRef("pair_id")).filter(_overlaps("started_on", "ended_on", quarter))
             .order_by("-started_on", "-pk")
             .annotate(name=Concat(F(f"{participant}last_name"), Value(NAME_PARTS_SEPARATOR),
                                   F(f"{participant}first_name"), Value(NAME_PARTS_SEPARATOR),
                                   F(f"{participant}patronymic"), output_field=CharField()))
             .values("name")[:1])
    return Coalesce(Subquery(links, output_field=CharField()), Value(""), output_field=CharField())


def _columns(role: str, quarter: Quarter) -> dict:
    """The union's columns for one half, in one order for both halves (a union matches columns by place)."""
    person, since, until = (("mentor__participant", "started_on", "ended_on") if role == MENTOR
                            else ("mentee__participant", "joined_on", "left_on"))
    others = Membership.objects.filter(pair=OuterRef("pair_id")).filter(_overlaps("joined_on", "left_on", quarter))
    return {
        "role": Value(role, output_field=CharField()),
        "row_id": F("pk"),
        "person_id": F(person),
        "last_name": F(f"{person}__last_name"),
        "first_name": F(f"{person}__first_name"),
        "patronymic": F(f"{person}__patronymic"),
        "category": F(f"{person}__category"),
        "class_name": F(f"{person}__class_name"),
        "job": F(f"{person}__position"),
        "organisation_ref": F("pair__programme__organisation_id"),
        "organisation_name": F("pair__programme__organisation__short_name"),
        "pair_ref": F("pair_id"),
        "pair_status": F("pair__status"),
        "form_name": F("pair__programme__form__name"),
        "form_position": F("pair__programme__form__position"),
        "since": F(since),
        "until": F(until),
        "pair_ended": F("pair__ended_on"),
        "mentor_parts": _mentor_parts(quarter) if role == MENTEE else Value("", output_field=CharField()),
        "mentees": _count(others) if role == MENTOR else Value(0, output_field=IntegerField()),
        "meetings": _meetings(quarter, since, until),
        "attended": _meetings(quarter, since, until, person),
    }


def rows(scope, quarter: Quarter, filters: Filters = Filters()):
    """The quarter's rows as one queryset of dicts (a ``union``), unordered: ``registry.listing`` or the
    export orders it (by ``SORTS`` / ``EXPORT_ORDER``, always ending with ``TIEBREAK``)."""
    links, memberships = participations(scope, quarter, filters)
    halves = []
    for role, queryset in ((MENTOR, links), (MENTEE, memberships)):
        columns = _columns(role, quarter)
        halves.append(queryset.annotate(**columns).values(*columns))
    return halves[0].union(halves[1], all=True)


@dataclass
class Row:
    """One row of the page or the file, from the union's dict."""

    data: dict
    category_labels: dict = field(default_factory=lambda: dict(Participant.Category.choices))
    status_labels: dict = field(default_factory=lambda: dict(Pair.Status.choices))

    def __getattr__(self, name):
        try:
            return self.__dict__["data"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.patronymic) if part)

    @property
    def mentor_name(self) -> str:
        """«Петрова А. И.», like ``Participant.short_name``."""
        if not self.mentor_parts:
            return ""
        return grammar.Person(*self.mentor_parts.split(NAME_PARTS_SEPARATOR, 2)).short

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS[self.role])

    @property
    def category_label(self) -> str:
        return str(self.category_labels.get(self.category, self.category))

    @property
    def status_label(self) -> str:
        return str(self.status_labels.get(self.pair_status, self.pair_status))

    @property
    def class_or_job(self) -> str:
        return self.class_name or self.job or ""

    @property
    def ended_on(self) -> datetime.date | None:
        """When the person's part ended: their own end, else the pair's."""
        return self.until or self.pair_ended

    @property
    def counterpart(self) -> str:
        if self.role == MENTEE:
            return _("наставник: %(name)s") % {"name": self.mentor_name} if self.mentor_name else ""
        return _("наставляемых: %(n)s") % {"n": self.mentees}


def wrap(dicts) -> list[Row]:
    categories, statuses = dict(Participant.Category.choices), dict(Pair.Status.choices)
    return [Row(data, categories, statuses) for data in dicts]


# --- the totals ----------------------------------------------------------------------------------------

STUDENTS = (Participant.Category.STUDENT,)
TEACHERS = (Participant.Category.TEACHER, Participant.Category.YOUNG_SPECIALIST)


@dataclass(frozen=True)
class Totals:
    people: int
    mentors: int
    mentees: int
    students: int
    teachers: int
    young_specialists: int
    others: int
    pairs: int
    meetings: int


def totals(scope, quarter: Quarter, filters: Filters = Filters()) -> Totals:
    """People (each once), mentors and mentees, people by category, pairs and the pairs' meetings of the
    quarter, for the filtered rows: five queries whatever their number."""
    links, memberships = participations(scope, quarter, filters)
    mentor_people = links.values("mentor__participant_id")
    mentee_people = memberships.values("mentee__participant_id")
    by_category = dict(
        Participant.objects.filter(Q(pk__in=mentor_people) | Q(pk__in=mentee_people)).order_by()
        .values("category").annotate(n=Count("pk")).values_list("category", "n"))
    pairs = Pair.objects.filter(Q(pk__in=links.values("pair_id")) | Q(pk__in=memberships.values("pair_id")))
    return Totals(
        people=sum(by_category.values()),
        mentors=mentor_people.distinct().count(),
        mentees=mentee_people.distinct().count(),
        students=sum(by_category.get(c, 0) for c in STUDENTS),
        teachers=sum(by_category.get(c, 0) for c in TEACHERS),
        young_specialists=by_category.get(Participant.Category.YOUNG_SPECIALIST, 0),
        others=sum(n for c, n in by_category.items() if c not in STUDENTS + TEACHERS),
        pairs=pairs.count(),
        meetings=Meeting.objects.filter(pair__in=pairs.values("pk"),
                                        held_on__range=(quarter.starts_on, quarter.ends_on)).count(),
    )
