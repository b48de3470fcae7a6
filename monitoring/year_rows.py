"""The grouped counts that the figures (``monitoring.figures``) and the district's list numbers
(``monitoring.district.counts``) both read, each table counted once for both.

An organisation's summary (``monitoring.summaries.build``) needs, for the same organisations, the
participants by category with their consent, the pairs of the year by status and the meetings of the year
twice over: once as the figures define them and once as the lists count them. The two definitions differ
only in a condition (a pair that began by the end of the period, a meeting held inside it), so each table
is read in ONE grouped query over the lists' own querysets — the registry's current participants, the pair
list's pairs, the meeting list's meetings of the programme year — with the figures' condition as a
conditional count. After a write to one organisation this is three queries instead of six, and three
querysets compiled instead of six (half of a summary's cost is the ORM building its SQL).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from mentoring.filters import listed_pairs, of_programme_year
from mentoring.models import Meeting, Pair
from registry.models import AcademicYear, ConsentState, Participant
from registry.models.people import consent_state_q

CONSENT_STATES = tuple(ConsentState.values)


@dataclass(frozen=True)
class YearRows:
    """Per organisation id:

    - ``participants``: category → {"total", and each consent state → n} over current participants;
    - ``pairs``: (form id, status, listed n, n begun by the end of the period) over the pair list's pairs
      of the programme year (every pair but a rejected proposal);
    - ``meetings``: (meetings of the programme year, those held inside the period);

    and ``forms``: form id → (name, position) of the forms of those pairs.
    """

    participants: dict[int, dict[str, dict[str, int]]]
    pairs: dict[int, list[tuple[int, str, int, int]]]
    meetings: dict[int, tuple[int, int]]
    forms: dict[int, tuple[str, int]] = field(default_factory=dict)


def started_by(prefix: str, day: datetime.date) -> Q:
    """Pairs (through ``prefix``) that began by ``day``; a pair without a start date is a proposal."""
    return Q(**{f"{prefix}started_on__isnull": True}) | Q(**{f"{prefix}started_on__lte": day})


def year_rows(organisation_ids, year: AcademicYear, starts_on: datetime.date, ends_on: datetime.date,
              today: datetime.date) -> YearRows:
    """``YearRows`` of these organisations for the period ``starts_on``…``ends_on`` of ``year``, consents
    checked on ``today``: three grouped queries for any number of organisations."""
    ids = sorted(set(organisation_ids))
    participants: dict[int, dict] = defaultdict(dict)
    for org, category, total, *states in (
        Participant.objects.filter(organisation_id__in=ids).current().with_consent_state(today)
        .values("organisation_id", "category")
        .annotate(total=Count("pk"), **{state: Count("pk", filter=consent_state_q(state)) for state in CONSENT_STATES})
        .values_list("organisation_id", "category", "total", *CONSENT_STATES)
    ):
        participants[org][category] = {"total": total, **dict(zip(CONSENT_STATES, states))}
    pairs: dict[int, list] = defaultdict(list)
    forms: dict[int, tuple[str, int]] = {}
    # The forms' names and places ride along (grouped by the form anyway): what shows the pairs by form
    # is then read with the counts, and a form renamed or moved changes them.
    for org, form, name, position, *row in (
        of_programme_year(listed_pairs(Pair.objects.filter(programme__organisation_id__in=ids)), year.start_year)
        .values("programme__organisation_id", "programme__form_id", "programme__form__name",
                "programme__form__position", "status")
        .annotate(n=Count("pk"), begun=Count("pk", filter=started_by("", ends_on)))
        .values_list("programme__organisation_id", "programme__form_id", "programme__form__name",
                     "programme__form__position", "status", "n", "begun")
    ):
        pairs[org].append((form, *row))
        forms[form] = (name, position)
    for listed in pairs.values():
        listed.sort()  # in the same order whatever the plan: the same data keep their summary's token
    meetings = {org: (n, held) for org, n, held in (
        of_programme_year(Meeting.objects.filter(programme__organisation_id__in=ids), year.start_year)
        .values("programme__organisation_id")
        .annotate(n=Count("pk"), held=Count("pk", filter=Q(held_on__range=(starts_on, ends_on))))
        .values_list("programme__organisation_id", "n", "held")
    )}
    return YearRows(dict(participants), dict(pairs), meetings, forms)
