"""The kinds of order, one module per kind: adding a kind is adding a module here, nothing else.

A kind's module declares, at its top level:

- ``VALUE``: the stored value (``Order.kind``, at most 20 characters), ``LABEL``: its title on paper and
  screen (a lazy Russian msgid), ``POSITION``: its place in menus and in the register's sort by kind
  (the order of the programme's year: the organisation first, the final event last);
- ``PURPOSE`` and ``points(text) -> (points, appendices)``: the preamble's «в целях …» and the numbered
  points of an organisation's order (``text`` is mentoring.order_texts._Text);
- ``MUNICIPAL_PURPOSE`` and ``municipal_points(text)`` instead of (or besides) them for an order of a
  municipality's register (``text`` is municipal._Municipal). A kind with only these is the
  municipality's alone;
- optionally ``PREPARED_BY_HAND = False`` (issued by something else, as the roadmap's by its approval),
  ``LISTS_PAIRS = True`` (the form asks for pairs and groups, the order fixes them), and the extra form
  fields: ``form_fields()``, ``details_from(cleaned)`` and ``initial_from(details)`` (``Order.details``).

The package finds its modules with pkgutil, the first time a kind is asked for (not at import: the
modules import the models, and the models take their choices from here); modules without ``VALUE``
(municipal: the municipality's register; names starting with «_») are helpers. ``Order.kind``'s choices
are the callable ``choices`` below, so a new kind needs no migration, and ``Order.Kind`` is a
TextChoices built from the modules (``Order.Kind.CURATOR``, ``Order.Kind.choices`` as before).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType
from typing import Callable

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class OrderKind:
    value: str
    label: str
    position: int
    module: ModuleType
    purpose: str = ""
    points: Callable | None = None
    municipal_purpose: str = ""
    municipal_points: Callable | None = None
    prepared_by_hand: bool = True
    lists_pairs: bool = False

    @property
    def municipal_only(self) -> bool:
        """Kept only in a municipality's register (an organisation never issues it)."""
        return self.points is None

    def form_fields(self) -> dict:
        return self.module.form_fields() if hasattr(self.module, "form_fields") else {}

    def details_from(self, cleaned: dict) -> dict | None:
        return self.module.details_from(cleaned) if hasattr(self.module, "details_from") else None

    def initial_from(self, details: dict) -> dict:
        return self.module.initial_from(details or {}) if hasattr(self.module, "initial_from") else {}


def _kind_of(module: ModuleType) -> OrderKind:
    found = OrderKind(
        value=module.VALUE, label=module.LABEL, position=module.POSITION, module=module,
        purpose=getattr(module, "PURPOSE", ""), points=getattr(module, "points", None),
        municipal_purpose=getattr(module, "MUNICIPAL_PURPOSE", ""),
        municipal_points=getattr(module, "municipal_points", None),
        prepared_by_hand=getattr(module, "PREPARED_BY_HAND", True), lists_pairs=getattr(module, "LISTS_PAIRS", False),
    )
    if found.points is None and found.municipal_points is None:
        raise ImproperlyConfigured(f"{module.__name__}: an order kind needs points() or municipal_points()")
    return found


@functools.cache
def kinds() -> tuple[OrderKind, ...]:
    """Every kind, in the declared order (``POSITION``)."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "VALUE"):
            found.append(_kind_of(module))
    found.sort(key=lambda kind: kind.position)
    for attribute in ("value", "position"):
        seen = [getattr(kind, attribute) for kind in found]
        twice = {item for item in seen if seen.count(item) > 1}
        if twice:
            raise ImproperlyConfigured(f"Two order kinds share a {attribute}: {sorted(twice)}")
    return tuple(found)


def get(value: str) -> OrderKind:
    """The kind of this value; KeyError for an unknown one."""
    return _by_value()[value]


@functools.cache
def _by_value() -> dict[str, OrderKind]:
    return {kind.value: kind for kind in kinds()}


def discover() -> None:
    """Find the kinds at start-up (mentoring.apps), so a module that is wrong fails then, not on a page."""
    kinds()
    Kinds.build()


def choices() -> list[tuple[str, str]]:
    """``Order.kind``'s choices: a callable, so the migrations name it instead of copying the list."""
    return [(kind.value, kind.label) for kind in kinds()]


class _Where:
    """The values of the kinds that have a property, looked up when used (``kind in PAIR_KINDS``)."""

    def __init__(self, test: Callable[[OrderKind], bool]):
        self._test = test

    def _values(self) -> tuple[str, ...]:
        return tuple(kind.value for kind in kinds() if self._test(kind))

    def __contains__(self, value) -> bool:
        return value in self._values()

    def __iter__(self):
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())

    def __repr__(self) -> str:
        return repr(self._values())


# Kinds whose order lists pairs and groups (the form offers them, the order fixes them).
PAIR_KINDS = _Where(lambda kind: kind.lists_pairs)
# Kinds a curator does not prepare from the register's «Подготовить приказ» menu: the roadmap's order is
# issued only by approving a roadmap (roadmaps.services.approve), since it must name a roadmap.
NOT_PREPARED_BY_HAND = _Where(lambda kind: not kind.prepared_by_hand)
# Kinds only a municipality issues; the others only an organisation.
MUNICIPAL_KINDS = _Where(lambda kind: kind.municipal_only)


def preparable(kinds) -> list:
    """The (value, label) choices of the «Подготовить приказ» menu."""
    return [(value, label) for value, label in kinds if value not in NOT_PREPARED_BY_HAND]


def form_fields(kind: str) -> dict:
    """Fields the order form adds for ``kind`` (the final event's date, name and place)."""
    return get(kind).form_fields()


def details_from(kind: str, cleaned: dict) -> dict | None:
    """``Order.details`` from the form's data; None for a kind that keeps none (left as it is)."""
    return get(kind).details_from(cleaned)


def initial_from(kind: str, details: dict) -> dict:
    return get(kind).initial_from(details)


class Kinds:
    """``Order.Kind``: the TextChoices of the kinds (``Order.Kind.PAIRS == "pairs"``, ``.choices``,
    ``.values``, ``Order.Kind("pairs").label``), built from the modules when first used.

    Built lazily since the models module is imported before the kinds' modules can be (they import it).
    Only the names of TextChoices are looked up, so Django's model metaclass, which asks a class
    attribute for ``contribute_to_class``, does not build it during the models' import.
    """

    _enum = None
    API = frozenset({"choices", "values", "labels", "names"})

    @classmethod
    def build(cls):
        if cls._enum is None:
            from django.db import models

            cls._enum = models.TextChoices("Kind", [(kind.value.upper(), (kind.value, kind.label))
                                                    for kind in kinds()])
        return cls._enum

    def __getattr__(self, name: str):
        if name in self.API or (name.isupper() and not name.startswith("_")):
            return getattr(self.build(), name)
        raise AttributeError(name)

    def __call__(self, value):
        return self.build()(value)

    def __iter__(self):
        return iter(self.build())

    def __contains__(self, value) -> bool:
        return value in self.build()

    def __len__(self) -> int:
        return len(self.build())
