"""The municipality's own register (seed 000): its orders are signed by the head of the education
authority, name the municipal curator and speak of the district. What each says is its kind's
``municipal_points`` (municipal_curator: item 1.1; roadmap: item 1.3, issued by approving the district
roadmap, registry.approvals); this module is what they share. The content dict has the keys of an
organisation's order (mentoring.order_texts.build_content), so the same PDF template prints it: the
authority's name heads it.
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils.translation import gettext as _

from mentoring import order_kinds
from mentoring.order_kinds.curator import day_month
from mentoring.order_texts import BLANK, CONTROL, R145, _number_points, _point, content_head
from mentoring.wording import user_short_name
from registry import grammar
from registry.models import RoleAssignment
from registry.scoping import Role

CMN = "целевой модели наставничества"


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


def build_content(order) -> dict:
    """Everything a municipal order says, as plain JSON (the keys of an organisation's order)."""
    municipality = order.municipality
    text = _Municipal(order)
    kind = order_kinds.get(order.kind)
    points, appendices = kind.municipal_points(text)
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
        "preamble": f"В соответствии с {R145}, {kind.municipal_purpose} {text.district_of}",
        "points": _number_points(points),
        "signature": {"position": municipality.head_position or "Начальник управления образования",
                      "name": municipality.head.signature if municipality.head_name.strip() else ""},
        "acquainted": list(text.acquainted.values()),
        "appendices": appendices,
        "warnings": text.warnings,
    }
    return json.loads(json.dumps(content, cls=DjangoJSONEncoder))


# Kinds only a municipality issues; the others only an organisation (mentoring.order_kinds).
KINDS = order_kinds.MUNICIPAL_KINDS
