"""Refreshing an organisation's summary right after the commit of the write that made it stale.

Without this the next district dashboard computes the summary itself (``monitoring.summaries.stored``:
``build``'s ten queries, ~35 ms), which puts the first view after a write at ~6.6× the trivial page.
So ``summaries.invalidate`` asks, for the organisations it names, for a refresh after the commit:

- it is an optimisation, never the source of truth: the refresh goes through ``summaries.stored``, which
  records the generation it read before computing, so a write that lands meanwhile leaves the row stale;
  a refresh that fails, is lost or has not run yet leaves the row stale and the view computes it;
- it is idempotent and cheap when the summary is already fresh (three queries: the year, the active
  organisations among the ids, the rows' heads), so a redelivered Celery message (acks_late) costs nothing;
- an organisation is sent once per transaction, after its commit (``after_commit``);
- writes while ``registry.signals.changes_held`` (``load_demo``) never get here: ``invalidate`` is not
  called for them;
- a change to a shared setting (every organisation stale) is not refreshed here: that is the cold
  dashboard's full computation (about a second), for a worker's nightly ``refresh_summaries``, not a write.

Where it runs: with a broker (production), a Celery task, in a worker — the write's request only
publishes a message. Without one (tasks eager, development and tests), after the response: inside a
request the ids wait for ``request_finished`` (the WSGI server sends it once the body is out), so the
write's response is not slowed by the ~40 ms of ``build``; outside a request (a management command, a
shell) it runs at once after the commit.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction

log = logging.getLogger(__name__)

_state = threading.local()


def _get(name, default):
    if not hasattr(_state, name):
        setattr(_state, name, default())
    return getattr(_state, name)


@contextlib.contextmanager
def suppressed():
    """No refresh for the writes inside (the benchmark's «refresh not done yet» case, tests)."""
    previous = getattr(_state, "suppressed", False)
    _state.suppressed = True
    try:
        yield
    finally:
        _state.suppressed = previous


def after_commit(organisation_ids) -> None:
    """Refresh these organisations' summaries once the current transaction commits (at once outside one).

    De-duplicated per transaction: an id already scheduled in it registers no second callback. The
    transaction is told by its list of commit callbacks (``connection.run_on_commit``), which Django
    replaces after a commit, a rollback and a savepoint's rollback: after those every id may be scheduled
    again (a refresh too many is cheap; one too few would leave the work to the view)."""
    if getattr(_state, "suppressed", False):
        return
    ids = set(organisation_ids)
    if connection.in_atomic_block:
        if getattr(_state, "transaction", None) is not connection.run_on_commit:
            _state.transaction = connection.run_on_commit
            _state.scheduled = set()
        ids -= _state.scheduled
        _state.scheduled |= ids
    if ids:
        transaction.on_commit(functools.partial(_flush, sorted(ids)))


def _flush(ids) -> None:
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        from monitoring.tasks import refresh_organisation_summaries

        try:
            # One attempt, no retries: it is only an optimisation, and a write must not wait out a broker
            # that is down (Celery's default publish retries would add their intervals to every write).
            refresh_organisation_summaries.apply_async(args=[ids], retry=False)
        except Exception:  # the broker down: the write stands, the view computes the summaries itself
            log.warning("Не удалось поставить в очередь пересчёт сводок организаций %s", ids, exc_info=True)
        return
    if getattr(_state, "in_request", False):
        _get("after_response", set).update(ids)
    else:
        run(ids)


def run(organisation_ids) -> int:
    """Refresh now; a failure is logged, never raised (the write it follows has already committed)."""
    from monitoring import summaries

    try:
        return summaries.refresh_organisations(organisation_ids)
    except Exception:
        log.exception("Пересчёт сводок организаций %s не удался", list(organisation_ids))
        return 0


def _request_started(**kwargs):
    _state.in_request = True
    _state.after_response = set()


def _request_finished(**kwargs):
    _state.in_request = False
    ids = _get("after_response", set)
    _state.after_response = set()
    if ids:
        run(sorted(ids))
        if not connection.in_atomic_block:  # (the test client's requests run inside the test's transaction)
            close_old_connections()  # Django's own receiver ran before this one: as it would have left it


def connect() -> None:
    request_started.connect(_request_started, dispatch_uid="summary_refresh.started")
    request_finished.connect(_request_finished, dispatch_uid="summary_refresh.finished")
