"""An organisation's order as the plain-JSON *content* dict the PDF and the HTML preview print, and the
helpers the kinds' texts share; what each kind says is its module in mentoring.order_kinds.

``build_content`` writes the organisation's names, the preamble, the numbered points, the signature,
the «С приказом ознакомлены» list and the appendices with tables of people (see mentoring.orders for
how the dict is frozen when the director signs). A name inside a sentence is put into the case the
sentence needs by registry.grammar — «Организовать в Муниципальном бюджетном … учреждении …»,
«Назначить … заместителя директора по УВР Лебедеву Е. В.», «Куратору программы наставничества
Лебедевой Е. В. организовать …» — so the frozen text reads right on paper; tables list people in the
nominative, as registers do.

Contents by kind follow the seeds (each kind's module cites its seed).
"""

from __future__ import annotations

import json
import re

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from mentoring import order_kinds
from mentoring.models import Membership, MentorLink, Order, Pair
from mentoring.wording import participant_line, position_or_class, programme_phrase, short_date, user_short_name
from registry import grammar
from registry.models import Participant, RoleAssignment
from registry.scoping import Role
from registry.typography import tie

# 2: place, «С приказом ознакомлены», names declined, signature «И. О. Фамилия». 3: the organisation
# order's appendices 1 (Положение, "regulations") and 2 (roadmap, "roadmap") printed. The PDF template
# still prints versions 1 and 2 (signed before), which have none of the new keys.
CONTENT_VERSION = 3


R145 = (
    "распоряжением Министерства просвещения Российской Федерации от 25.12.2019 № Р-145 «Об утверждении "
    "методологии (целевой модели) наставничества обучающихся для организаций, осуществляющих образовательную "
    "деятельность по общеобразовательным, дополнительным общеобразовательным и программам среднего "
    "профессионального образования, в том числе с применением лучших практик обмена опытом между обучающимися»"
)

# Kinds whose order lists pairs and groups (each kind's module says so: ``LISTS_PAIRS``).
PAIR_KINDS = order_kinds.PAIR_KINDS

CONTROL = "Контроль за исполнением приказа оставляю за собой."
CURATOR = "Куратору программы наставничества"
BLANK = "_" * 40


def _table(columns: list[str], rows: list[list[str]], empty: str, widths: list[str] | None = None) -> dict:
    """A bordered table: ``head`` pairs each column title with its width («25%», or "" to let it flow)."""
    widths = widths or [""] * len(columns)
    return {"head": [[title, width] for title, width in zip(columns, widths, strict=True)], "rows": rows,
            "empty": empty}


def _numbered(rows: list[list[str]]) -> list[list[str]]:
    return [[str(index), *row] for index, row in enumerate(rows, start=1)]


# --- content ------------------------------------------------------------------------------------------


def pairs_for_content(queryset):
    """Pairs with the programme, current and past mentors, mentees and their plan items, in 5 queries."""
    return queryset.select_related("programme__form", "programme__academic_year").prefetch_related(
        Prefetch("mentor_links", queryset=MentorLink.objects.select_related("mentor__participant")),
        Prefetch("memberships", queryset=Membership.objects.select_related("mentee__participant")
                 .prefetch_related("plan_items")),
    )


def _order_pairs(order: Order) -> list[Pair]:
    return list(pairs_for_content(order.pairs.all()).order_by("programme__form__position", "started_on", "pk"))


def _mentor_cell(pair: Pair) -> str:
    link = pair.current_mentor_link
    return participant_line(link.mentor.participant) if link else "—"


def _mentees_cell(pair: Pair) -> str:
    return "\n".join(participant_line(m.mentee.participant) for m in pair.current_memberships) or "—"


def _programme_words(order: Order) -> str:
    if order.programme_id:
        return f" в рамках {programme_phrase(order.programme)}"
    return ""


def _appendix(number: int, title: str, table: dict | None = None, note: str = "") -> dict:
    return {"number": number, "title": title, "table": table, "note": note, "separate": table is None}


def _point(text: str, *, subpoints: list[str] | None = None, table: dict | None = None) -> dict:
    # A sentence ending in initials («… Лебедеву Е. В.») takes no second full stop.
    text = re.sub(r"(?<!\.)\.\.$", ".", text)
    return {"text": text, "subpoints": subpoints or [], "table": table}


def _number_points(points: list[dict]) -> list[dict]:
    # Every kind's points get the organisation order's non-breaking spaces: no line ends in «№» or «п.».
    numbered = []
    for index, point in enumerate(points, start=1):
        numbered.append({
            "number": f"{index}.",
            "text": tie(point["text"]),
            "subpoints": [{"number": f"{index}.{sub}.", "text": tie(text)}
                          for sub, text in enumerate(point["subpoints"], start=1)],
            "table": point["table"],
        })
    return numbered


class _Text:
    """What the builders share: the order, the roles in force on its date, warnings, who signs to have read it."""

    def __init__(self, order: Order):
        self.order = order
        self.organisation = order.organisation
        self.year = str(order.academic_year)
        self.warnings: list[str] = []
        self.acquainted: dict[str, dict] = {}
        self.roles = RoleAssignment.objects.filter(organisation=self.organisation, is_active=True).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=order.issued_on)
        ).select_related("user")
        self.curator = self.roles.filter(role=Role.SCHOOL_CURATOR).order_by("started_on", "pk").first()

    def curator_to(self) -> str:
        """«Куратору программы наставничества Лебедевой Е. В.»: the addressee of a duty, by name when known."""
        if self.curator is None:
            return CURATOR
        self.acquaint_user(self.curator)
        return f"{CURATOR} {user_short_name(self.curator.user, 'datv')}"

    def acquaint_user(self, assignment: RoleAssignment) -> None:
        self._acquaint(user_short_name(assignment.user), grammar.lower_first(assignment.position))

    def acquaint_participant(self, person: Participant) -> None:
        self._acquaint(person.short_name, position_or_class(person))

    def _acquaint(self, name: str, position: str) -> None:
        # The curator who logs in is often a mentor of the registry too: one line per name.
        self.acquainted.setdefault(name, {"name": name, "position": position})


def _acquaint_mentors(text: _Text, pairs: list[Pair]) -> None:
    for pair in pairs:
        link = pair.current_mentor_link
        if link is not None:
            text.acquaint_participant(link.mentor.participant)


def content_head(order: Order, year) -> dict:
    """The keys every order's stored content opens with (an organisation's or a municipality's)."""
    return {
        "version": CONTENT_VERSION,
        "kind": order.kind,
        "title": order.get_kind_display(),
        "number": order.number,
        "issued_on": order.issued_on.isoformat(),
        "date_text": grammar.date_words(order.issued_on),
        "date_short": short_date(order.issued_on),
        "academic_year": year,
    }


def build_content(order: Order) -> dict:
    """Everything the printed order says, from the current registry, as plain JSON."""
    organisation = order.organisation
    text = _Text(order)
    kind = order_kinds.get(order.kind)
    points, appendices = kind.points(text)
    points.append(_point(CONTROL))
    if not organisation.director_name.strip():
        text.warnings.append(_("В карточке организации не указано ФИО руководителя: подпись будет без расшифровки."))
    content = {
        **content_head(order, text.year),
        "organisation": {
            "full_name": organisation.official_name,
            "short_name": organisation.short_name,
            "address": organisation.address,
            "place": organisation.place,
        },
        "programme": programme_phrase(order.programme) if order.programme_id else "",
        # Which pairs the text lists (signing a pairs order starts exactly these).
        "pair_ids": sorted(order.pairs.values_list("pk", flat=True)) if order.kind in PAIR_KINDS else [],
        "preamble": f"В соответствии с {R145}, {kind.purpose}",
        "points": _number_points(points),
        "signature": {
            "position": organisation.director_position or "Директор",
            "name": organisation.director.signature if organisation.director else "",
        },
        # Everyone the order gives a duty to signs that they have read it (seed 002's working group).
        "acquainted": list(text.acquainted.values()),
        "appendices": appendices,
        "warnings": text.warnings,
    }
    # Plain JSON, exactly as it will be stored: lazy translations and the like become strings.
    return json.loads(json.dumps(content, cls=DjangoJSONEncoder))
