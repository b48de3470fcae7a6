"""The home page's figures for any scope (a school's is a district of one), in one grouped query.

The home page of a municipal curator showed the district's totals (an aggregate over the participants;
``tests/test_page_cost.py`` keeps it as the plain definition these sums are compared with) and the organisations with the weakest consent coverage (``organisation_summaries``): two scans of every
participant of the district, the second counting distinct people over four joins — at 300 schools the
heaviest page a curator opens, every morning. Both are sums of one grouping of the current participants
by organisation, so they are read together here: the same numbers (a test compares them), one scan —
and that scan (a tenth of a second at 300 schools) only when one of the tables it reads has changed since
it was last made: its rows come from ``registry.list_counts``, keyed by the SQL, the date among its
parameters, and those tables' versions.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from registry.list_counts import cached_rows
from registry.models import Consent, Participant
from registry.paths import object_url


@dataclass
class OrganisationCounts:
    """What ``organisation_summaries`` annotates, for one organisation."""

    pk: int
    short_name: str
    participant_count: int = 0
    mentor_count: int = 0
    mentee_count: int = 0
    consent_count: int = 0

    def get_absolute_url(self) -> str:
        return object_url("registry:organisation_detail", self.pk)


def district_counts(organisations, *, on: datetime.date | None = None) -> tuple[dict, list[OrganisationCounts]]:
    """(the totals over these organisations' current participants — total, mentors, mentees, with a valid
    consent, without one, the percentage — and each organisation's counts, by name).

    ``organisations``: a queryset (the scope's visible ones); two queries, the organisations' names and
    the grouped participants, each from the cache while the tables it reads are unchanged."""
    on = on or timezone.localdate()
    # Not a correlated EXISTS: PostgreSQL probed the consents once per participant (88,000 index scans at
    # 300 schools, and a plan costly enough to be JIT-compiled); the valid consents' people are hashed once.
    valid_consent = Q(pk__in=Consent.objects.valid_on(on).filter(purpose=Consent.Purpose.MENTORING)
                      .values("participant_id"))
    rows = {pk: OrganisationCounts(pk, short_name)
            for pk, short_name in cached_rows(organisations.order_by("short_name", "pk").values_list("pk", "short_name"))}
    grouped = (Participant.objects.filter(organisation_id__in=organisations.values("pk")).current()
               .order_by().values("organisation_id")
               .annotate(total=Count("pk"), mentors=Count("pk", filter=Q(mentor_profile__isnull=False)),
                         mentees=Count("pk", filter=Q(mentee_profile__isnull=False)),
                         with_consent=Count("pk", filter=valid_consent))
               .values_list("organisation_id", "total", "mentors", "mentees", "with_consent"))
    for organisation_id, total, mentors, mentees, with_consent in cached_rows(grouped):
        row = rows.get(organisation_id)
        if row is not None:
            row.participant_count, row.mentor_count, row.mentee_count, row.consent_count = (
                total, mentors, mentees, with_consent)
    counts = {
        "total": sum(r.participant_count for r in rows.values()),
        "mentors": sum(r.mentor_count for r in rows.values()),
        "mentees": sum(r.mentee_count for r in rows.values()),
        "with_consent": sum(r.consent_count for r in rows.values()),
    }
    counts["without_consent"] = counts["total"] - counts["with_consent"]
    counts["consent_percent"] = round(100 * counts["with_consent"] / counts["total"]) if counts["total"] else 0
    return counts, list(rows.values())

