"""The order kinds added after the first five, one module per kind, so each text reads on its own.

Each module gives its builder (``points(text) -> (points, appendices)``, the shape of the builders of
mentoring.order_texts) and the purpose its preamble states; ``register`` adds them to order_texts'
tables when the app is ready (mentoring.apps), so order_texts needs no edit to know them.
"""

from __future__ import annotations


def register() -> None:
    from mentoring import order_texts
    from mentoring.models import Order
    from mentoring.order_kinds import curator, final_event, roadmap

    for kind, module in ((Order.Kind.CURATOR, curator), (Order.Kind.ROADMAP, roadmap),
                         (Order.Kind.FINAL_EVENT, final_event)):
        order_texts.BUILDERS[kind] = module.points
        order_texts.PURPOSES[kind] = module.PURPOSE


# Kinds a curator prepares from the register's «Подготовить приказ» menu; the roadmap's order is issued
# only by approving a roadmap (roadmaps.services.approve), since it must name a roadmap.
NOT_PREPARED_BY_HAND = ("roadmap",)


def preparable(kinds) -> list:
    """The (value, label) choices of the «Подготовить приказ» menu."""
    return [(value, label) for value, label in kinds if value not in NOT_PREPARED_BY_HAND]


def _with_fields(kind: str):
    from mentoring.order_kinds import final_event

    return {"final_event": final_event}.get(kind)


def form_fields(kind: str) -> dict:
    """Fields the order form adds for ``kind`` (the final event's date, name and place)."""
    module = _with_fields(kind)
    return module.form_fields() if module else {}


def details_from(kind: str, cleaned: dict) -> dict | None:
    """``Order.details`` from the form's data; None for a kind that keeps none (left as it is)."""
    module = _with_fields(kind)
    return module.details_from(cleaned) if module else None


def initial_from(kind: str, details: dict) -> dict:
    module = _with_fields(kind)
    return module.initial_from(details or {}) if module else {}
