"""«Об утверждении дорожной карты»: issued when a roadmap is approved, never prepared by hand.

Seeds 001 (point 2.2: «Утвердить „Дорожную карту“ внедрения целевой модели наставничества … (приложение
№ 2)»), 002 (points 6–8: the roadmap approved, people to support its items) and 000 (item 1.3: «Разработка
и утверждение плана мероприятий („дорожной карты“) … Приказ»); seed 004 prints «УТВЕРЖДЕНО Приказом
№ 30-9 о/д от 02.09.2024» on the roadmap. The roadmap is the order's appendix, printed on its own (the
roadmap's PDF, with the stamp taken from this order). How the order gets into the register without
mentoring and roadmaps importing each other: registry.approvals; the implementation is ``Issuer`` here.
A municipality's district roadmap is approved the same way, into the municipality's register
(``municipal_points``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mentoring.order_texts import _appendix, _point
from registry.approvals import IssuedOrder

VALUE = "roadmap"
LABEL = _("Об утверждении дорожной карты")
POSITION = 70
# Issued only by approving a roadmap (roadmaps.services.approve), since it must name a roadmap.
PREPARED_BY_HAND = False

PURPOSE = "в целях организации работы по внедрению целевой модели наставничества"
MUNICIPAL_PURPOSE = "в целях организации внедрения целевой модели наставничества в образовательных организациях"

CMN = "целевой модели наставничества"


def points(text):
    organisation, year = text.organisation, text.year
    in_short = organisation.name_in("loct", "short")
    period = (text.order.details or {}).get("period") or f"{year} учебный год"  # «2027 год» for a calendar plan
    title = (text.order.details or {}).get("title") or (
        f"«Дорожная карта» внедрения целевой модели наставничества в {in_short}")
    result = [
        _point(f"Утвердить «дорожную карту» внедрения целевой модели наставничества в {in_short} на {period} "
               "(приложение № 1)."),
        _point("Ответственным исполнителям, указанным в «дорожной карте», обеспечить выполнение её "
               "мероприятий в установленные сроки и отмечать их выполнение в системе «Наставник»."),
        _point(f"{text.curator_to()} обеспечить организационное и методическое сопровождение исполнения "
               "мероприятий «дорожной карты» и 1 раз в полугодие докладывать о ходе её выполнения."),
    ]
    appendices = [_appendix(1, f"{title} на {period}",
                            note="Печатается отдельным документом с грифом «УТВЕРЖДЕНО» и реквизитами этого приказа.")]
    return result, appendices


def municipal_points(text):
    """The district roadmap's order in the municipality's register (seed 000, item 1.3)."""
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


class Issuer:
    """registry.approvals.ApprovalOrders for the register of mentoring: prepared and signed at once."""

    def suggest_number(self, owner, academic_year) -> str:
        from mentoring.orders import suggest_number

        return suggest_number(owner, academic_year)

    def issue(self, *, owner, academic_year, title, number, issued_on, period="", prepared_by=None,
              signed_by=None) -> IssuedOrder:
        from mentoring.models import Order
        from mentoring.orders import prepare_order, sign_order

        with transaction.atomic():
            order = prepare_order(organisation=owner, academic_year=academic_year, kind=Order.Kind.ROADMAP,
                                  number=number, issued_on=issued_on, details={"title": title, "period": period},
                                  by=prepared_by)
            order = sign_order(order, by=signed_by)
        signature = order.content["signature"]
        signer = " ".join(part for part in (signature["position"], signature["name"]) if part)
        return IssuedOrder(pk=order.pk, number=order.number, issued_on=order.issued_on, signer=signer)
