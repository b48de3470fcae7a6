"""Per-organisation summaries behind the district dashboard, kept between requests.

Computing a district's figures from the rows takes about a second at 300 organisations, whatever the
SQL: every number is a grouped scan of tens of thousands of pairs, plans, meetings and consents. Yet
between two views of the dashboard most organisations changed nothing. So each organisation's share
of the dashboard is stored (``OrganisationSummary``) and computed again only when it may be out of
date: after a write to that organisation's data, or on another day (consents lapse and pairs fall
quiet with the date alone). A warm dashboard reads one row per organisation; the stale ones are
computed together in the same fixed number of queries as before.

How a summary knows it is stale — the rules the tests check:

- every write to data the figures read bumps the organisation's ``generation``: ``post_save`` of the
  models in ``WATCHED`` (and ``post_delete`` of those that carry ``organisation_id`` themselves), and
  ``registry.signals.organisations_changed``, which the services send after ``bulk_create``,
  conditional ``update()`` and bulk deletes; changes to shared settings (forms, questions, targets,
  years) bump every organisation;
- the bump happens at once, for a reader in the same transaction, and again after the commit: a reader
  that computed from the data before the commit stores the generation it read, which is by then behind;
- a reader records the generation it read *before* computing, never after, so a write that lands
  during the computation leaves the row stale rather than wrongly fresh;
- each computation that finds other data than the row held draws a new random ``token`` (one that finds
  the same data keeps it). What is derived from a summary and kept in the process (its decoded JSON
  here, the district's rows in ``monitoring.district.dashboard``) is addressed by the token, never by
  the generation: a rollback brings a generation back with other data behind it later, not a token.

After the commit of a write to some organisations their summaries are computed again ahead of the next
reader (``monitoring.summary_refresh``): an optimisation through ``stored``, under the same rules; a reader
that finds a summary stale (the refresh failed, was lost, or has not run yet) still computes it itself.
"""

from __future__ import annotations

import datetime
import json
import secrets
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, F
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from mentoring.models import Meeting, MentoringForm, MentorLink, Membership, Pair, PlanItem, Programme
from monitoring import figures as figures_service
from monitoring import statistics_export
from monitoring.district import counts as district_counts
from monitoring.memo import Memo
from monitoring.pair_people import people_in_pairs
from monitoring.year_rows import year_rows
from monitoring.models import Answer, CoverageTarget, OrganisationSummary, Question, Questionnaire, Response
from registry.models import AcademicYear, Consent, Organisation, OrganisationHeadcount, Participant
from registry.signals import changes_are_held, organisations_changed

# Where each watched model's organisation is: a lookup from the model.
WATCHED = {
    Organisation: "pk",
    Participant: "organisation_id",
    OrganisationHeadcount: "organisation_id",
    Consent: "participant__organisation_id",
    Programme: "organisation_id",
    Pair: "programme__organisation_id",
    MentorLink: "pair__programme__organisation_id",
    Membership: "pair__programme__organisation_id",
    Meeting: "programme__organisation_id",
    PlanItem: "membership__pair__programme__organisation_id",
    Response: "organisation_id",
    Answer: "response__organisation_id",
}
# Settings every organisation's figures read: a change to one makes every summary stale.
SHARED = (AcademicYear, MentoringForm, Questionnaire, Question, CoverageTarget)


# --- staleness -------------------------------------------------------------------------------------


def invalidate(organisation_ids=None) -> None:
    """Make the summaries of these organisations (of all, for ``None``) stale, now and after the commit."""
    if organisation_ids is not None:
        organisation_ids = sorted(set(organisation_ids))
        if not organisation_ids:
            return

    def bump():
        rows = OrganisationSummary.objects.all()
        if organisation_ids is not None:
            rows = rows.filter(organisation_id__in=organisation_ids)
        rows.update(generation=F("generation") + 1)

    bump()
    if connection.in_atomic_block:
        transaction.on_commit(bump)
    if organisation_ids is not None:  # all of them: the nightly refresh's work, not a write's
        # Computed again ahead of the next dashboard, after the commit (an optimisation: see the module).
        from monitoring import summary_refresh

        summary_refresh.after_commit(organisation_ids)


def _organisation_of(instance, path: str):
    """The organisation id at ``path`` from ``instance``: through related objects already loaded, or
    with one query."""
    if path == "pk":
        return instance.pk
    obj = instance
    *hops, last = path.split("__")
    for hop in hops:
        field = obj._meta.get_field(hop)
        if not field.is_cached(obj):
            return type(instance).objects.filter(pk=instance.pk).values_list(path, flat=True).first()
        obj = getattr(obj, hop)
    return getattr(obj, last)


def _saved(sender, instance, raw=False, **kwargs):
    if not raw and not changes_are_held():  # fixtures load rows that may point at rows not loaded yet
        invalidate([_organisation_of(instance, WATCHED[sender])])


def _deleted(sender, instance, **kwargs):
    if not changes_are_held():
        invalidate([instance.organisation_id])


def _shared_changed(sender, raw=False, **kwargs):
    if not raw and not changes_are_held():
        invalidate()


def _announced(sender, organisation_ids, **kwargs):
    if not changes_are_held():
        invalidate(organisation_ids)


def connect() -> None:
    """Listen to the writes (called once, from ``MonitoringConfig.ready``)."""
    for model, path in WATCHED.items():
        post_save.connect(_saved, sender=model, dispatch_uid=f"summaries.saved.{model._meta.label}")
        # Deletions of rows that carry their organisation; the rest are deleted by services that announce it.
        if path == "organisation_id":
            post_delete.connect(_deleted, sender=model, dispatch_uid=f"summaries.deleted.{model._meta.label}")
    for model in SHARED:
        post_save.connect(_shared_changed, sender=model, dispatch_uid=f"summaries.shared.{model._meta.label}")
        post_delete.connect(_shared_changed, sender=model, dispatch_uid=f"summaries.shared-del.{model._meta.label}")
    organisations_changed.connect(_announced, dispatch_uid="summaries.announced")
    from monitoring import summary_refresh

    summary_refresh.connect()


# --- computing -------------------------------------------------------------------------------------


def consented_ever(organisation_ids) -> dict[int, int]:
    """Current participants with any consent to mentoring (valid or not), per organisation: those the
    figures count as current but who are not here have none at all («нет согласия»)."""
    return dict(Consent.objects.filter(purpose=Consent.Purpose.MENTORING, participant__is_archived=False,
                                       participant__organisation_id__in=organisation_ids)
                .values("participant__organisation_id").annotate(n=Count("participant_id", distinct=True))
                .values_list("participant__organisation_id", "n"))


# What a stored summary holds changed: rows written by an older shape are computed again.
VERSION = 5  # 3: the statistics export's counts; 4: its row, in a column of its own; 5: the names and places
# of the forms of the pairs counted


def build(organisations, year: AcademicYear, today: datetime.date) -> dict[int, dict]:
    """The summaries of these organisations computed from the rows, in a fixed number of queries.

    A summary: the figures (``monitoring.figures.compute`` for the whole year) and the numbers that open
    a list — pairs by form and status, quiet pairs, participants by consent state, meetings — counted by
    ``monitoring.district.counts`` with the lists' own definitions; and under ``statistics`` the statistics
    export's row of numbers (``monitoring.statistics_export``: people by form, role and category, in the
    table's columns), which does not depend on the date and is stored in a column of its own, not ``data``.
    """
    organisations = list(organisations)
    ids = [o.pk for o in organisations]
    # The participants, pairs and meetings counted once for both (the figures' whole year is the lists' year).
    rows = year_rows(ids, year, year.starts_on, year.ends_on, today)
    # The people in pairs for the figures and for the statistics export in one query.
    people, statistics = people_in_pairs(ids, year, year.ends_on, statistics=True)
    figures = figures_service.compute(organisations, year, today=today, rows=rows, people=people)
    counts = district_counts.organisation_counts(ids, year, today, rows=rows)
    statistics = statistics_export.stored_counts(ids, year, counted=statistics)
    return {pk: {"version": VERSION, "figures": figures[pk], "counts": counts[pk], "statistics": statistics[pk]}
            for pk in ids}


@dataclass(frozen=True)
class Stored:
    """A summary as read: its data and the token drawn when the data were written."""

    token: int
    data: dict


# Decoded summaries by organisation, year and token: a warm reader decodes only the JSON of the ones
# computed since it last looked (``monitoring.memo``: an entry addressed by its token is never wrong).
# Shared between readers, so nobody may change what it holds.
_decoded = Memo(8192)


def new_token() -> int:
    """A random token, never the 0 of a row not computed yet."""
    return secrets.randbits(62) + 1


def _fresh(head, today) -> bool:
    _pk, generation, computed_generation, computed_on, token, version = head
    return computed_on == today and computed_generation == generation and version == VERSION and token


def stored(organisation_ids, year: AcademicYear, today: datetime.date, *, load=None, among=None,
           read=True) -> dict[int, Stored]:
    """Each organisation's summary (id → ``Stored``), computing only the stale ones.

    Warm, one query for the rows' heads (generations, day, token: not the data) and one for the data of
    the summaries this process has not decoded yet; with stale summaries, the fixed number of ``build``
    plus the writes (batched by the database's limit on parameters: one statement on PostgreSQL).
    ``load`` (ids → {id: Organisation}, or anything with its ``pk``, ``short_name`` and ``municipality_id``)
    gives the stale ones ``build`` needs, if the caller has them;
    ``among``, a queryset of these organisations, is read as a subquery rather than hundreds of ids;
    ``read=False`` only brings the rows up to date: the fresh ones' data are not read (nor returned).
    """
    ids = sorted(set(organisation_ids))
    if not ids:
        return {}

    def heads(pks):
        return {row[0]: row[1:] for row in OrganisationSummary.objects.filter(
            organisation_id__in=pks, academic_year=year).values_list(
            "organisation_id", "pk", "generation", "computed_generation", "computed_on", "token", "data__version")}

    found = heads(among if among is not None else ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        OrganisationSummary.objects.bulk_create(
            [OrganisationSummary(organisation_id=pk, academic_year=year) for pk in missing], ignore_conflicts=True)
        found.update(heads(missing))
    result: dict[int, Stored] = {}
    stale = [pk for pk in ids if not _fresh(found[pk], today)]
    if stale:
        objects = list(load(stale).values()) if load else list(Organisation.objects.filter(pk__in=stale))
        fresh = build(objects, year, today)
        rows = []
        for pk in stale:
            row_pk, generation, _computed, _on, token, _version = found[pk]
            summary = dict(fresh[pk])
            statistics = summary.pop("statistics")  # a column of its own (``OrganisationSummary.statistics``)
            # As the JSON column gives it back (keys of figures become strings).
            data = json.loads(json.dumps(summary))
            # The same data as before (a write that changes nothing shown, another day that changes nothing):
            # the same token, so that what was derived from them stays in use.
            if not token or _decoded.get((pk, year.pk, token)) != data:
                token = new_token()
            # The generation read before computing: a write meanwhile has raised it past this.
            rows.append(OrganisationSummary(pk=row_pk, data=summary, statistics=statistics,
                                            computed_generation=generation, computed_on=today, token=token))
            result[pk] = Stored(token, data)
            _decoded.put((pk, year.pk, token), data)
        if len(rows) == 1:  # after a write to one organisation: a plain UPDATE, not bulk_update's CASE to build
            row = rows[0]
            OrganisationSummary.objects.filter(pk=row.pk).update(
                data=row.data, statistics=row.statistics, computed_generation=row.computed_generation,
                computed_on=today, token=row.token)
        else:
            OrganisationSummary.objects.bulk_update(
                rows, ["data", "statistics", "computed_generation", "computed_on", "token"])
    if not read:
        return result
    unread = []
    for pk in ids:
        if pk in result:
            continue
        token = found[pk][4]
        data = _decoded.get((pk, year.pk, token))
        if data is None:
            unread.append(found[pk][0])
        else:
            result[pk] = Stored(token, data)
    if unread:
        for pk, token, data in OrganisationSummary.objects.filter(pk__in=unread).values_list(
                "organisation_id", "token", "data"):
            # Computed again meanwhile by another reader: its data are newer still, with their own token.
            result[pk] = Stored(token, data)
            _decoded.put((pk, year.pk, token), data)
    return result


def for_organisations(organisations, year: AcademicYear, today: datetime.date) -> dict[int, dict]:
    """Each organisation's summary (id → dict as ``build`` makes it, as stored), computing only the stale
    ones (``stored``). The dicts are shared: read them, never change them."""
    organisations = list(organisations)
    by_pk = {o.pk: o for o in organisations}
    summaries = stored(list(by_pk), year, today, load=lambda pks: {pk: by_pk[pk] for pk in pks})
    return {o.pk: summaries[o.pk].data for o in organisations}


def refresh(year: AcademicYear | None = None, today: datetime.date | None = None) -> int:
    """Compute every stale summary of the year (the current one by default) ahead of the readers: the
    morning's first dashboard is then as quick as the rest. Returns how many organisations there are."""
    year = year or AcademicYear.objects.current()
    organisations = list(Organisation.objects.filter(is_active=True))
    for_organisations(organisations, year, today or timezone.localdate())
    return len(organisations)


def refresh_organisations(organisation_ids, today: datetime.date | None = None) -> int:
    """Compute the stale summaries among these organisations (the active ones, current year) ahead of the
    readers, after a write (``monitoring.summary_refresh``). Cheap when they are fresh: three queries, no
    data read. Returns how many were looked at."""
    ids = list(Organisation.objects.filter(pk__in=list(organisation_ids), is_active=True).values_list("pk", flat=True))
    if ids:
        stored(ids, AcademicYear.objects.current(), today or timezone.localdate(), read=False)
    return len(ids)
