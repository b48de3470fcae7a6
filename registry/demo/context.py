"""What the steps of ``load_demo`` share: the defaults, the registry of steps (``demo_step``), the
``DemoContext``, and the helpers of bulk insertion."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import os
import random
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.test.utils import override_settings
from django.utils.module_loading import autodiscover_modules

from registry.bulk_copy import insert_objects
from registry.models import (
    AcademicYear,
    Municipality,
    Organisation,
    Partner,
    Region,
    User,
)

if TYPE_CHECKING:
    from registry.demo.organisations import OrganisationSpec


DEFAULT_PASSWORD = "demo12345"
DEFAULT_ORGANISATIONS = 5
DEFAULT_PARTICIPANTS = 120
DEFAULT_SEED = 2026

BATCH_SIZE = 1000
#: Organisations whose people are generated and inserted together.
ORGANISATION_CHUNK = 20


def default_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


Step = Callable[["DemoContext"], None]
_STEPS: dict[str, tuple[int, Step]] = {}


def demo_step(order: int):
    """Register a step of ``load_demo``; steps run by ``order``, then by name.

    Registry steps use 10–70. An app adds its own in ``<app>/demo.py``::

        from registry.demo import demo_step

        @demo_step(order=100)
        def build_pairs(ctx):
            for organisation in ctx.organisations:
                if organisation.pk in ctx.populated_organisation_ids: ...
    """

    def register(func: Step) -> Step:
        _STEPS[f"{func.__module__}.{func.__qualname__}"] = (order, func)
        return func

    return register


def registered_steps() -> list[Step]:
    autodiscover_modules("demo")
    return [func for _key, (_order, func) in sorted(_STEPS.items(), key=lambda item: (item[1][0], item[0]))]


@dataclasses.dataclass
class DemoContext:
    """What the steps share: the options, what earlier steps built, and what was created."""

    organisation_count: int
    participants_per_organisation: int
    seed: int
    password: str
    stdout: Any
    today: datetime.date
    region: Region | None = None
    municipality: Municipality | None = None
    specs: list[OrganisationSpec] = dataclasses.field(default_factory=list)
    organisations: list[Organisation] = dataclasses.field(default_factory=list)
    years: list[AcademicYear] = dataclasses.field(default_factory=list)  # oldest first
    current_year: AcademicYear | None = None
    users: dict[str, User] = dataclasses.field(default_factory=dict)
    logins: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (username, description)
    curators: dict[int, User] = dataclasses.field(default_factory=dict)  # organisation id → school curator
    partners: dict[int, list[Partner]] = dataclasses.field(default_factory=dict)
    populated_organisation_ids: set[int] = dataclasses.field(default_factory=set)
    skipped_organisation_ids: set[int] = dataclasses.field(default_factory=set)
    created: Counter = dataclasses.field(default_factory=Counter)

    def rng(self, *key) -> random.Random:
        """A generator of its own for ``key``: the data do not depend on what else is loaded."""
        return random.Random("/".join(str(part) for part in (self.seed, *key)))

    def spec_for(self, organisation: Organisation) -> OrganisationSpec:
        return dict(zip((o.pk for o in self.organisations), self.specs))[organisation.pk]

    def index_of(self, organisation: Organisation) -> int:
        return next(i for i, o in enumerate(self.organisations) if o.pk == organisation.pk)

    def say(self, line: str = "") -> None:
        if self.stdout is not None:
            self.stdout.write(line + "\n")


@contextlib.contextmanager
def no_query_log():
    """Switch off the query log of ``DEBUG`` while loading.

    With ``DEBUG`` on (the embedded default) Django logs every query with its parameters quoted by
    an extra query per batch, which costs about a fifth of a big load and is of no use here.
    """
    if not settings.DEBUG:
        yield
        return
    with override_settings(DEBUG=False):
        yield


def bulk_create(model, objects: list) -> list:
    """``bulk_create`` in batches (on PostgreSQL ``registry.bulk_copy``: the same rows and keys, several times
    faster); the objects come back with their primary keys."""
    if not objects:
        return []
    created = insert_objects(model, objects, batch_size=BATCH_SIZE)
    if created and created[0].pk is None:  # a backend that does not return ids
        raise RuntimeError("load_demo needs a database backend that returns ids from bulk inserts.")
    return created


def refresh_statistics(*models) -> None:
    """``ANALYZE`` the tables of ``models`` on PostgreSQL.

    The loader writes everything in one transaction, where autovacuum cannot gather statistics: the
    planner keeps taking the tables for empty and scans them whole inside nested loops, so each query
    costs more the more was loaded. ``ANALYZE`` in the transaction samples its own rows too."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def is_doubling(count: int) -> bool:
    """1, 2, 4, 8 …: when a table has doubled since it was last analysed, as it is filled step by step."""
    return count > 0 and count & (count - 1) == 0
