"""A roadmap is approved by an order of the register: the hook between two apps that may not import each other.

The order register (``mentoring.models.Order``) lives in mentoring and roadmaps live in roadmaps; neither
imports the other (registry imports neither; monitoring may import both). Approving a roadmap must still
put an order «Об утверждении дорожной карты» into the register and print the roadmap's «УТВЕРЖДЕНО
приказом от … № …» from that order, never from typed text. So registry names the small interface,
mentoring implements it and registers the implementation in its ``AppConfig.ready`` (as it registers
the pair columns of the registry's bases, ``registry.exports.register_pair_info``), and
``roadmaps.services.approve`` calls it inside its transaction: the roadmap is claimed, the order is
prepared, signed (numbered, frozen, PDF stored) and the roadmap keeps the order's number, date, signer
and id. If the order cannot be issued (its number is taken), the roadmap stays a draft.

Why not the other ways: orchestrating approval from monitoring would leave ``roadmaps`` with an approve
that does not approve; a roadmap holding a foreign key to Order (or Order to Roadmap) is an import at the
database level. The roadmap keeps the order's id as a plain integer, enough for a link to the register.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class IssuedOrder:
    """What the roadmap keeps of the order that approved it."""

    pk: int
    number: str
    issued_on: datetime.date
    signer: str  # «Директор Н. В. Соколова»: the line under the stamp «УТВЕРЖДЕНО»


class ApprovalOrders(Protocol):
    def suggest_number(self, owner, academic_year) -> str:
        """The next free number of the owner's register in that year."""

    def issue(self, *, owner, academic_year, title: str, number: str, issued_on: datetime.date,
              period: str = "", prepared_by=None, signed_by=None) -> IssuedOrder:
        """Prepare and sign the order approving the roadmap ``title`` of ``owner`` (an organisation or a
        municipality) for ``period`` («2027 год» for a calendar plan, «2026/2027 учебный год»); raise ``django.core.exceptions.ValidationError`` (messages in Russian) if it
        cannot be issued."""


_issuer: ApprovalOrders | None = None


def register_approval_orders(issuer: ApprovalOrders) -> None:
    global _issuer
    _issuer = issuer


def approval_orders() -> ApprovalOrders:
    if _issuer is None:
        raise ImproperlyConfigured("No app registered the orders that approve roadmaps (mentoring does).")
    return _issuer
