"""The municipal orders of seed 000, in the municipality's own register, signed by the head of the education
authority: «О назначении муниципального куратора …» (item 1.1: «Назначение муниципального куратора,
ответственного за внедрение ЦМН (далее – МК) … Начальник управления образования … Приказ») and the
order approving the district roadmap (item 1.3: «Разработка и утверждение плана мероприятий („дорожной
карты“) … Приказ»), issued by approving the district roadmap (registry.approvals).

The municipal curator's duties are the items of seed 000 given to «МК»: municipal training events (2.1),
quarterly personalised accounting (4.1), half-yearly monitoring by the municipality's dates (4.2–4.7),
control of the district's targets with reports to the regional authority (5.1.2); the heads of the
organisations appoint school curators (1.2). The content dict has the keys of an organisation's order
(mentoring.order_texts.build_content), so the same PDF template prints it: the authority's name heads it.
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils.translation import gettext as _

from mentoring.order_kinds.curator import day_month
from mentoring.order_texts import BLANK, CONTROL, R145, _appendix, _number_points, _point, content_head
from mentoring.wording import user_short_name
from registry import grammar
from registry.models import RoleAssignment
from registry.scoping import Role

CMN = "целевой модели наставничества"

PURPOSES = {
    "municipal_curator": f"в целях организации внедрения {CMN} в образовательных организациях",
    "roadmap": f"в целях организации внедрения {CMN} в образовательных организациях",
}


class _Municipal:
    def __init__(self, order):
        self.order = order
        self.municipality = order.municipality
        self.year = str(order.academic_year)
        self.warnings: list[str] = []
        self.acquainted: dict[str, dict] = {}
        self.curator = (RoleAssignment.objects.filter(municipality=self.municipality, role=Role.MUNICIPAL_CURATOR,
                                                      is_active=True)
                        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=order.issued_on))
                        .select_related("user").order_by("started_on", "pk").first())
        # «в Селивановском районе», «Селивановского района».
        self.district_in = grammar.phrase_in(self.municipality.name, "loct")
        self.district_of = grammar.phrase_in(self.municipality.name, "gent")
        if self.curator is not None:
            user = self.curator.user
            name = user_short_name(user)
            self.acquainted[name] = {"name": name, "position": grammar.lower_first(self.curator.position)}

    def curator_to(self) -> str:
        if self.curator is None:
            return f"Муниципальному куратору {BLANK}"
        return f"Муниципальному куратору {user_short_name(self.curator.user, 'datv')}"

    def due_dates(self) -> str:
        (first_month, first_day), (second_month, second_day) = self.municipality.half_year_due_dates
        return f"не позднее {day_month(first_month, first_day)} и {day_month(second_month, second_day)} ежегодно"


def _curator_points(text: _Municipal):
    if text.curator is None:
        text.warnings.append(_("В муниципалитете нет действующего муниципального куратора: назначьте его роль, "
                               "иначе в приказе останется пустая строка."))
        appointed = BLANK
    else:
        # A position that already says «…, муниципальный куратор» would name the appointment twice.
        position = ", ".join(part.strip() for part in text.curator.position.split(",") if "куратор" not in part.lower())
        name = user_short_name(text.curator.user, "accs")
        appointed = f"{grammar.phrase_in(position, 'accs', lower=True)} {name}" if position else name
    points = [
        _point(f"Назначить {appointed} муниципальным куратором, ответственным за внедрение {CMN} (далее – ЦМН) в "
               f"образовательных организациях {text.district_of}."),
        _point(f"{text.curator_to()}:", subpoints=[
            "организовывать муниципальные обучающие мероприятия для участников ЦМН;",
            "ежеквартально осуществлять персонализированный учёт обучающихся, молодых специалистов и педагогов, "
            "участвующих в программах наставничества;",
            f"1 раз в полугодие ({text.due_dates()}) проводить мониторинг реализации ЦМН в образовательных "
            "организациях и на муниципальном уровне, оценку качества реализации программ наставничества и "
            "роста их участников, обобщать их результаты для принятия управленческих решений;",
            f"контролировать достижение целевых показателей внедрения ЦМН в {text.district_in} и соблюдение норм "
            "законодательства, представлять контрольно-аналитические материалы в региональный орган управления "
            "образованием.",
        ]),
        _point(f"Руководителям образовательных организаций {text.district_of} назначить школьных кураторов, "
               "ответственных за внедрение ЦМН."),
    ]
    return points, []


def _roadmap_points(text: _Municipal):
    period = (text.order.details or {}).get("period") or f"{text.year} учебный год"  # «2027 год»: calendar plan
    title = (text.order.details or {}).get("title") or f"План мероприятий («дорожная карта») реализации {CMN}"
    points = [
        _point(f"Утвердить план мероприятий («дорожную карту») реализации {CMN} в {text.district_in} на "
               f"{period} (приложение № 1)."),
        _point(f"{text.curator_to()} обеспечить координацию выполнения мероприятий «дорожной карты» и мониторинг "
               f"её выполнения 1 раз в полугодие ({text.due_dates()})."),
        _point(f"Руководителям образовательных организаций {text.district_of} обеспечить выполнение мероприятий "
               "«дорожной карты» в установленные сроки."),
    ]
    appendices = [_appendix(1, f"{title} на {period}",
                            note="Печатается отдельным документом с грифом «УТВЕРЖДЕНО» и реквизитами этого приказа.")]
    return points, appendices


BUILDERS = {"municipal_curator": _curator_points, "roadmap": _roadmap_points}


def build_content(order) -> dict:
    """Everything a municipal order says, as plain JSON (the keys of an organisation's order)."""
    municipality = order.municipality
    text = _Municipal(order)
    points, appendices = BUILDERS[order.kind](text)
    points.append(_point(CONTROL))
    authority = municipality.education_authority.strip() or f"Управление образования {text.district_of}"
    if not municipality.head_name.strip():
        text.warnings.append(_("Не указано ФИО руководителя органа управления образованием: подпись будет без "
                               "расшифровки."))
    content = {
        **content_head(order, text.year),
        "organisation": {"full_name": authority, "short_name": municipality.name, "address": "", "place": ""},
        "programme": "",
        "pair_ids": [],
        "preamble": f"В соответствии с {R145}, {PURPOSES[order.kind]} {text.district_of}",
        "points": _number_points(points),
        "signature": {"position": municipality.head_position or "Начальник управления образования",
                      "name": municipality.head.signature if municipality.head_name.strip() else ""},
        "acquainted": list(text.acquainted.values()),
        "appendices": appendices,
        "warnings": text.warnings,
    }
    return json.loads(json.dumps(content, cls=DjangoJSONEncoder))


# Kinds only a municipality issues; the others only an organisation.
KINDS = ("municipal_curator",)
