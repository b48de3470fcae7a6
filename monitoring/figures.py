"""The figures of monitoring, computed from the data for any number of organisations at once.

Each function runs a fixed number of grouped queries whatever the number of organisations (and of
municipalities), so the school report, the district report and the dashboards share the same code
and the same speed. Figures are plain JSON-ready dicts: an accepted report freezes them as they were.

What counts, in a period (a half of the academic year, or the whole year):

- pairs and people: pairs of the year's programmes that began by the end of the period; a mentor or
  a mentee counts once they had joined by then. Proposed and rejected pairs cover nobody. Coverage
  is cumulative over the year up to the end of the period.
- coverage of students: over all students, or over those aged 10 and over (the federal 70% of
  students aged 10–18) — then only covered students aged 10 and over on 1 September count.
- meetings and satisfaction questionnaires: inside the period; growth questionnaires (entry and
  exit): from the start of the year to the end of the period.
- answers on a 10-point scale are mapped onto the 5-point one linearly, ends onto ends (1 → 1, 10 → 5).
- growth: the average entry and exit scores per dimension, and the change averaged over the people
  who answered both (each person compared with themselves).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone

from mentoring.models import Membership, Pair, PlanItem
from mentoring.plan_target import DEFAULT_PLAN_TARGET_PERCENT
from monitoring.models import Answer, CoverageTarget, Question, Questionnaire
from monitoring.pair_people import MIN_AGE, WORKED, people_in_pairs  # noqa: F401 (MIN_AGE: read by others as figures.MIN_AGE)
from monitoring.year_rows import YearRows, started_by, year_rows
from registry.models import AcademicYear, ConsentState, OrganisationHeadcount, Participant

STUDENT = Participant.Category.STUDENT
TEACHERS = (Participant.Category.TEACHER, Participant.Category.YOUNG_SPECIALIST)
DEFAULT_TARGET = {"students_percent": 10.0, "teachers_percent": 15.0, "student_base": "all", "plans_percent": DEFAULT_PLAN_TARGET_PERCENT,
                  "consents_percent": 100}
AGED_10_PLUS = "aged_10_plus"
SCALES = {Question.Type.SCALE_5: 5, Question.Type.SCALE_10: 10}


@dataclass(frozen=True)
class Period:
    """The stretch a report covers: the first half (September–December), the second (January–August)
    or the whole year."""

    starts_on: datetime.date
    ends_on: datetime.date

    @classmethod
    def half(cls, year: AcademicYear, half: int) -> Period:
        if half == 1:
            return cls(year.starts_on, datetime.date(year.start_year, 12, 31))
        return cls(datetime.date(year.start_year + 1, 1, 1), year.ends_on)

    @classmethod
    def whole(cls, year: AcademicYear) -> Period:
        return cls(year.starts_on, year.ends_on)


def percent(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def on_five_point_scale(value: float, scale: int) -> float:
    """An answer (or an average of answers) on a 1…``scale`` scale, on the 1…5 scale: 1 → 1, scale → 5."""
    return 1 + (value - 1) * 4 / (scale - 1)


def target_dict(target: CoverageTarget | None) -> dict:
    if target is None:
        return dict(DEFAULT_TARGET)
    return {"students_percent": float(target.students_percent), "teachers_percent": float(target.teachers_percent),
            "student_base": target.student_base, "plans_percent": target.plans_percent,
            "consents_percent": target.consents_percent}


def target_for(municipality_id: int, year: AcademicYear) -> dict:
    return target_dict(CoverageTarget.objects.filter(municipality_id=municipality_id, academic_year=year).first())


def targets_for(municipality_ids, year: AcademicYear) -> dict[int, dict]:
    """The targets of several municipalities in one query; the defaults where none is set."""
    ids = set(municipality_ids)
    found = {t.municipality_id: t for t in CoverageTarget.objects.filter(municipality_id__in=ids, academic_year=year)}
    return {pk: target_dict(found.get(pk)) for pk in ids}


_started_by = started_by  # pairs (through a prefix) that began by a day


def compute(organisations, year: AcademicYear, *, period: Period | None = None,
            today: datetime.date | None = None, rows: YearRows | None = None,
            people: dict[int, dict] | None = None) -> dict[int, dict]:
    """Figures for each organisation (id → dict), in a fixed number of queries.

    ``today`` is the day consents are checked on (a consent counts if it is valid that day). ``rows``: the
    participants, pairs and meetings already counted for the same organisations, period and day
    (``monitoring.year_rows``, shared with the district's list numbers), or ``None`` to count them here.
    ``people``: ``monitoring.pair_people.people_in_pairs`` of the same, likewise.
    """
    today = today or timezone.localdate()
    period = period or Period.whole(year)
    organisations = list(organisations)
    ids = [o.pk for o in organisations]
    if people is None:
        people = people_in_pairs(ids, year, period.ends_on)

    if rows is None:
        rows = year_rows(ids, year, period.starts_on, period.ends_on, today)
    # (n, with a valid consent) per category of current participants.
    registry_rows = {org: {category: (row["total"], row[ConsentState.VALID]) for category, row in by_category.items()}
                     for org, by_category in rows.participants.items()}
    headcounts = {h.organisation_id: h for h in OrganisationHeadcount.objects.filter(organisation_id__in=ids,
                                                                                     academic_year=year)}
    pair_counts = defaultdict(Counter)
    for org, listed in rows.pairs.items():
        for _form, status, _n, begun in listed:
            pair_counts[org][status] += begun
    # Groups: pairs with more than one current mentee, counted from the memberships (grouping the
    # pairs' own rows with a join to them is ten times slower on a district).
    groups = Counter(
        Membership.objects.filter(Q(left_on__isnull=True, pair__programme__organisation_id__in=ids,
                                    pair__programme__academic_year=year, pair__status__in=WORKED)
                                  & _started_by("pair__", period.ends_on))
        .order_by().values("pair_id").annotate(size=Count("pk")).filter(size__gt=1)
        .values_list("pair__programme__organisation_id", flat=True)
    )
    meetings = {org: held for org, (_n, held) in rows.meetings.items()}

    plans = defaultdict(list)
    for org, _membership, total, done in (
        PlanItem.objects.filter(Q(membership__pair__programme__organisation_id__in=ids,
                                  membership__pair__programme__academic_year=year,
                                  membership__pair__status__in=WORKED,
                                  membership__joined_on__lte=period.ends_on)
                                & _started_by("membership__pair__", period.ends_on))
        .exclude(status=PlanItem.Status.CANCELLED)
        .values_list("membership__pair__programme__organisation_id", "membership_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=PlanItem.Status.DONE)))
    ):
        plans[org].append(100 * done / total)

    scale_answers = Answer.objects.filter(response__organisation_id__in=ids, response__submitted_at__isnull=False,
                                          question__type__in=tuple(SCALES), number__isnull=False)

    # Satisfaction (inside the period) and growth (from the start of the year, per dimension and person) in
    # one query: integer sums and counts by organisation, kind, scale, dimension and person, averaged here.
    answered = (Q(response__submitted_at__date__range=(period.starts_on, period.ends_on),
                  response__questionnaire__kind__in=Questionnaire.SATISFACTION_KINDS)
                | (Q(response__submitted_at__date__range=(year.starts_on, period.ends_on),
                     response__questionnaire__kind__in=Questionnaire.GROWTH_KINDS) & ~Q(question__dimension="")))
    satisfied = defaultdict(lambda: defaultdict(lambda: [0, 0]))  # org → (kind, scale) → [sum, n]
    # org → dimension → kind → [sum, n] over all answers; and the same per participant, for the change.
    growth = defaultdict(dict)
    personal = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: [0.0, 0]))))
    for org, kind, question_type, dimension, participant, summed, n in (
        scale_answers.filter(answered)
        .values("response__organisation_id", "response__questionnaire__kind", "question__type", "question__dimension",
                "response__participant_id")
        .annotate(summed=Sum("number"), n=Count("pk"))
        .values_list("response__organisation_id", "response__questionnaire__kind", "question__type",
                     "question__dimension", "response__participant_id", "summed", "n")
    ):
        if kind in Questionnaire.SATISFACTION_KINDS:
            acc = satisfied[org][kind, SCALES[question_type]]
            acc[0] += summed
            acc[1] += n
            continue
        value = on_five_point_scale(summed / n, SCALES[question_type]) * n
        acc = growth[org].setdefault(dimension, {}).setdefault(kind, [0.0, 0])
        acc[0] += value
        acc[1] += n
        if participant is not None:
            mine = personal[org][dimension][participant][kind]
            mine[0] += value
            mine[1] += n
    satisfaction = defaultdict(dict)
    for org, by_kind in satisfied.items():
        for (kind, scale), (summed, n) in by_kind.items():
            acc = satisfaction[org].setdefault(kind, [0.0, 0])
            acc[0] += on_five_point_scale(summed / n, scale) * n
            acc[1] += n

    targets = targets_for({o.municipality_id for o in organisations}, year)
    result = {}
    for organisation in organisations:
        org = organisation.pk
        target = targets[organisation.municipality_id]
        in_pairs = people[org]
        by_category = in_pairs["category"]
        covered = sum(by_category.values())
        students_all = by_category.get(STUDENT, 0)
        students = in_pairs["students_aged"] if target["student_base"] == AGED_10_PLUS else students_all
        teachers = sum(by_category.get(category, 0) for category in TEACHERS)
        headcount = headcounts.get(org)
        student_base = 0
        if headcount:
            student_base = (headcount.students_aged_10_plus if target["student_base"] == AGED_10_PLUS
                            else headcount.students_total)
        teacher_base = headcount.teachers_total if headcount else 0
        registry = registry_rows.get(org, {})
        participants_total = sum(n for n, _ in registry.values())
        consented = sum(c for _, c in registry.values())
        plan_values = plans.get(org, [])
        forms = sorted(set(in_pairs["mentor"]) | set(in_pairs["mentee"]))
        statuses = pair_counts[org]
        result[org] = {
            "organisation": organisation.short_name,
            "period": [period.starts_on.isoformat(), period.ends_on.isoformat()],
            "computed_on": today.isoformat(),
            "registry": {category: n for category, (n, _c) in registry.items()},
            "participants_total": participants_total,
            "by_form": [{"form": form, "mentors": in_pairs["mentor"].get(form, 0),
                         "mentees": in_pairs["mentee"].get(form, 0)} for form in forms],
            "in_programme": covered,
            "in_programme_by_category": dict(by_category),
            "coverage": {
                "students": students, "students_all": students_all, "students_base": student_base,
                "students_percent": percent(students, student_base),
                "students_target": target["students_percent"], "student_base_kind": target["student_base"],
                "teachers": teachers, "teachers_base": teacher_base,
                "teachers_percent": percent(teachers, teacher_base), "teachers_target": target["teachers_percent"],
                "has_headcount": headcount is not None,
            },
            "pairs": {
                "forming": statuses.get(Pair.Status.FORMING, 0), "active": statuses.get(Pair.Status.ACTIVE, 0),
                "completed": statuses.get(Pair.Status.COMPLETED, 0),
                "ended_early": statuses.get(Pair.Status.ENDED_EARLY, 0),
                "proposed": statuses.get(Pair.Status.PROPOSED, 0), "groups": groups.get(org, 0),
                "suspended": statuses.get(Pair.Status.SUSPENDED, 0),
            },
            "meetings": meetings.get(org, 0),
            "plans": {
                "count": len(plan_values),
                "average_percent": round(sum(plan_values) / len(plan_values), 1) if plan_values else None,
                "on_target": sum(1 for v in plan_values if v >= target["plans_percent"]),
                "target": target["plans_percent"],
            },
            "consents": {"with_consent": consented, "total": participants_total,
                         "percent": percent(consented, participants_total), "target": target["consents_percent"]},
            "satisfaction": {kind: round(total / n, 2) for kind, (total, n) in satisfaction.get(org, {}).items()},
            "growth": {
                dimension: {
                    "entry": round(values["entry"][0] / values["entry"][1], 2) if "entry" in values else None,
                    "exit": round(values["exit"][0] / values["exit"][1], 2) if "exit" in values else None,
                }
                for dimension, values in growth.get(org, {}).items()
            },
        }
        for dimension, cell in result[org]["growth"].items():
            changes = [kinds["exit"][0] / kinds["exit"][1] - kinds["entry"][0] / kinds["entry"][1]
                       for kinds in personal[org][dimension].values() if "entry" in kinds and "exit" in kinds]
            cell["paired"] = len(changes)
            if changes:
                cell["change"] = round(sum(changes) / len(changes), 2)
        coverage = result[org]["coverage"]
        coverage["students_on_target"] = (coverage["students_percent"] is not None
                                          and coverage["students_percent"] >= coverage["students_target"])
        coverage["teachers_on_target"] = (coverage["teachers_percent"] is not None
                                          and coverage["teachers_percent"] >= coverage["teachers_target"])
        plans_row, consents_row = result[org]["plans"], result[org]["consents"]
        plans_row["on_target_average"] = (plans_row["average_percent"] is not None
                                          and plans_row["average_percent"] >= plans_row["target"])
        consents_row["on_target"] = (consents_row["percent"] is not None
                                     and consents_row["percent"] >= consents_row["target"])
    return result


def _sum_dicts(dicts) -> dict:
    summed: Counter = Counter()
    for item in dicts:
        summed.update(item)
    return dict(summed)


def _same(values):
    values = set(values)
    return values.pop() if len(values) == 1 else None


def total(figures: dict[int, dict]) -> dict:
    """The district's sums over organisations' figures (percentages recomputed from the sums).

    Coverage is summed over the organisations whose head count is known: covered people of an
    organisation without one would raise the share over a base that does not include them. The
    targets are carried over when every organisation has the same.
    """
    rows = list(figures.values())
    summed = {"organisations": len(rows), "participants_total": sum(r["participants_total"] for r in rows),
              "in_programme": sum(r["in_programme"] for r in rows), "meetings": sum(r["meetings"] for r in rows)}
    summed["registry"] = _sum_dicts(r.get("registry", {}) for r in rows)
    summed["in_programme_by_category"] = _sum_dicts(r.get("in_programme_by_category", {}) for r in rows)
    # .get: reports frozen before suspension existed have no "suspended" key.
    summed["pairs"] = {key: sum(r["pairs"].get(key, 0) for r in rows) for key in
                       ("forming", "active", "suspended", "completed", "ended_early", "proposed", "groups")}
    coverage = {"students": sum(r["coverage"]["students"] for r in rows if r["coverage"]["students_base"]),
                "students_base": sum(r["coverage"]["students_base"] for r in rows),
                "teachers": sum(r["coverage"]["teachers"] for r in rows if r["coverage"]["teachers_base"]),
                "teachers_base": sum(r["coverage"]["teachers_base"] for r in rows),
                "without_headcount": sum(1 for r in rows if not r["coverage"]["students_base"]
                                         and not r["coverage"]["teachers_base"])}
    coverage["students_percent"] = percent(coverage["students"], coverage["students_base"])
    coverage["teachers_percent"] = percent(coverage["teachers"], coverage["teachers_base"])
    for who in ("students", "teachers"):
        target = _same(r["coverage"][f"{who}_target"] for r in rows)
        coverage[f"{who}_target"] = target
        coverage[f"{who}_on_target"] = (target is not None and coverage[f"{who}_percent"] is not None
                                        and coverage[f"{who}_percent"] >= target)
    coverage["student_base_kind"] = _same(r["coverage"]["student_base_kind"] for r in rows)
    summed["coverage"] = coverage
    consents = {"with_consent": sum(r["consents"]["with_consent"] for r in rows),
                "total": sum(r["consents"]["total"] for r in rows),
                "target": _same(r["consents"]["target"] for r in rows)}
    consents["percent"] = percent(consents["with_consent"], consents["total"])
    consents["on_target"] = (consents["target"] is not None and consents["percent"] is not None
                             and consents["percent"] >= consents["target"])
    summed["consents"] = consents
    plan_count = sum(r["plans"]["count"] for r in rows)
    plan_sum = sum(r["plans"]["average_percent"] * r["plans"]["count"] for r in rows if r["plans"]["count"])
    plans = {"count": plan_count, "on_target": sum(r["plans"]["on_target"] for r in rows),
             "average_percent": round(plan_sum / plan_count, 1) if plan_count else None,
             "target": _same(r["plans"]["target"] for r in rows)}
    plans["on_target_average"] = (plans["target"] is not None and plans["average_percent"] is not None
                                  and plans["average_percent"] >= plans["target"])
    summed["plans"] = plans
    forms: dict[str, dict] = {}
    for row in rows:
        for entry in row["by_form"]:
            cell = forms.setdefault(entry["form"], {"form": entry["form"], "mentors": 0, "mentees": 0})
            cell["mentors"] += entry["mentors"]
            cell["mentees"] += entry["mentees"]
    summed["by_form"] = sorted(forms.values(), key=lambda cell: cell["form"])
    return summed
