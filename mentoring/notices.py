"""Where mentoring hands work over (``registry.notifications``):

- an order prepared waits for the director's signature: the organisation's directors are told, and
  their home page opens with «Ждут подписи» (``awaiting_signature_panel``); signing settles the notice;
- a pair or group without a meeting for 30 days (``selectors.quiet_pairs``): the daily check tells the
  school's curators once per quiet spell, the spell being named by the last meeting (or the start when
  there was none), so a meeting and a new silence make a new notice.

The texts name the order or the pair's number, never a person (see ``registry.notifications``).
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring.models import Order, Pair
from mentoring.selectors import QUIET_DAYS, quiet_pairs
from registry import grammar
from registry.models import Notification
from registry.notifications import Notice, holders, holders_by_organisation, notify, record, settle
from registry.panels import Panel
from registry.scoping import ROLE_PERMISSIONS, Perm, Role

AWAITING_ROWS = 10


# --- orders ----------------------------------------------------------------------------------------


def order_key(order: Order) -> str:
    return f"order-prepared:{order.pk}"


def order_prepared(order: Order, by=None) -> int:
    """Tell the organisation's directors that a draft waits for their signature."""
    if order.organisation_id is None:
        return 0  # a municipal order: its signer, the head of the education authority, does not log in
    text = _("Приказ № %(number)s от %(date)s «%(kind)s» (%(organisation)s) подготовлен и ждёт вашей подписи.") % {
        "number": order.number, "date": order.issued_on.strftime("%d.%m.%Y"), "kind": order.get_kind_display(),
        "organisation": order.organisation.short_name}
    if by is not None:
        name = by.get_short_name()  # «Лебедева Е. В.» already ends with a full stop
        verb = grammar.by_gender(by, _("Подготовил"), _("Подготовила"))
        text += " " + _("%(verb)s: %(name)s") % {"verb": verb, "name": name} + ("" if name.endswith(".") else ".")
    return notify(holders(Role.DIRECTOR, organisation=order.organisation), Notification.Kind.ORDER_PREPARED, text,
                  order.get_absolute_url(), key=order_key(order))


def order_signed(order: Order) -> None:
    settle(order_key(order))


def awaiting_signature(scope):
    """Drafts in the organisations where the user signs orders."""
    return (Order.objects.visible_to(scope).filter(status=Order.Status.DRAFT)
            .filter(organisation__in=scope.editable_organisations(Perm.SIGN_ORDERS))
            .select_related("organisation", "academic_year", "prepared_by").order_by("issued_on", "pk"))


def awaiting_signature_panel(request) -> Panel | None:
    """«Ждут подписи» on the home page of whoever signs orders: two queries, none for anyone else."""
    scope = request.scope
    if scope is None or not (scope.is_superuser or any(
            Perm.SIGN_ORDERS in ROLE_PERMISSIONS.get(g.role, ()) for g in scope.grants)):
        return None
    orders = awaiting_signature(scope)
    rows = list(orders[:AWAITING_ROWS])
    if not rows:
        return None
    total = len(rows) if len(rows) < AWAITING_ROWS else orders.count()
    return Panel("mentoring/_awaiting_signature.html", {
        "orders": rows, "total": total, "more": total > len(rows),
        "show_organisation": not scope.is_single_organisation,
        "order_list_url": reverse("mentoring:order_list") + "?sort=status",
    })


# --- quiet pairs ------------------------------------------------------------------------------------


def quiet_text(pair: Pair) -> str:
    programme = pair.programme
    if pair.last_meeting_on:
        since = _("последняя встреча — %(date)s") % {"date": pair.last_meeting_on.strftime("%d.%m.%Y")}
    else:
        since = _("встреч не было с начала работы %(date)s") % {"date": pair.started_on.strftime("%d.%m.%Y")}
    return _("%(pair)s (%(form)s, %(organisation)s) больше %(days)s дней без встреч: %(since)s. Узнайте, что "
             "мешает, и отметьте встречу.") % {
        "pair": str(pair), "form": programme.form.name, "organisation": programme.organisation.short_name,
        "days": QUIET_DAYS, "since": since}


def notify_quiet_pairs(today: datetime.date | None = None) -> int:
    """The daily check: every open pair quiet for 30 days, to its school's curators. Four queries and the
    notices' own, whatever the number of pairs."""
    today = today or timezone.localdate()
    pairs = list(quiet_pairs(Pair.objects.all(), today=today)
                 .select_related("programme__organisation", "programme__form").order_by("pk"))
    curators = holders_by_organisation(Role.SCHOOL_CURATOR, {p.programme.organisation_id for p in pairs}, today)
    notices = []
    for pair in pairs:
        spell = (pair.last_meeting_on or pair.started_on).isoformat()
        notices += [Notice(user_id=user_id, kind=Notification.Kind.PAIR_QUIET, text=quiet_text(pair),
                           url=pair.get_absolute_url(), key=f"pair-quiet:{pair.pk}:{spell}")
                    for user_id in curators.get(pair.programme.organisation_id, ())]
    return record(notices)
