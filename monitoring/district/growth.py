"""Growth of the district's participants: entry against exit assessments, by school and form.

Stage 2 of the monitoring compares each participant's entry assessment (старт-лист) with the exit one,
on three dimensions: motivational-personal, competence and professional growth. The rules are those of
``monitoring.figures`` (the school's report): scale answers of submitted entry and exit questionnaires
from the start of the academic year to its end, a 10-point answer mapped onto the 5-point scale; the
averages are over all answers, the change is averaged over the people who answered both (each person
compared with themselves).

A response belongs to the form of its pair (or of the mentee's pair, or of a questionnaire made for one
form); one without any is «форма не указана». Rows are one per school and form, then the district per
form, then the district — all from one grouped query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from mentoring.models import MentoringForm
from monitoring import figures
from monitoring.models import Answer, Question, Questionnaire
from registry.models import AcademicYear

DIMENSIONS = tuple(value for value in Question.Dimension.values if value)
KINDS = (Questionnaire.Kind.ENTRY, Questionnaire.Kind.EXIT)
NO_FORM = 0


@dataclass
class GrowthRow:
    """Entry, exit and the change per dimension for one school and form (or a district total)."""

    organisation: object | None
    form: str
    cells: dict  # dimension → {"entry", "exit", "change", "paired"}
    people: dict  # kind → how many people answered
    is_total: bool = False

    @property
    def name(self) -> str:
        return self.organisation.short_name if self.organisation is not None else ""

    @property
    def ordered(self) -> list[dict]:
        """The cells in the order of the dimensions (the table's columns)."""
        return [self.cells[dimension] for dimension in DIMENSIONS]


@dataclass
class Growth:
    year: AcademicYear
    rows: list[GrowthRow]  # school × form
    by_form: list[GrowthRow]  # the district, per form
    total: GrowthRow | None
    dimensions: list = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.rows


class _Acc:
    """Sums of answers per dimension and kind, and per person for the change."""

    def __init__(self):
        self.answers = defaultdict(lambda: defaultdict(lambda: [0.0, 0]))
        self.personal = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: [0.0, 0])))
        self.people = defaultdict(set)

    def add(self, dimension, kind, participant, value, n):
        cell = self.answers[dimension][kind]
        cell[0] += value
        cell[1] += n
        if participant is not None:
            mine = self.personal[dimension][participant][kind]
            mine[0] += value
            mine[1] += n
            self.people[kind].add(participant)

    def cells(self) -> dict:
        result = {}
        for dimension in DIMENSIONS:
            kinds = self.answers.get(dimension, {})
            changes = [people[Questionnaire.Kind.EXIT][0] / people[Questionnaire.Kind.EXIT][1]
                       - people[Questionnaire.Kind.ENTRY][0] / people[Questionnaire.Kind.ENTRY][1]
                       for people in self.personal.get(dimension, {}).values()
                       if Questionnaire.Kind.ENTRY in people and Questionnaire.Kind.EXIT in people]
            result[dimension] = {
                "entry": round(kinds[Questionnaire.Kind.ENTRY][0] / kinds[Questionnaire.Kind.ENTRY][1], 2)
                if Questionnaire.Kind.ENTRY in kinds else None,
                "exit": round(kinds[Questionnaire.Kind.EXIT][0] / kinds[Questionnaire.Kind.EXIT][1], 2)
                if Questionnaire.Kind.EXIT in kinds else None,
                "change": round(sum(changes) / len(changes), 2) if changes else None,
                "paired": len(changes),
            }
        return result

    def counts(self) -> dict:
        return {kind: len(self.people.get(kind, ())) for kind in KINDS}


def by_school_and_form(organisations, year: AcademicYear) -> Growth:
    """Growth of ``organisations`` (a list, with ``short_name``) in the year: two queries (the answers, the
    forms they name)."""
    organisations = {o.pk: o for o in organisations}
    period = figures.Period.whole(year)
    rows = (Answer.objects.filter(response__organisation_id__in=list(organisations),
                                  response__submitted_at__isnull=False,
                                  response__submitted_at__date__range=(period.starts_on, period.ends_on),
                                  response__questionnaire__kind__in=KINDS,
                                  question__type__in=tuple(figures.SCALES), number__isnull=False)
            .exclude(question__dimension="")
            .annotate(form_id=Coalesce("response__pair__programme__form_id",
                                       "response__membership__pair__programme__form_id",
                                       "response__questionnaire__form_id"))
            .values("response__organisation_id", "form_id", "question__dimension", "response__questionnaire__kind",
                    "question__type", "response__participant_id")
            .annotate(avg=Avg("number"), n=Count("pk")).order_by())
    groups: dict = defaultdict(_Acc)
    for row in rows:
        value = figures.on_five_point_scale(row["avg"], figures.SCALES[row["question__type"]]) * row["n"]
        form = row["form_id"] or NO_FORM
        args = (row["question__dimension"], row["response__questionnaire__kind"], row["response__participant_id"],
                value, row["n"])
        for key in (("row", row["response__organisation_id"], form), ("form", form), ("all",)):
            groups[key].add(*args)
    forms = {form.pk: form for form in MentoringForm.objects.filter(
        pk__in={key[-1] for key in groups if key[0] == "form"})}

    def label(form_id) -> str:
        return forms[form_id].name if form_id in forms else gettext("форма не указана")

    def form_order(form_id):
        form = forms.get(form_id)
        return (form is None, form.position if form else 0, label(form_id))

    school_keys = sorted((key for key in groups if key[0] == "row"),
                         key=lambda key: (organisations[key[1]].short_name.lower(), key[1], form_order(key[2])))
    form_keys = sorted((key for key in groups if key[0] == "form"), key=lambda key: form_order(key[1]))
    total = groups.get(("all",))
    return Growth(
        year=year,
        rows=[GrowthRow(organisations[key[1]], label(key[2]), groups[key].cells(), groups[key].counts())
              for key in school_keys],
        by_form=[GrowthRow(None, label(key[1]), groups[key].cells(), groups[key].counts(), is_total=True)
                 for key in form_keys],
        total=GrowthRow(None, "", total.cells(), total.counts(), is_total=True) if total else None,
        dimensions=[(key, Question.Dimension(key).label) for key in DIMENSIONS],
    )
