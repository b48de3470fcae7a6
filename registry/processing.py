"""Consent decides processing (152-ФЗ art. 9, 21): one service stops it, resumes it and refuses new work.

A person's data may be processed for a purpose while they are not archived and hold a consent for that
purpose valid today. Two things follow, both here:

- **Refusal.** Every service that starts new work with a person (a meeting, a plan item, a
  questionnaire link or answer, an order, a pair) calls ``require_processing``; it raises a
  ``ValidationError`` whose Russian message names the consent and what happened to it.
- **Stop and resume.** ``reconcile`` compares a person's state with their open ``ProcessingStop``:
  when processing is no longer allowed it records a stop and sends ``processing_stopped``, whose
  receivers (mentoring, monitoring) suspend or end what runs — the curator chooses, suspension is the
  default — and say what they did; when it is allowed again it sends ``processing_resumed`` and
  closes the stop. Revocation, archiving, restoring, a new consent and the daily task (which catches
  consents that expired overnight) all call it, so the rule lives in one place.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import grammar
from registry.models import Consent, ConsentPurpose, Participant, ProcessingStop
from registry.signals import processing_involved, processing_resumed, processing_stopped

Cause = ProcessingStop.Cause
Mode = ProcessingStop.Mode


@dataclass(frozen=True)
class State:
    """Whether a person's data may be processed for a purpose today, and if not, why."""

    participant: Participant
    purpose: str
    consent: Consent | None  # the valid consent, else the latest one
    cause: str | None  # None: processing allowed

    @property
    def allowed(self) -> bool:
        return self.cause is None

    @property
    def reason(self) -> str:
        """«согласие «Участие в программе наставничества» от 01.09.2025 отозвано 05.12.2026»."""
        purpose = ConsentPurpose(self.purpose).label
        if self.cause == Cause.ARCHIVED:
            return _("участник перенесён в архив")
        if self.cause == Cause.MISSING or self.consent is None:
            return _("нет согласия на обработку персональных данных «%(purpose)s»") % {"purpose": purpose}
        words = {"purpose": purpose, "signed": self.consent.signed_on.strftime("%d.%m.%Y")}
        if self.cause == Cause.REVOKED:
            words["date"] = self.consent.revoked_on.strftime("%d.%m.%Y")
            return _("согласие на обработку персональных данных «%(purpose)s» от %(signed)s отозвано %(date)s") % words
        if self.cause == Cause.EXPIRED:
            words["date"] = self.consent.valid_until.strftime("%d.%m.%Y")
            return _("срок согласия на обработку персональных данных «%(purpose)s» от %(signed)s истёк "
                     "%(date)s") % words
        return ""

    @property
    def message(self) -> str:
        return _("Обработка персональных данных участника %(name)s остановлена: %(reason)s.") % {
            "name": grammar.person_in(self.participant, "gent"), "reason": self.reason}


def states(participants: Iterable[Participant], *, purpose: str = ConsentPurpose.MENTORING,
           on: datetime.date | None = None) -> dict[int, State]:
    """Each participant's state for ``purpose`` on ``on`` (today), in one query."""
    on = on or timezone.localdate()
    people = {p.pk: p for p in participants}
    consents: dict[int, list[Consent]] = {pk: [] for pk in people}
    for consent in Consent.objects.filter(participant_id__in=list(people), purpose=purpose).order_by(
            "-signed_on", "-pk"):
        consents[consent.participant_id].append(consent)
    result = {}
    for pk, person in people.items():
        valid = next((c for c in consents[pk] if c.is_valid_on(on)), None)
        latest = next((c for c in consents[pk] if c.signed_on <= on), None)
        if person.is_archived:
            cause = Cause.ARCHIVED
        elif valid is not None:
            cause = None
        elif latest is None:
            cause = Cause.MISSING
        elif latest.revoked_on is not None and latest.revoked_on <= on:
            cause = Cause.REVOKED
        else:
            cause = Cause.EXPIRED
        result[pk] = State(person, purpose, valid or latest, cause)
    return result


def allowed_among(people, *, purpose: str = ConsentPurpose.MENTORING, on: datetime.date | None = None):
    """``people`` (a queryset) narrowed to those whose data may be processed for ``purpose`` on ``on``: the
    rule of ``states`` (not archived, a consent valid that day) as one SQL filter, for counts over many people."""
    on = on or timezone.localdate()
    valid = Consent.objects.valid_on(on).filter(purpose=purpose, participant=OuterRef("pk"))
    return people.filter(Exists(valid), is_archived=False)


def consent_lapsed(path: str = "pk", *, purpose: str = ConsentPurpose.MENTORING, on: datetime.date | None = None):
    """The condition «the person at ``path`` signed a consent for ``purpose`` and none is valid on ``on``»
    (revoked or expired: processing stopped), for ``filter``/``exclude`` of any queryset reaching a person."""
    on = on or timezone.localdate()
    valid = Consent.objects.valid_on(on).filter(purpose=purpose, participant=OuterRef(path))
    signed = Consent.objects.filter(purpose=purpose, signed_on__lte=on, participant=OuterRef(path))
    return Exists(signed) & ~Exists(valid)


def without_lapsed(people, *, purpose: str = ConsentPurpose.MENTORING, on: datetime.date | None = None):
    """``people`` (a queryset) without those whose consent for ``purpose`` was revoked or expired: their
    processing is stopped, so no new file lists them. Those who never signed stay (the curator is still
    collecting their consent), as do the archived, whom the caller's filters decide about."""
    return people.exclude(consent_lapsed(purpose=purpose, on=on))


def refusals(participants: Iterable[Participant], *, purpose: str = ConsentPurpose.MENTORING,
             on: datetime.date | None = None) -> list[str]:
    """The Russian messages for those of ``participants`` whose data may not be processed."""
    return [state.message for state in states(participants, purpose=purpose, on=on).values() if not state.allowed]


def require_processing(participants: Iterable[Participant], *, purpose: str = ConsentPurpose.MENTORING,
                       on: datetime.date | None = None) -> None:
    """Refuse new work with anyone whose data may not be processed for ``purpose`` (a ``ValidationError``)."""
    messages = refusals(participants, purpose=purpose, on=on)
    if messages:
        raise ValidationError(messages)


def _collect(responses) -> list[str]:
    return [line for _receiver, lines in responses for line in (lines or [])]


def reconcile(participant: Participant, *, purpose: str = ConsentPurpose.MENTORING, mode: str = Mode.SUSPEND,
              by=None, on: datetime.date | None = None) -> ProcessingStop | None:
    """Bring what runs with the person in line with their consent; the stop that is open afterwards.

    Not allowed and no open stop: stop (``mode``: suspend or end). Not allowed, open suspension and
    ``mode`` END: the curator now ends what was suspended. Allowed and an open stop: resume.
    A person who never had a consent and has nothing running gets no stop recorded.
    """
    on = on or timezone.localdate()
    with transaction.atomic():
        # Two requests for the same person (a double click, the daily task) wait for each other here.
        person = Participant.objects.select_for_update().get(pk=participant.pk)
        state = states([person], purpose=purpose, on=on)[person.pk]
        stop = ProcessingStop.objects.open().filter(participant=person, purpose=purpose).first()
        if state.allowed:
            if stop is not None:
                _resume(stop, person, by=by, on=on)
            return None
        if stop is not None and not (mode == Mode.END and stop.mode == Mode.SUSPEND):
            return stop
        effects = _collect(processing_stopped.send(
            sender=Participant, participant=person, purpose=purpose, mode=mode, reason=state.reason, on=on, by=by))
        if stop is not None:  # a suspension turned into an end
            stop.mode = Mode.END
            stop.effects = stop.effects + effects
            stop.save(update_fields=["mode", "effects"])
            return stop
        if state.cause == Cause.MISSING and not effects:
            return None
        try:
            with transaction.atomic():
                return ProcessingStop.objects.create(
                    participant=person, purpose=purpose, cause=state.cause, reason=state.reason, mode=mode,
                    consent=state.consent, stopped_on=on, stopped_by=by, effects=effects)
        except IntegrityError:  # another worker recorded it first
            return ProcessingStop.objects.open().get(participant=person, purpose=purpose)


def _resume(stop: ProcessingStop, person: Participant, *, by, on: datetime.date) -> None:
    effects = _collect(processing_resumed.send(
        sender=Participant, participant=person, purpose=stop.purpose, mode=stop.mode, reason="", on=on, by=by))
    updated = ProcessingStop.objects.filter(pk=stop.pk, resumed_at__isnull=True).update(
        resumed_at=timezone.now(), resumed_by=by, resume_effects=effects)
    if updated:
        stop.refresh_from_db()
        from registry import audit

        audit.record_update(stop, {"resumed_at": [None, str(stop.resumed_at)]})


def lapsed_without_stop(*, purpose: str = ConsentPurpose.MENTORING, on: datetime.date | None = None):
    """People whose consent for ``purpose`` lapsed (revoked or expired) or who were archived, with no
    open stop: what the daily task reconciles."""
    on = on or timezone.localdate()
    valid = Consent.objects.valid_on(on).filter(purpose=purpose).values("participant_id")
    had_one = Consent.objects.filter(purpose=purpose, signed_on__lte=on).values("participant_id")
    stopped = ProcessingStop.objects.open().filter(purpose=purpose).values("participant_id")
    return (Participant.objects.filter(pk__in=had_one, anonymised_at__isnull=True)
            .filter(Q(is_archived=True) | ~Q(pk__in=valid)).exclude(pk__in=stopped))


#: People reconciled together by the daily run (one ``IN`` list per query).
LAPSED_CHUNK = 2000


def reconcile_lapsed(*, on: datetime.date | None = None) -> int:
    """The daily run: stop processing for consents that expired (or were revoked) since the last run.

    The same outcome as ``reconcile`` for each person in turn, in a number of queries that does not grow
    with the people who have nothing running: the apps say at once who of them is involved
    (``processing_involved``), those are reconciled one by one, and the others' stops — with no effects,
    as their receivers would have found nothing to stop — are inserted together."""
    on = on or timezone.localdate()
    count = 0
    for purpose in (ConsentPurpose.MENTORING, ConsentPurpose.PUBLICATION):
        ids = list(lapsed_without_stop(purpose=purpose, on=on).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), LAPSED_CHUNK):
            count += _reconcile_chunk(ids[start:start + LAPSED_CHUNK], purpose=purpose, on=on)
    return count


def _reconcile_chunk(ids: list[int], *, purpose: str, on: datetime.date) -> int:
    involved: set[int] = set()
    for _receiver, found in processing_involved.send(sender=Participant, participant_ids=ids, purpose=purpose,
                                                     on=on):
        involved |= set(found or ())
    found_states = states(Participant.objects.filter(pk__in=ids), purpose=purpose, on=on)
    count = 0
    quiet: list[ProcessingStop] = []

    def flush() -> int:
        if not quiet:
            return 0
        try:
            with transaction.atomic():
                made = len(ProcessingStop.objects.bulk_create(quiet))
        except IntegrityError:  # someone reconciled one of them meanwhile: one by one, with the locks
            made = sum(reconcile(stop.participant, purpose=purpose, on=on) is not None for stop in quiet)
        quiet.clear()
        return made

    for pk in ids:  # in the order of the people, as one by one
        state = found_states.get(pk)
        if state is None:  # gone since the list was read
            continue
        if state.allowed or pk in involved:
            count += flush()
            count += reconcile(state.participant, purpose=purpose, on=on) is not None
        elif state.cause != Cause.MISSING:  # a person who never consented and has nothing running: no stop
            quiet.append(ProcessingStop(
                participant=state.participant, purpose=purpose, cause=state.cause, reason=state.reason,
                mode=Mode.SUSPEND, consent=state.consent, stopped_on=on, effects=[]))
    return count + flush()


def reconcile_all_purposes(participant: Participant, *, mode: str = Mode.SUSPEND, by=None) -> list[ProcessingStop]:
    """After archiving or restoring a person: every purpose at once."""
    stops = []
    for purpose in (ConsentPurpose.MENTORING, ConsentPurpose.PUBLICATION):
        stop = reconcile(participant, purpose=purpose, mode=mode, by=by)
        if stop is not None:
            stops.append(stop)
    return stops
