"""What model signals do not announce.

``organisations_changed`` is sent with ``organisation_ids`` by writes that go around ``Model.save()`` —
``bulk_create``, conditional ``QuerySet.update()``, bulk deletes — so that what other apps derive per
organisation (the monitoring dashboards' summaries) knows to recompute. A write through ``save()`` need
not send it: listeners watch ``post_save`` too. Use ``announce_change``.
"""

import contextlib
import contextvars

from django.dispatch import Signal

organisations_changed = Signal()

_held = contextvars.ContextVar("registry_changes_held", default=False)


@contextlib.contextmanager
def changes_held():
    """A bulk loader's writes (``load_demo``): listeners of changes — ``post_save`` and
    ``organisations_changed`` — ignore them while held, instead of a write each per row; the loader brings
    what they derive up to date once, at its end (the monitoring summaries: ``monitoring.demo``)."""
    token = _held.set(True)
    try:
        yield
    finally:
        _held.reset(token)


def changes_are_held() -> bool:
    return _held.get()


def announce_change(sender, *organisation_ids) -> None:
    """Tell listeners that the data of these organisations changed (``sender``: the model written)."""
    ids = {pk for pk in organisation_ids if pk is not None}
    if ids:
        organisations_changed.send(sender=sender, organisation_ids=ids)


# Processing of a person's data stopped or resumed for a purpose (``registry.processing``). Sent with
# ``participant``, ``purpose``, ``mode`` (``ProcessingStop.Mode``), ``reason`` (Russian, names the
# consent), ``on`` and ``by``. Each receiver stops (or resumes) what its app does with the person and
# returns a list of Russian sentences saying what it did; they are kept on the ``ProcessingStop``.
processing_stopped = Signal()
processing_resumed = Signal()
# Asked before the daily run stops many people at once (``registry.processing.reconcile_lapsed``): sent
# with ``participant_ids`` and ``purpose``, each receiver returns the set of those ids its app has anything
# running with that a ``processing_stopped`` receiver would stop. Those go through ``reconcile`` one by one;
# the rest get their stop recorded in bulk with no effects, so an app that answers ``processing_stopped``
# must answer this too (tests/test_personal_data.py checks that they come in pairs).
processing_involved = Signal()

# A person's data destroyed (``registry.destruction``), sent with ``participant`` (already anonymised in
# the registry) and ``label`` («Участник № 12»). Each receiver erases what its app holds about the person
# (texts, files, links of answers, export files) and returns the Russian names of the categories of data
# it destroyed, for the act.
personal_data_destroyed = Signal()
