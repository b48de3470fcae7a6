"""Personal questionnaire links: issued to people, tied to what their answers evaluate, answered once.

A link is a ``Response`` with an unguessable token, valid for some days and reaching nothing else.
It evaluates a programme and, when that is unambiguous, a pair: a mentee's membership, or the one pair a
mentor leads there (``evaluated``, from the pairs that worked this year). Issuing again to someone whose
link to the same questionnaire and programme is still unused extends that link instead of adding a
second one, so a double submit or a second print run hands out the same codes.

People whose data may not be processed (``registry.processing``: no valid consent, archived) get no link:
``issue_links`` to named people refuses them all at once, ``issue_bulk`` for a filtered set leaves them
out and says who and why.
"""

from __future__ import annotations

import datetime
import hmac
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentoring.models import Membership, MentorLink, Pair, Programme
from monitoring.figures import WORKED
from monitoring.models import Questionnaire, Response, new_token
from monitoring.questionnaires import active_questions, lock_rows, store_answers, validate_answers
from registry.models import AcademicYear, Participant
from registry.processing import refusals, require_processing, states

LINK_DAYS = 14
MAX_LINK_DAYS = 90
# What new_token() produces (URL-safe base64); anything else is not looked up at all.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32,64}")


class Audience:
    """Whom of a programme's people a link goes to."""

    MENTEES, MENTORS, ALL = "mentees", "mentors", "all"
    CHOICES = ((MENTEES, gettext_lazy("наставляемым")), (MENTORS, gettext_lazy("наставникам")),
               (ALL, gettext_lazy("наставникам и наставляемым")))


def audience_for(questionnaire: Questionnaire, role: str = Audience.ALL) -> str:
    """A satisfaction questionnaire of one side goes to that side, whatever was asked for."""
    if questionnaire.kind == Questionnaire.Kind.MENTOR_SATISFACTION:
        return Audience.MENTORS
    if questionnaire.kind == Questionnaire.Kind.MENTEE_SATISFACTION:
        return Audience.MENTEES
    return role if role in (Audience.MENTEES, Audience.MENTORS) else Audience.ALL


# --- what a link evaluates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Whom a link goes to and what their answers evaluate."""

    participant: Participant
    programme_id: int | None = None
    pair_id: int | None = None
    membership_id: int | None = None


def evaluable_pairs(questionnaire: Questionnaire, *, organisation_ids=(), programme: Programme | None = None):
    """The pairs a link may evaluate: those that worked in this academic year (or in ``programme``), of the
    questionnaire's form when it has one."""
    pairs = Pair.objects.filter(status__in=WORKED)
    if programme is not None:
        pairs = pairs.filter(programme=programme)
    else:
        pairs = pairs.filter(programme__organisation_id__in=list(organisation_ids),
                             programme__academic_year=AcademicYear.objects.current())
    if questionnaire.form_id:
        pairs = pairs.filter(programme__form_id=questionnaire.form_id)
    return pairs


def places(people, pairs, role: str) -> dict[int, list[tuple[int, int, int | None]]]:
    """The current places of ``people`` (participant pks, or a queryset of them) among ``pairs``, by
    participant pk: (programme, pair, membership or None for a mentor). Two queries; a place suspended
    (processing stopped) is not counted."""
    found: dict[int, list[tuple[int, int, int | None]]] = defaultdict(list)
    ids = people if isinstance(people, QuerySet) else list(people)
    if role in (Audience.MENTEES, Audience.ALL):
        for person, programme, pair, membership in (
                Membership.objects.filter(mentee__participant_id__in=ids, pair__in=pairs, left_on__isnull=True,
                                          suspended_on__isnull=True)
                .order_by("joined_on", "pk")
                .values_list("mentee__participant_id", "pair__programme_id", "pair_id", "pk")):
            found[person].append((programme, pair, membership))
    if role in (Audience.MENTORS, Audience.ALL):
        for person, programme, pair in (
                MentorLink.objects.filter(mentor__participant_id__in=ids, pair__in=pairs, ended_on__isnull=True,
                                          suspended_on__isnull=True)
                .order_by("pair_id").values_list("mentor__participant_id", "pair__programme_id", "pair_id")):
            found[person].append((programme, pair, None))
    return found


def evaluated(questionnaire: Questionnaire, people: Iterable[Participant], *, pairs=None,
              role: str = Audience.ALL) -> list[Target]:
    """Each person with what their answers evaluate: their one place among ``pairs`` (by default the
    evaluable pairs of their organisations); with several, the programme if they are all in one (a
    mentor of two pairs answers once, for no pair in particular); else nothing in particular."""
    people = list(people)
    if pairs is None:
        pairs = evaluable_pairs(questionnaire, organisation_ids={p.organisation_id for p in people})
    found = places([p.pk for p in people], pairs, audience_for(questionnaire, role))
    targets = []
    for person in people:
        mine = found.get(person.pk, [])
        if len(mine) == 1:
            targets.append(Target(person, *mine[0]))
            continue
        programmes = {place[0] for place in mine}
        targets.append(Target(person, programmes.pop() if len(programmes) == 1 else None))
    return targets


def programme_people(programme: Programme, role: str) -> list[Participant]:
    """A programme's mentees and/or mentors in pairs that worked, not archived and not suspended."""
    current = Participant.objects.filter(organisation_id=programme.organisation_id, is_archived=False).values("pk")
    found = places(current, programme.pairs.filter(status__in=WORKED), role)
    return list(Participant.objects.filter(pk__in=list(found)).order_by("last_name", "first_name", "pk"))


# --- issuing --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedLink:
    response: Response
    created: bool  # False: the person's unused link, re-issued with a later expiry


@dataclass(frozen=True)
class Batch:
    """What a bulk issue did: the links, and the people left without one (Russian, with the reason)."""

    links: list[IssuedLink]
    refused: list[str]

    @property
    def new(self) -> int:
        return sum(link.created for link in self.links)

    @property
    def extended(self) -> int:
        return sum(not link.created for link in self.links)


def _check_days(days: int) -> None:
    if not 1 <= days <= MAX_LINK_DAYS:
        raise ValidationError({"days": _("Срок действия ссылки — от 1 до %(max)s дней.") % {"max": MAX_LINK_DAYS}})


def issue_links(*, questionnaire: Questionnaire, participants: Iterable[Participant] = (),
                programme: Programme | None = None, role: str = Audience.ALL, days: int = LINK_DAYS, by=None,
                now: datetime.datetime | None = None) -> list[IssuedLink]:
    """Personal links for named people and/or a programme's people (by ``role``), valid ``days`` days.
    Refused, for everyone, if anyone named is archived or may not be processed."""
    _check_days(days)
    people = list(dict.fromkeys(participants))
    if programme is not None:
        people += [p for p in programme_people(programme, audience_for(questionnaire, role)) if p not in people]
    archived = sorted(p.full_name for p in people if p.is_archived)
    if archived:
        raise ValidationError(_("Участники в архиве не получают ссылок: %(names)s.") % {"names": ", ".join(archived)})
    if not people:
        raise ValidationError(_("Выберите участников или программу."))
    require_processing(people)
    pairs = evaluable_pairs(questionnaire, programme=programme) if programme is not None else None
    return _issue(questionnaire, evaluated(questionnaire, people, pairs=pairs, role=role), days=days, by=by, now=now)


def issue_bulk(*, questionnaire: Questionnaire, people: Iterable[Participant], pairs=None, role: str = Audience.ALL,
               days: int = LINK_DAYS, by=None, now: datetime.datetime | None = None) -> Batch:
    """Links for a chosen set (a filtered list, «select all»), each tied to the person's place among
    ``pairs`` (the pairs the list was narrowed to; by default all evaluable ones): whoever may not be
    processed is left out, and ``Batch.refused`` says who and why."""
    _check_days(days)
    people = list(dict.fromkeys(people))
    if not people:
        raise ValidationError(_("Никто не выбран: отметьте участников или выдайте ссылки всем отобранным."))
    stopped = {pk: state for pk, state in states(people).items() if not state.allowed}
    allowed = [p for p in people if p.pk not in stopped]
    links = []
    if allowed:
        links = _issue(questionnaire, evaluated(questionnaire, allowed, pairs=pairs, role=role), days=days, by=by,
                       now=now)
    return Batch(links, [stopped[p.pk].message for p in people if p.pk in stopped])


def _reusable(unused: list[Response], programme_id: int | None) -> Response | None:
    """The person's unused link for the same programme; else one tied to no programme; else, when the
    new one would be tied to none either, any of theirs."""
    for match in (lambda r: r.programme_id == programme_id, lambda r: r.programme_id is None,
                  lambda r: programme_id is None):
        response = next((r for r in unused if match(r)), None)
        if response is not None:
            return response
    return None


def _issue(questionnaire: Questionnaire, targets: list[Target], *, days: int, by,
           now: datetime.datetime | None) -> list[IssuedLink]:
    now = now or timezone.now()
    expires = now + datetime.timedelta(days=days)
    ids = [t.participant.pk for t in targets]
    with transaction.atomic():
        # Two curators issuing links to the same people at once wait for each other: one link each.
        lock_rows(Participant.objects.filter(pk__in=ids))
        unused: dict[int, list[Response]] = defaultdict(list)
        for response in (Response.objects.filter(questionnaire=questionnaire, participant__in=ids,
                                                 token__isnull=False, submitted_at__isnull=True)
                         .order_by("created_at", "pk")):
            unused[response.participant_id].append(response)
        issued, extended, created = [], [], []
        for target in targets:
            response = _reusable(unused[target.participant.pk], target.programme_id)
            is_new = response is None
            if not is_new:
                unused[target.participant.pk].remove(response)
                if response.token_expires_at is not None:
                    response.token_expires_at = max(response.token_expires_at, expires)
                if response.programme_id is None and target.programme_id is not None:
                    response.programme_id = target.programme_id
                if response.programme_id == target.programme_id and response.pair_id is None:
                    response.pair_id, response.membership_id = target.pair_id, target.membership_id
                extended.append(response)
            else:
                response = Response(questionnaire=questionnaire, organisation_id=target.participant.organisation_id,
                                    participant=target.participant, programme_id=target.programme_id,
                                    pair_id=target.pair_id, membership_id=target.membership_id, token=new_token(),
                                    token_expires_at=expires, created_by=by)
                created.append(response)
            response.participant = target.participant
            issued.append(IssuedLink(response, created=is_new))
        Response.objects.bulk_update(extended, ["token_expires_at", "programme", "pair", "membership"])
        Response.objects.bulk_create(created)
    return issued


def pending_links(questionnaire: Questionnaire, organisation_ids):
    """Links handed out and not yet answered (expired ones too), by the participant's name."""
    return (Response.objects.filter(questionnaire=questionnaire, organisation_id__in=organisation_ids,
                                    token__isnull=False, submitted_at__isnull=True)
            .select_related("participant").order_by("participant__last_name", "participant__first_name", "pk"))


# --- answering ------------------------------------------------------------------------------------------


class LinkRefused(Exception):
    """A personal link that cannot take answers any more."""

    USED, EXPIRED = "used", "expired"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def find_link(token: object) -> Response | None:
    """The response behind a personal link, or None for anything malformed or unknown."""
    if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
        return None
    response = (Response.objects.select_related("questionnaire", "organisation", "participant")
                .filter(token=token).first())
    # The lookup is by a unique column; the exact, constant-time comparison guards against a database
    # collation that would match a differently-cased token.
    if response is None or not hmac.compare_digest(response.token.encode(), token.encode()):
        return None
    return response


def refusal(response: Response, now: datetime.datetime | None = None) -> str | None:
    """Why the link cannot take answers (LinkRefused.USED or EXPIRED), or None if it can."""
    if response.is_submitted:
        return LinkRefused.USED
    if not response.link_is_usable(now):
        return LinkRefused.EXPIRED
    if response.participant_id is not None and refusals([response.participant]):
        # The person's consent lapsed (or they were archived): the link stops working at once, even before
        # the daily run closes it; the page does not tell a child why.
        return LinkRefused.EXPIRED
    return None


def submit_by_link(response: Response, *, answers: Mapping[int, object],
                   now: datetime.datetime | None = None) -> Response:
    """Store the answers sent through a personal link. The link works once: the response is claimed
    by a conditional update, so of two simultaneous submits exactly one stores its answers."""
    now = now or timezone.now()
    reason = refusal(response, now)
    if reason:
        raise LinkRefused(reason)
    cleaned = validate_answers(active_questions(response.questionnaire), answers)
    with transaction.atomic():
        claimed = (Response.objects.filter(pk=response.pk, token=response.token, submitted_at__isnull=True)
                   .filter(Q(token_expires_at__isnull=True) | Q(token_expires_at__gt=now))
                   .update(submitted_at=now))
        if claimed != 1:
            response.refresh_from_db(fields=["submitted_at", "token_expires_at"])
            raise LinkRefused(refusal(response, now) or LinkRefused.USED)
        store_answers(response, cleaned)
    response.submitted_at = now
    return response
