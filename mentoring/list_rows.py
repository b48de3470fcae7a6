"""What a pair or meeting row shows beyond its own columns, as per-row subqueries.

A correlated subquery reads one pair's meetings (or one meeting's attendance) through an index, so it
costs the same for the page's 50 rows whatever the size of the district; ``Max``/``Count`` with a join
grouped every meeting of the scope before the list could take its first page. The lists annotate the
page's rows with these (``registry.listing.paginate(page_rows=…)``) and the whole scope only when the
user sorts by the value itself.
"""

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from mentoring.models import Meeting


def last_meeting_date() -> Subquery:
    """The date of the pair's latest meeting, or NULL (what ``Max("meetings__held_on")`` gave)."""
    latest = Meeting.objects.filter(pair=OuterRef("pk")).order_by("-held_on").values("held_on")[:1]
    return Subquery(latest)


def attendee_count() -> Coalesce:
    """How many people attended the meeting (0 when nobody is recorded)."""
    through = Meeting.attendees.through
    counted = (through.objects.filter(meeting_id=OuterRef("pk")).order_by().values("meeting_id")
               .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
