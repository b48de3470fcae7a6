"""Orders (приказы): what each kind of order says, and preparing, numbering and signing them.

The text of an order is a plain-JSON *content* dict built by ``build_content`` from the registry:
the organisation's names, the preamble, numbered points, the signature, and appendices with
tables of people. The PDF template (``mentoring/pdf/order.html``) and the HTML preview
(``mentoring/orders/_content.html``) render that dict and nothing else, so when the director signs,
the dict is frozen in ``Order.content`` and the rendered PDF in ``Order.pdf``; whatever changes in
the registry later, the signed order prints as it was signed. A draft is always built live and
marked «ПРОЕКТ».

Contents by kind follow the seeds: «Об организации наставничества» is seed 001's template with the
named curator and the working group of seed 002; the others are the orders the roadmaps ask for
(pairs and groups, individual plans, appointing mentors, rewards).
"""

from __future__ import annotations

import datetime
import json
import re

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring.models import Membership, MentorLink, Order, Pair, PlanItem, Programme
from mentoring.notices import order_prepared, order_signed
from registry import audit
from registry.models import MenteeProfile, MentorProfile, Participant, RoleAssignment
from registry.pdf import render_pdf
from registry.processing import refusals
from registry.scoping import Role
from registry.signals import announce_change

CONTENT_VERSION = 1

# Seed 002: individual plans are implemented at least to 90%.
PLAN_TARGET_PERCENT = 90

MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                   "октября", "ноября", "декабря")

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


class OrderError(ValidationError):
    """An order that cannot be saved or signed; the messages say why, in Russian."""


# --- small formatting helpers ---------------------------------------------------------------------


def russian_date(day: datetime.date) -> str:
    """«24 августа 2020 г.»: the date line of an order."""
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]} {day.year} г."


def short_date(day: datetime.date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def term(start: datetime.date | None, end: datetime.date | None) -> str:
    if start and end:
        return f"с {short_date(start)} по {short_date(end)}"
    if start:
        return f"с {short_date(start)}"
    if end:
        return f"по {short_date(end)}"
    return ""


def class_label(class_name: str) -> str:
    """«9А» → «9А класс»; a college group («СП-21») stays a group."""
    if not class_name:
        return ""
    return f"{class_name} класс" if class_name[0].isdigit() else f"группа {class_name}"


def lower_first(text: str) -> str:
    """«Учитель математики» → «учитель математики» after a name; «ГБПОУ …» and «МБОУ …» stay as they are."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def position_or_class(person: Participant) -> str:
    """What follows a name in an order: the class of a student, the position of anybody else."""
    if person.category == Participant.Category.STUDENT and person.class_name:
        return class_label(person.class_name)
    return lower_first(person.position) or class_label(person.class_name)


def participant_line(person: Participant) -> str:
    """«Иванова Анна Сергеевна, учитель математики» or «Петров Пётр Иванович, 9А класс»."""
    detail = position_or_class(person)
    return f"{person.full_name}, {detail}" if detail else person.full_name


def initials_name(full_name: str) -> str:
    """«Смирнова Ольга Петровна» → «Смирнова О.П.»; anything shorter stays as typed."""
    parts = full_name.split()
    if len(parts) < 2:
        return full_name.strip()
    return f"{parts[0]} " + "".join(f"{part[0]}." for part in parts[1:3])


def programme_phrase(programme: Programme) -> str:
    """«программы наставничества «Шаг в профессию»» or «программы наставничества по форме «учитель – ученик»»."""
    if programme.title:
        return f"программы наставничества «{programme.title}»"
    return f"программы наставничества по форме «{programme.form}»"


def user_short_name(user) -> str:
    """«Хохлова Е.В.» as orders write people."""
    initials = "".join(f"{part[0]}." for part in (user.first_name, getattr(user, "patronymic", "")) if part)
    name = f"{user.last_name} {initials}".strip()
    return name or user.username


def _table(columns: list[str], rows: list[list[str]], empty: str, widths: list[str] | None = None) -> dict:
    """A bordered table: ``head`` pairs each column title with its width («25%», or "" to let it flow)."""
    widths = widths or [""] * len(columns)
    return {"head": [[title, width] for title, width in zip(columns, widths, strict=True)], "rows": rows,
            "empty": empty}


def _numbered(rows: list[list[str]]) -> list[list[str]]:
    return [[str(index), *row] for index, row in enumerate(rows, start=1)]


# --- numbering ----------------------------------------------------------------------------------------

_LEADING_NUMBER = re.compile(r"^\s*(\d+)")


def suggest_number(organisation, academic_year) -> str:
    """The next free number in the organisation's year: numeric prefix of «30-9 о/д» is 30, so «31»."""
    numbers = Order.objects.filter(organisation=organisation, academic_year=academic_year).values_list(
        "number", flat=True
    )
    prefixes = [int(match[1]) for match in map(_LEADING_NUMBER.match, numbers) if match]
    return str(max(prefixes, default=0) + 1)


def normalise_number(number: str) -> str:
    return " ".join(number.split())


def number_taken(organisation, academic_year, number: str, *, exclude_pk=None) -> bool:
    taken = Order.objects.filter(organisation=organisation, academic_year=academic_year, number=number)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    return taken.exists()


def duplicate_number_message(organisation, academic_year, number: str) -> str:
    return _("Приказ № %(number)s уже есть в %(year)s учебном году. Свободный номер: %(free)s.") % {
        "number": number, "year": academic_year, "free": suggest_number(organisation, academic_year),
    }


# --- choices for preparing ------------------------------------------------------------------------


def open_pairs(organisation, academic_year, *, programme: Programme | None = None, include=()):
    """Open pairs of the organisation's programmes of the year (plus ``include``, already chosen ones)."""
    condition = Q(programme__organisation=organisation, programme__academic_year=academic_year,
                  status__in=Pair.OPEN_STATUSES)
    if programme is not None:
        condition &= Q(programme=programme)
    include = [getattr(pair, "pk", pair) for pair in include]
    if include:
        condition |= Q(pk__in=include)
    return pairs_for_content(Pair.objects.filter(condition)).order_by("programme__form__position", "pk")


def default_pairs(kind: str, pairs) -> list[int]:
    """Pairs ticked in advance: forming pairs for pairs and mentors, pairs with a plan for plans."""
    already = set(
        Order.objects.filter(kind=kind, status=Order.Status.SIGNED, pairs__in=[p.pk for p in pairs])
        .values_list("pairs", flat=True)
    )
    def wanted(pair) -> bool:
        if kind == Order.Kind.PLANS:
            return any(m.plan_items.all() for m in pair.current_memberships)
        return pair.status == Pair.Status.FORMING

    return [pair.pk for pair in pairs if pair.pk not in already and wanted(pair)]


def reward_candidates(organisation):
    """People who may be rewarded: the organisation's current mentors and mentees."""
    return (
        Participant.objects.filter(organisation=organisation, is_archived=False)
        .filter(Q(mentor_profile__isnull=False) | Q(mentee_profile__isnull=False))
        .order_by("last_name", "first_name", "patronymic", "pk")
    )


def pair_label(pair: Pair) -> str:
    """A checkbox label: «№ 5 · Иванова А.С. → Петров П.И., Сидоров С.С. · «учитель – ученик» · формируется»."""
    link = pair.current_mentor_link
    mentor = link.mentor.participant.short_name if link else "—"
    mentees = ", ".join(m.mentee.participant.short_name for m in pair.current_memberships) or "—"
    return f"№ {pair.pk} · {mentor} → {mentees} · «{pair.programme.form}» · {pair.get_status_display().lower()}"


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


def _organisation_points(order: Order, year: str, warnings: list[str]):
    organisation = order.organisation
    short = organisation.short_name
    today = order.issued_on
    roles = RoleAssignment.objects.filter(organisation=organisation, is_active=True).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=today)
    ).select_related("user")
    curator = roles.filter(role=Role.SCHOOL_CURATOR).order_by("started_on", "pk").first()
    group = list(roles.filter(role=Role.WORKING_GROUP).order_by("user__last_name", "user__first_name", "pk"))
    mentors = list(
        MentorProfile.objects.filter(participant__organisation=organisation, participant__is_archived=False)
        .select_related("participant").prefetch_related("topics")
        .order_by("participant__last_name", "participant__first_name", "participant__patronymic", "pk")
    )
    mentees = list(
        MenteeProfile.objects.filter(participant__organisation=organisation, participant__is_archived=False)
        .select_related("participant").prefetch_related("topics")
        .order_by("participant__last_name", "participant__first_name", "participant__patronymic", "pk")
    )
    forms = list(
        Programme.objects.filter(organisation=organisation, academic_year=order.academic_year)
        .select_related("form").order_by("form__position").values_list("form__name", flat=True)
    )

    if curator is None:
        warnings.append(_("В организации нет действующего куратора программы наставничества: пункт 3 останется с пустой строкой."))
        curator_words = "_" * 40
    else:
        curator_words = user_short_name(curator.user)
        if curator.position:
            curator_words = f"{curator_words}, {curator.position}"
    if not group:
        warnings.append(_("Состав рабочей группы пуст: назначьте членов рабочей группы в карточке организации."))
    if not mentors:
        warnings.append(_("В базе наставников никого нет: реестр наставников будет пустым."))
    if not mentees:
        warnings.append(_("В базе наставляемых никого нет: список наставляемых будет пустым."))

    points = [
        _point(f"Организовать в {organisation.full_name or short} внедрение системы (целевой модели) "
               f"наставничества обучающихся на {year} учебный год."),
        _point("Утвердить:", subpoints=[
            f"Положение о наставничестве в {short} (приложение № 1).",
            (f"«Дорожную карту» внедрения целевой модели наставничества в {short} на {year} учебный год "
             "(приложение № 2)."),
            "Реестр наставников (приложение № 3).",
            "Список наставляемых (приложение № 4).",
            "Состав рабочей группы по внедрению целевой модели наставничества (приложение № 5).",
        ]),
        _point("Назначить ответственным исполнителем (куратором) по внедрению и реализации системы "
               f"наставничества: {curator_words}."),
    ]
    if forms:
        points.append(_point(
            f"Реализовать в {year} учебном году программы наставничества по формам: "
            + ", ".join(f"«{name}»" for name in forms) + "."
        ))
    points += [
        _point("Рабочей группе обеспечить организационное, методическое и аналитическое сопровождение "
               "реализации Дорожной карты в соответствии с обязанностями, указанными в приложении № 5."),
        _point("Куратору программы наставничества организовать мониторинг эффективности реализации "
               "программы наставничества 1 раз в полугодие."),
        _point("Куратору программы наставничества ежегодно в срок не позднее 30 декабря вносить информацию о "
               "количестве участников программы наставничества в форму федерального статистического наблюдения "
               "и направлять её в региональный наставнический центр."),
    ]

    mentor_rows = []
    for profile in mentors:
        person = profile.participant
        topics = ", ".join(t.name for t in profile.topics.all())
        competencies = "; ".join(part for part in (topics, profile.competencies.strip()) if part)
        mentor_rows.append([person.full_name, position_or_class(person), competencies, str(profile.capacity)])
    mentee_rows = []
    for profile in mentees:
        person = profile.participant
        request = profile.request.strip() or ", ".join(t.name for t in profile.topics.all())
        mentee_rows.append([person.full_name, person.class_name or person.position, request])
    group_rows = [[user_short_name(a.user), a.position, a.duty] for a in group]

    appendices = [
        _appendix(1, f"Положение о наставничестве в {short}",
                  note="Утверждается отдельным документом."),
        _appendix(2, f"«Дорожная карта» внедрения целевой модели наставничества в {short} на {year} учебный год",
                  note="Утверждается отдельным документом."),
        _appendix(3, f"Реестр наставников {short} на {year} учебный год", _table(
            ["№ п/п", "ФИО наставника", "Должность / класс", "Ключевые компетенции", "Может взять наставляемых"],
            _numbered(mentor_rows), "Наставников в базе нет.", ["8%", "25%", "20%", "35%", "12%"],
        )),
        _appendix(4, f"Список наставляемых {short} на {year} учебный год", _table(
            ["№ п/п", "ФИО наставляемого", "Класс / группа", "Основной запрос"],
            _numbered(mentee_rows), "Наставляемых в базе нет.", ["8%", "30%", "15%", "47%"],
        )),
        _appendix(5, "Состав рабочей группы, осуществляющей организационную, методическую и аналитическую "
                     f"деятельность по внедрению целевой модели наставничества в {short}", _table(
            ["№ п/п", "ФИО", "Должность", "Обязанности"],
            _numbered(group_rows), "Члены рабочей группы не назначены.", ["8%", "22%", "23%", "47%"],
        )),
    ]
    return points, appendices


def _pairs_points(order: Order, year: str, warnings: list[str]):
    pairs = _order_pairs(order)
    rows = [[_mentor_cell(p), _mentees_cell(p), str(p.programme.form), term(p.started_on, p.planned_end_on)]
            for p in pairs]
    points = [
        _point(f"Утвердить наставнические пары/группы{_programme_words(order)} на {year} учебный год "
               "(приложение № 1)."),
        _point("Наставникам совместно с наставляемыми в течение двух недель составить индивидуальные планы "
               "развития наставляемых и организовать работу наставнических пар/групп в соответствии с ними."),
        _point("Куратору программы наставничества обеспечить организационное и методическое сопровождение "
               "работы наставнических пар/групп и учёт проведённых встреч."),
    ]
    appendices = [_appendix(1, f"Наставнические пары/группы на {year} учебный год", _table(
        ["№ п/п", "Наставник (ФИО, должность или класс)", "Наставляемый(е) (ФИО, класс)",
         "Форма наставничества", "Срок"],
        _numbered(rows), "Пары не выбраны.", ["8%", "28%", "28%", "16%", "20%"],
    ))]
    return points, appendices


def _plans_points(order: Order, year: str, warnings: list[str]):
    rows = []
    empty = []
    for pair in _order_pairs(order):
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
        warnings.append(_("Индивидуальный план пуст: %(names)s.") % {"names": ", ".join(empty)})
    points = [
        _point(f"Утвердить индивидуальные планы развития наставляемых{_programme_words(order)} на {year} "
               "учебный год согласно перечню (приложение № 1)."),
        _point(f"Наставникам обеспечить реализацию индивидуальных планов не менее чем на {PLAN_TARGET_PERCENT}%."),
        _point("Куратору программы наставничества осуществлять контроль выполнения индивидуальных планов и "
               "отражать его результаты в мониторинге 1 раз в полугодие."),
    ]
    appendices = [_appendix(1, f"Перечень индивидуальных планов развития наставляемых на {year} учебный год", _table(
        ["№ п/п", "Наставляемый (ФИО, класс)", "Наставник", "Пунктов в плане", "Срок реализации"],
        _numbered(rows), "Планы не выбраны.", ["8%", "30%", "27%", "12%", "23%"],
    ))]
    return points, appendices


def _mentors_points(order: Order, year: str, warnings: list[str]):
    pairs = _order_pairs(order)
    rows = []
    for pair in pairs:
        link = pair.current_mentor_link
        rows.append([_mentor_cell(pair), _mentees_cell(pair), str(pair.programme.form),
                     short_date(link.started_on if link else pair.started_on)])
    points = [
        _point(f"Назначить наставников{_programme_words(order)} на {year} учебный год с закреплением за ними "
               "наставляемых согласно перечню (приложение № 1)."),
        _point("Наставникам разрабатывать совместно с наставляемыми индивидуальные планы, оказывать "
               "наставляемым всестороннюю помощь и поддержку, предоставлять результаты наставнической работы по "
               "запросу куратора программы наставничества."),
        _point("Куратору программы наставничества организовать обучение наставников и учёт их работы."),
    ]
    appendices = [_appendix(1, f"Перечень наставников и закреплённых за ними наставляемых на {year} учебный год",
                            _table(["№ п/п", "Наставник (ФИО, должность или класс)",
                                    "Наставляемый(е) (ФИО, класс)", "Форма наставничества", "С какой даты"],
                                   _numbered(rows), "Наставники не выбраны.", ["8%", "30%", "29%", "18%", "15%"]))]
    return points, appendices


def _rewards_points(order: Order, year: str, warnings: list[str]):
    people = list(order.rewarded.order_by("last_name", "first_name", "patronymic", "pk"))
    reward = order.reward_text.strip() or str(Order._meta.get_field("reward_text").default)
    rows = [[person.full_name, position_or_class(person), reward] for person in people]
    points = [
        _point("За активное участие в реализации программы наставничества в "
               f"{year} учебном году поощрить участников наставнической деятельности:",
               table=_table(["№ п/п", "ФИО", "Должность / класс", "Мера поощрения"], _numbered(rows),
                            "Участники не выбраны.", ["8%", "37%", "25%", "30%"])),
        _point(f"Куратору программы наставничества разместить информацию о поощрении участников и лучших "
               f"практиках наставничества на официальном сайте {order.organisation.short_name} и направить "
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


def build_content(order: Order) -> dict:
    """Everything the printed order says, from the current registry, as plain JSON."""
    organisation = order.organisation
    year = str(order.academic_year)
    warnings: list[str] = []
    points, appendices = BUILDERS[order.kind](order, year, warnings)
    points.append(_point(CONTROL))
    if not organisation.director_name.strip():
        warnings.append(_("В карточке организации не указано ФИО руководителя: подпись будет без расшифровки."))
    content = {
        "version": CONTENT_VERSION,
        "kind": order.kind,
        "title": order.get_kind_display(),
        "number": order.number,
        "issued_on": order.issued_on.isoformat(),
        "date_text": russian_date(order.issued_on),
        "date_short": short_date(order.issued_on),
        "academic_year": year,
        "organisation": {
            "full_name": organisation.full_name or organisation.short_name,
            "short_name": organisation.short_name,
            "address": organisation.address,
        },
        "programme": programme_phrase(order.programme) if order.programme_id else "",
        # Which pairs the text lists (signing a pairs order starts exactly these).
        "pair_ids": sorted(order.pairs.values_list("pk", flat=True)) if order.kind in PAIR_KINDS else [],
        "preamble": f"В соответствии с {R145}, {PURPOSES[order.kind]}",
        "points": _number_points(points),
        "signature": {
            "position": organisation.director_position or "Директор",
            "name": organisation.director_name.strip(),
        },
        "appendices": appendices,
        "warnings": warnings,
    }
    # Plain JSON, exactly as it will be stored: lazy translations and the like become strings.
    return json.loads(json.dumps(content, cls=DjangoJSONEncoder))


# --- PDF ----------------------------------------------------------------------------------------------


def render_order_pdf(content: dict, *, draft: bool, signed_by: str = "", signed_at=None) -> bytes:
    return render_pdf("mentoring/pdf/order.html", {
        "c": content, "draft": draft, "signed_by": signed_by, "signed_at": signed_at,
        "generated_at": timezone.localtime(),
    })


def order_filename(order: Order) -> str:
    number = re.sub(r"\s+", "_", order.number)
    prefix = "Проект_приказа" if not order.is_signed else "Приказ"
    return f"{prefix}_№{number}_от_{order.issued_on:%d.%m.%Y}.pdf"


def order_pdf_bytes(order: Order) -> bytes:
    """A signed order prints the PDF stored when it was signed; a draft is rendered now, marked «ПРОЕКТ»."""
    if order.is_signed:
        if order.pdf:
            try:
                with order.pdf.open("rb") as stored:
                    return stored.read()
            except FileNotFoundError:
                pass
        # The stored file is lost: the frozen content prints the same text again.
        return render_order_pdf(order.content, draft=False, signed_by=_signer_name(order),
                                signed_at=order.signed_at)
    return render_order_pdf(build_content(order), draft=True)


def _signer_name(order: Order) -> str:
    return order.signed_by.display_name if order.signed_by else ""


# --- writing ------------------------------------------------------------------------------------------


def _check_processing(kind: str, pairs, rewarded) -> None:
    """An order names people: nobody whose data may not be processed, no suspended pair."""
    messages = []
    if kind in PAIR_KINDS:
        pair_ids = [getattr(pair, "pk", pair) for pair in pairs]
        chosen = list(Pair.objects.filter(pk__in=pair_ids).prefetch_related(
            Prefetch("mentor_links", queryset=MentorLink.objects.filter(ended_on__isnull=True)
                     .select_related("mentor__participant")),
            Prefetch("memberships", queryset=Membership.objects.filter(left_on__isnull=True)
                     .select_related("mentee__participant"))))
        messages += [_("Пара № %(pk)s приостановлена: %(reason)s.") % {"pk": p.pk, "reason": p.suspension_reason}
                     for p in chosen if p.status == Pair.Status.SUSPENDED]
        people = {link.mentor.participant for p in chosen for link in p.mentor_links.all()}
        people |= {m.mentee.participant for p in chosen for m in p.memberships.all()}
        messages += refusals(sorted(people, key=lambda person: person.pk))
    if kind == Order.Kind.REWARDS:
        messages += refusals(Participant.objects.filter(pk__in=[getattr(p, "pk", p) for p in rewarded]))
    if messages:
        raise OrderError(messages)


def _check_number(organisation, academic_year, number: str, exclude_pk=None) -> None:
    if not number:
        raise OrderError({"number": _("Укажите номер приказа.")})
    if number_taken(organisation, academic_year, number, exclude_pk=exclude_pk):
        raise OrderError({"number": duplicate_number_message(organisation, academic_year, number)})


@transaction.atomic
def prepare_order(*, organisation, academic_year, kind: str, number: str, issued_on: datetime.date,
                  programme: Programme | None = None, pairs=(), rewarded=(), reward_text: str = "",
                  by=None) -> Order:
    """A draft order prepared by the curator."""
    number = normalise_number(number)
    _check_number(organisation, academic_year, number)
    _check_processing(kind, pairs, rewarded)
    order = Order(organisation=organisation, academic_year=academic_year, kind=kind, number=number,
                  issued_on=issued_on, programme=programme, prepared_by=by)
    if kind == Order.Kind.REWARDS:
        order.reward_text = reward_text.strip() or order.reward_text
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:
        # Someone took the number between the check and the save.
        raise OrderError({"number": duplicate_number_message(organisation, academic_year, number)}) from None
    if kind in PAIR_KINDS:
        order.pairs.set(pairs)
    if kind == Order.Kind.REWARDS:
        order.rewarded.set(rewarded)
    order_prepared(order, by=by)
    return order


@transaction.atomic
def update_order(order: Order, *, number: str, issued_on: datetime.date, programme: Programme | None = None,
                 pairs=(), rewarded=(), reward_text: str = "") -> Order:
    """Changes to a draft; a signed order is frozen."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.is_signed:
        raise OrderError(_("Приказ уже подписан: изменить его нельзя."))
    number = normalise_number(number)
    _check_number(order.organisation, order.academic_year, number, exclude_pk=order.pk)
    _check_processing(order.kind, pairs, rewarded)
    order.number = number
    order.issued_on = issued_on
    order.programme = programme
    if order.kind == Order.Kind.REWARDS:
        order.reward_text = reward_text.strip() or str(Order._meta.get_field("reward_text").default)
    try:
        with transaction.atomic():
            order.save(update_fields=["number", "issued_on", "programme", "reward_text"])
    except IntegrityError:
        raise OrderError({"number": duplicate_number_message(order.organisation, order.academic_year,
                                                             number)}) from None
    if order.kind in PAIR_KINDS:
        order.pairs.set(pairs)
    if order.kind == Order.Kind.REWARDS:
        order.rewarded.set(rewarded)
    return order


def sign_order(order: Order, *, by) -> Order:
    """The director signs: the content is frozen, the PDF stored, pairs of a pairs order start work.

    The conditional update lets exactly one of two simultaneous submits sign; the other gets
    «уже подписан». The PDF is rendered before the row is claimed (it takes a moment) and the
    file is removed again if the claim fails.
    """
    if order.is_signed:
        raise OrderError(_("Приказ уже подписан."))
    # A consent revoked since the draft was prepared stops the signature too.
    _check_processing(order.kind, order.pairs.all(), order.rewarded.all())
    content = build_content(order)
    signed_at = timezone.now()
    signer = by.display_name if by is not None else ""
    pdf = render_order_pdf(content, draft=False, signed_by=signer, signed_at=signed_at)
    stored_name = ""
    try:
        with transaction.atomic():
            claimed = Order.objects.filter(pk=order.pk, status=Order.Status.DRAFT).update(
                status=Order.Status.SIGNED, signed_by=by, signed_at=signed_at, content=content,
            )
            if claimed != 1:
                raise OrderError(_("Приказ уже подписан."))
            order.pdf.save(order_filename_ascii(order), ContentFile(pdf), save=False)
            stored_name = order.pdf.name
            Order.objects.filter(pk=order.pk).update(pdf=stored_name)
            if order.kind == Order.Kind.PAIRS:
                # Fixed by the order: the forming pairs now work.
                started = list(Pair.objects.filter(pk__in=content["pair_ids"], status=Pair.Status.FORMING))
                Pair.objects.filter(pk__in=[p.pk for p in started], status=Pair.Status.FORMING).update(
                    status=Pair.Status.ACTIVE
                )
                for pair in started:
                    audit.record_update(pair, {"status": [Pair.Status.FORMING, Pair.Status.ACTIVE]})
                announce_change(Pair, *Programme.objects.filter(pairs__pk__in=content["pair_ids"])
                                .values_list("organisation_id", flat=True).distinct())
    except Exception:
        if stored_name:
            order.pdf.storage.delete(stored_name)
        raise
    order_signed(order)
    order.refresh_from_db()
    return order


def order_filename_ascii(order: Order) -> str:
    """The stored file's name: ASCII, since storages differ in what they accept."""
    number = re.sub(r"[^0-9A-Za-z]+", "-", order.number).strip("-") or "b-n"
    return f"order-{order.pk}-{number}-{order.issued_on:%Y%m%d}.pdf"
