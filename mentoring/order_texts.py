"""What each kind of order says: the plain-JSON *content* dict the PDF and the HTML preview print.

``build_content`` writes the organisation's names, the preamble, the numbered points, the signature,
the «С приказом ознакомлены» list and the appendices with tables of people (see mentoring.orders for
how the dict is frozen when the director signs). A name inside a sentence is put into the case the
sentence needs by registry.grammar — «Организовать в Муниципальном бюджетном … учреждении …»,
«Назначить … заместителя директора по УВР Лебедеву Е. В.», «Куратору программы наставничества
Лебедевой Е. В. организовать …» — so the frozen text reads right on paper; tables list people in the
nominative, as registers do.

Contents by kind follow the seeds: «Об организации наставничества» is seed 001's template with the
named curator and the working group of seed 002 (mentoring.organisation_order, with the Положение and the
roadmap as its appendices 1 and 2); the others are the orders the roadmaps ask for
(pairs and groups, individual plans, appointing mentors, rewards).
"""

from __future__ import annotations

import json
import re

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from mentoring.models import Membership, MentorLink, Order, Pair, PlanItem
from mentoring.plan_target import plan_target_percent
from mentoring.wording import (
    participant_line,
    position_or_class,
    programme_phrase,
    short_date,
    term,
    user_short_name,
)
from registry import grammar
from registry.models import Participant, RoleAssignment
from registry.scoping import Role

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

PURPOSES = {
    Order.Kind.ORGANISATION: (
        "в целях создания условий для формирования эффективной системы поддержки, самоопределения и "
        "профессиональной ориентации обучающихся, вновь принятых педагогических работников и молодых специалистов"
    ),
    Order.Kind.PAIRS: (
        "в целях реализации программы наставничества, по итогам анкетирования участников и подбора "
        "наставников и наставляемых"
    ),
    Order.Kind.PLANS: (
        "в целях реализации программы наставничества, по итогам встреч-планирований наставнических пар и групп"
    ),
    Order.Kind.MENTORS: (
        "в целях организации наставнической деятельности и закрепления наставников за наставляемыми"
    ),
    Order.Kind.REWARDS: (
        "в целях поощрения участников наставнической деятельности, добившихся лучших результатов, "
        "и популяризации лучших практик наставничества"
    ),
}

# Kinds whose order lists pairs and groups.
PAIR_KINDS = (Order.Kind.PAIRS, Order.Kind.PLANS, Order.Kind.MENTORS)

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
    numbered = []
    for index, point in enumerate(points, start=1):
        numbered.append({
            "number": f"{index}.",
            "text": point["text"],
            "subpoints": [{"number": f"{index}.{sub}.", "text": text}
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


def _organisation_points(text: _Text):
    # Its own module (seed 001's points, the Положение and the roadmap as appendices), which imports
    # this one's helpers: imported when called, not at the top.
    from mentoring.organisation_order import organisation_points

    return organisation_points(text)


def _acquaint_mentors(text: _Text, pairs: list[Pair]) -> None:
    for pair in pairs:
        link = pair.current_mentor_link
        if link is not None:
            text.acquaint_participant(link.mentor.participant)


def _pairs_points(text: _Text):
    pairs = _order_pairs(text.order)
    year = text.year
    rows = [[_mentor_cell(p), _mentees_cell(p), str(p.programme.form), term(p.started_on, p.planned_end_on)]
            for p in pairs]
    points = [
        _point(f"Утвердить наставнические пары/группы{_programme_words(text.order)} на {year} учебный год "
               "(приложение № 1)."),
        _point("Наставникам совместно с наставляемыми в течение двух недель составить индивидуальные планы "
               "развития наставляемых и организовать работу наставнических пар/групп в соответствии с ними."),
        _point(f"{text.curator_to()} обеспечить организационное и методическое сопровождение "
               "работы наставнических пар/групп и учёт проведённых встреч."),
    ]
    _acquaint_mentors(text, pairs)
    appendices = [_appendix(1, f"Наставнические пары/группы на {year} учебный год", _table(
        ["№ п/п", "Наставник (ФИО, должность или класс)", "Наставляемый(е) (ФИО, класс)",
         "Форма наставничества", "Срок"],
        _numbered(rows), "Пары не выбраны.", ["8%", "28%", "28%", "16%", "20%"],
    ))]
    return points, appendices


def _plans_points(text: _Text):
    pairs = _order_pairs(text.order)
    rows = []
    empty = []
    for pair in pairs:
        mentor = pair.current_mentor_link
        for membership in pair.current_memberships:
            items = [i for i in membership.plan_items.all() if i.status != PlanItem.Status.CANCELLED]
            if not items:
                empty.append(membership.mentee.participant.short_name)
            rows.append([
                participant_line(membership.mentee.participant),
                mentor.mentor.participant.full_name if mentor else "—",
                str(len(items)),
                term(max(filter(None, [membership.joined_on, pair.started_on]), default=None), pair.planned_end_on),
            ])
    if empty:
        text.warnings.append(_("Индивидуальный план пуст: %(names)s.") % {"names": ", ".join(empty)})
    points = [
        _point(f"Утвердить индивидуальные планы развития наставляемых{_programme_words(text.order)} на {text.year} "
               "учебный год согласно перечню (приложение № 1)."),
        _point("Наставникам обеспечить реализацию индивидуальных планов не менее чем на "
               f"{plan_target_percent(text.organisation, text.order.academic_year)}%."),
        _point(f"{text.curator_to()} осуществлять контроль выполнения индивидуальных планов и "
               "отражать его результаты в мониторинге 1 раз в полугодие."),
    ]
    _acquaint_mentors(text, pairs)
    appendices = [_appendix(1, f"Перечень индивидуальных планов развития наставляемых на {text.year} учебный год",
                            _table(["№ п/п", "Наставляемый (ФИО, класс)", "Наставник", "Пунктов в плане",
                                    "Срок реализации"],
                                   _numbered(rows), "Планы не выбраны.", ["8%", "30%", "27%", "12%", "23%"]))]
    return points, appendices


def _mentors_points(text: _Text):
    pairs = _order_pairs(text.order)
    rows = []
    for pair in pairs:
        link = pair.current_mentor_link
        rows.append([_mentor_cell(pair), _mentees_cell(pair), str(pair.programme.form),
                     short_date(link.started_on if link else pair.started_on)])
    points = [
        _point(f"Назначить наставников{_programme_words(text.order)} на {text.year} учебный год с закреплением за "
               "ними наставляемых согласно перечню (приложение № 1)."),
        _point("Наставникам разрабатывать совместно с наставляемыми индивидуальные планы, оказывать "
               "наставляемым всестороннюю помощь и поддержку, предоставлять результаты наставнической работы по "
               "запросу куратора программы наставничества."),
        _point(f"{text.curator_to()} организовать обучение наставников и учёт их работы."),
    ]
    _acquaint_mentors(text, pairs)
    appendices = [_appendix(1, f"Перечень наставников и закреплённых за ними наставляемых на {text.year} учебный год",
                            _table(["№ п/п", "Наставник (ФИО, должность или класс)",
                                    "Наставляемый(е) (ФИО, класс)", "Форма наставничества", "С какой даты"],
                                   _numbered(rows), "Наставники не выбраны.", ["8%", "30%", "29%", "18%", "15%"]))]
    return points, appendices


def _rewards_points(text: _Text):
    order = text.order
    people = list(order.rewarded.order_by("last_name", "first_name", "patronymic", "pk"))
    reward = order.reward_text.strip() or str(Order._meta.get_field("reward_text").default)
    rows = [[person.full_name, position_or_class(person), reward] for person in people]
    points = [
        _point("За активное участие в реализации программы наставничества в "
               f"{text.year} учебном году поощрить участников наставнической деятельности:",
               table=_table(["№ п/п", "ФИО", "Должность / класс", "Мера поощрения"], _numbered(rows),
                            "Участники не выбраны.", ["8%", "37%", "25%", "30%"])),
        _point(f"{text.curator_to()} разместить информацию о поощрении участников и лучших "
               f"практиках наставничества на официальном сайте {order.organisation.name_in('gent', 'short')} и направить "
               "описания лучших практик в региональный наставнический центр."),
    ]
    return points, []


BUILDERS = {
    Order.Kind.ORGANISATION: _organisation_points,
    Order.Kind.PAIRS: _pairs_points,
    Order.Kind.PLANS: _plans_points,
    Order.Kind.MENTORS: _mentors_points,
    Order.Kind.REWARDS: _rewards_points,
}


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
    points, appendices = BUILDERS[order.kind](text)
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
        "preamble": f"В соответствии с {R145}, {PURPOSES[order.kind]}",
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
