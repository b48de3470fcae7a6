"""Satisfaction of mentors and mentees by school (stage 1 of the monitoring: the process).

The rules are those of ``monitoring.figures`` (the school's report): scale answers of the submitted
satisfaction questionnaires — the mentor's, the mentee's and the programme's quality — inside the
period (the academic year, or one of its halves), a 10-point answer mapped onto the 5-point scale,
averaged over the answers. Next to each average stands how many questionnaires it rests on, so that
«4,8» from two mentees is not read like «4,1» from sixty. Two grouped queries for the whole district.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Avg, Count

from monitoring import figures
from monitoring.models import Answer, Questionnaire, Response
from registry.models import AcademicYear

KINDS = Questionnaire.SATISFACTION_KINDS
LOW = 3.5  # an average below this is shown as a concern (the middle of «скорее доволен»)


@dataclass
class SatisfactionRow:
    organisation: object | None
    values: dict  # kind → average on the 5-point scale, or None
    responses: dict  # kind → questionnaires answered

    @property
    def name(self) -> str:
        return self.organisation.short_name if self.organisation is not None else ""

    @property
    def ordered(self) -> list[tuple]:
        """(average, questionnaires) per kind, in the order of the table's columns."""
        return [(self.values.get(kind), self.responses.get(kind, 0)) for kind in KINDS]


@dataclass
class Satisfaction:
    year: AcademicYear
    period: figures.Period
    rows: list[SatisfactionRow]
    total: SatisfactionRow
    kinds: list

    @property
    def answered(self) -> bool:
        return any(self.total.responses.values())


def by_school(organisations, year: AcademicYear, period: figures.Period | None = None) -> Satisfaction:
    """Every organisation of ``organisations`` (a list), with or without answers, and the district."""
    period = period or figures.Period.whole(year)
    organisations = list(organisations)
    ids = [o.pk for o in organisations]
    in_period = {"response__organisation_id__in": ids, "response__submitted_at__isnull": False,
                 "response__submitted_at__date__range": (period.starts_on, period.ends_on),
                 "response__questionnaire__kind__in": KINDS}
    sums = defaultdict(lambda: [0.0, 0])
    for row in (Answer.objects.filter(question__type__in=tuple(figures.SCALES), number__isnull=False, **in_period)
                .values("response__organisation_id", "response__questionnaire__kind", "question__type")
                .annotate(avg=Avg("number"), n=Count("pk")).order_by()):
        value = figures.on_five_point_scale(row["avg"], figures.SCALES[row["question__type"]]) * row["n"]
        for org in (row["response__organisation_id"], None):
            cell = sums[org, row["response__questionnaire__kind"]]
            cell[0] += value
            cell[1] += row["n"]
    responses = defaultdict(int)
    for org, kind, n in (Response.objects.filter(**{key.removeprefix("response__"): value
                                                    for key, value in in_period.items()})
                         .values("organisation_id", "questionnaire__kind").annotate(n=Count("pk")).order_by()
                         .values_list("organisation_id", "questionnaire__kind", "n")):
        responses[org, kind] += n
        responses[None, kind] += n

    def row_of(organisation):
        key = organisation.pk if organisation is not None else None
        return SatisfactionRow(
            organisation,
            values={kind: round(sums[key, kind][0] / sums[key, kind][1], 2) if sums[key, kind][1] else None
                    for kind in KINDS},
            responses={kind: responses[key, kind] for kind in KINDS},
        )

    return Satisfaction(year=year, period=period, rows=[row_of(o) for o in organisations], total=row_of(None),
                        kinds=[(kind, Questionnaire.Kind(kind).label) for kind in KINDS])


SORTS = {
    "name": lambda row: row.name.lower(),
    **{kind: (lambda row, kind=kind: row.values.get(kind)) for kind in KINDS},
}
DEFAULT_SORT = "name"
