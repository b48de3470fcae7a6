"""The figures of monitoring, computed from the data for any number of organisations at once.

Each function runs a fixed number of grouped queries whatever the number of organisations, so the
school report, the district report and the dashboards share the same code and the same speed.
Figures are plain JSON-ready dicts: an accepted report freezes them as they were.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.utils import timezone

from mentoring.models import Meeting, Membership, MentorLink, Pair, PlanItem
from monitoring.models import Answer, CoverageTarget, Question, Questionnaire
from registry.models import AcademicYear, Consent, OrganisationHeadcount, Participant

WORKED = (Pair.Status.FORMING, Pair.Status.ACTIVE, Pair.Status.COMPLETED, Pair.Status.ENDED_EARLY)
STUDENT = Participant.Category.STUDENT
TEACHERS = (Participant.Category.TEACHER, Participant.Category.YOUNG_SPECIALIST)
DEFAULT_TARGET = {"students_percent": 10.0, "teachers_percent": 15.0, "student_base": "all", "plans_percent": 90,
                  "consents_percent": 100}


@dataclass(frozen=True)
class Period:
    """The stretch a report covers: the first half (September–December) or the whole year to date."""

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


def target_for(municipality_id: int, year: AcademicYear) -> dict:
    target = CoverageTarget.objects.filter(municipality_id=municipality_id, academic_year=year).first()
    if target is None:
        return dict(DEFAULT_TARGET)
    return {"students_percent": float(target.students_percent), "teachers_percent": float(target.teachers_percent),
            "student_base": target.student_base, "plans_percent": target.plans_percent,
            "consents_percent": target.consents_percent}


def _people_in_pairs(organisation_ids, year) -> dict[int, dict[str, set[int]]]:
    """Per organisation: the participants (ids) who mentored or were mentored this year, by form and role."""
    result: dict[int, dict] = defaultdict(lambda: {"mentor": defaultdict(set), "mentee": defaultdict(set),
                                                    "category": {}})
    pairs = Q(pair__programme__organisation_id__in=organisation_ids, pair__programme__academic_year=year,
              pair__status__in=WORKED)
    for org, form, person, category in MentorLink.objects.filter(pairs).values_list(
        "pair__programme__organisation_id", "pair__programme__form__name", "mentor__participant_id",
        "mentor__participant__category",
    ):
        result[org]["mentor"][form].add(person)
        result[org]["category"][person] = category
    for org, form, person, category in Membership.objects.filter(pairs).values_list(
        "pair__programme__organisation_id", "pair__programme__form__name", "mentee__participant_id",
        "mentee__participant__category",
    ):
        result[org]["mentee"][form].add(person)
        result[org]["category"][person] = category
    return result


def compute(organisations, year: AcademicYear, *, period: Period | None = None,
            today: datetime.date | None = None) -> dict[int, dict]:
    """Figures for each organisation (id → dict), in a fixed number of queries."""
    today = today or timezone.localdate()
    period = period or Period.whole(year)
    organisations = list(organisations)
    ids = [o.pk for o in organisations]
    people = _people_in_pairs(ids, year)

    registry_rows = defaultdict(dict)
    valid = Exists(Consent.objects.valid_on(today).filter(participant=OuterRef("pk"),
                                                          purpose=Consent.Purpose.MENTORING))
    for row in (Participant.objects.filter(organisation_id__in=ids, is_archived=False)
                .values("organisation_id", "category")
                .annotate(n=Count("pk"), consented=Count("pk", filter=Q(valid)))):
        registry_rows[row["organisation_id"]][row["category"]] = (row["n"], row["consented"])

    headcounts = {h.organisation_id: h for h in OrganisationHeadcount.objects.filter(organisation_id__in=ids,
                                                                                     academic_year=year)}
    pair_counts = defaultdict(dict)
    for row in (Pair.objects.filter(programme__organisation_id__in=ids, programme__academic_year=year)
                .values("programme__organisation_id", "status").annotate(n=Count("pk"))):
        pair_counts[row["programme__organisation_id"]][row["status"]] = row["n"]
    groups = Counter(Pair.objects.filter(programme__organisation_id__in=ids, programme__academic_year=year,
                                         status__in=WORKED)
                     .annotate(size=Count("memberships", filter=Q(memberships__left_on__isnull=True)))
                     .filter(size__gt=1).values_list("programme__organisation_id", flat=True))
    meetings = dict(Meeting.objects.filter(programme__organisation_id__in=ids, programme__academic_year=year,
                                           held_on__range=(period.starts_on, period.ends_on))
                    .values("programme__organisation_id").annotate(n=Count("pk"))
                    .values_list("programme__organisation_id", "n"))

    plans = defaultdict(list)
    for org, membership, total, done in (
        PlanItem.objects.filter(membership__pair__programme__organisation_id__in=ids,
                                membership__pair__programme__academic_year=year,
                                membership__pair__status__in=WORKED)
        .exclude(status=PlanItem.Status.CANCELLED)
        .values_list("membership__pair__programme__organisation_id", "membership_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=PlanItem.Status.DONE)))
    ):
        plans[org].append(100 * done / total)

    satisfaction = defaultdict(dict)
    for row in (Answer.objects.filter(response__organisation_id__in=ids, response__submitted_at__isnull=False,
                                      response__submitted_at__date__range=(period.starts_on, period.ends_on),
                                      response__questionnaire__kind__in=Questionnaire.SATISFACTION_KINDS,
                                      question__type__in=(Question.Type.SCALE_5, Question.Type.SCALE_10),
                                      number__isnull=False)
                .values("response__organisation_id", "response__questionnaire__kind", "question__type")
                .annotate(avg=Avg("number"), n=Count("pk"))):
        scale = 5 if row["question__type"] == Question.Type.SCALE_5 else 10
        kind = satisfaction[row["response__organisation_id"]].setdefault(row["response__questionnaire__kind"],
                                                                          [0.0, 0])
        kind[0] += row["avg"] * 5 / scale * row["n"]
        kind[1] += row["n"]

    growth = defaultdict(dict)
    for row in (Answer.objects.filter(response__organisation_id__in=ids, response__submitted_at__isnull=False,
                                      response__questionnaire__kind__in=Questionnaire.GROWTH_KINDS,
                                      question__type__in=(Question.Type.SCALE_5, Question.Type.SCALE_10),
                                      number__isnull=False, response__created_at__date__gte=year.starts_on,
                                      response__created_at__date__lte=year.ends_on)
                .exclude(question__dimension="")
                .values("response__organisation_id", "response__questionnaire__kind", "question__dimension",
                        "question__type")
                .annotate(avg=Avg("number"), n=Count("pk"))):
        scale = 5 if row["question__type"] == Question.Type.SCALE_5 else 10
        cell = growth[row["response__organisation_id"]].setdefault(row["question__dimension"], {})
        acc = cell.setdefault(row["response__questionnaire__kind"], [0.0, 0])
        acc[0] += row["avg"] * 5 / scale * row["n"]
        acc[1] += row["n"]

    targets: dict[int, dict] = {}
    result = {}
    for organisation in organisations:
        org = organisation.pk
        if organisation.municipality_id not in targets:
            targets[organisation.municipality_id] = target_for(organisation.municipality_id, year)
        target = targets[organisation.municipality_id]
        in_pairs = people[org]
        covered = set().union(*in_pairs["mentor"].values(), *in_pairs["mentee"].values()) if (
            in_pairs["mentor"] or in_pairs["mentee"]) else set()
        students = sum(1 for p in covered if in_pairs["category"].get(p) == STUDENT)
        teachers = sum(1 for p in covered if in_pairs["category"].get(p) in TEACHERS)
        headcount = headcounts.get(org)
        student_base = 0
        if headcount:
            student_base = (headcount.students_aged_10_plus if target["student_base"] == "aged_10_plus"
                            else headcount.students_total)
        teacher_base = headcount.teachers_total if headcount else 0
        registry = registry_rows[org]
        participants_total = sum(n for n, _ in registry.values())
        consented = sum(c for _, c in registry.values())
        plan_values = plans.get(org, [])
        forms = sorted(set(in_pairs["mentor"]) | set(in_pairs["mentee"]))
        statuses = pair_counts[org]
        result[org] = {
            "organisation": organisation.short_name,
            "period": [period.starts_on.isoformat(), period.ends_on.isoformat()],
            "registry": {category: n for category, (n, _c) in registry.items()},
            "participants_total": participants_total,
            "by_form": [{"form": form, "mentors": len(in_pairs["mentor"].get(form, ())),
                         "mentees": len(in_pairs["mentee"].get(form, ()))} for form in forms],
            "in_programme": len(covered),
            "coverage": {
                "students": students, "students_base": student_base,
                "students_percent": percent(students, student_base),
                "students_target": target["students_percent"], "student_base_kind": target["student_base"],
                "teachers": teachers, "teachers_base": teacher_base,
                "teachers_percent": percent(teachers, teacher_base), "teachers_target": target["teachers_percent"],
            },
            "pairs": {
                "forming": statuses.get(Pair.Status.FORMING, 0), "active": statuses.get(Pair.Status.ACTIVE, 0),
                "completed": statuses.get(Pair.Status.COMPLETED, 0),
                "ended_early": statuses.get(Pair.Status.ENDED_EARLY, 0),
                "proposed": statuses.get(Pair.Status.PROPOSED, 0), "groups": groups.get(org, 0),
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
        for dimension in result[org]["growth"].values():
            if dimension["entry"] is not None and dimension["exit"] is not None:
                dimension["change"] = round(dimension["exit"] - dimension["entry"], 2)
        coverage = result[org]["coverage"]
        coverage["students_on_target"] = (coverage["students_percent"] is not None
                                          and coverage["students_percent"] >= coverage["students_target"])
        coverage["teachers_on_target"] = (coverage["teachers_percent"] is not None
                                          and coverage["teachers_percent"] >= coverage["teachers_target"])
    return result


def total(figures: dict[int, dict]) -> dict:
    """The district's sums over organisations' figures (coverage recomputed from the sums)."""
    rows = list(figures.values())
    summed = {"organisations": len(rows), "participants_total": sum(r["participants_total"] for r in rows),
              "in_programme": sum(r["in_programme"] for r in rows), "meetings": sum(r["meetings"] for r in rows)}
    summed["pairs"] = {key: sum(r["pairs"][key] for r in rows) for key in
                       ("forming", "active", "completed", "ended_early", "proposed", "groups")}
    coverage = {key: sum(r["coverage"][key] for r in rows) for key in
                ("students", "students_base", "teachers", "teachers_base")}
    coverage["students_percent"] = percent(coverage["students"], coverage["students_base"])
    coverage["teachers_percent"] = percent(coverage["teachers"], coverage["teachers_base"])
    summed["coverage"] = coverage
    consents = {"with_consent": sum(r["consents"]["with_consent"] for r in rows),
                "total": sum(r["consents"]["total"] for r in rows)}
    consents["percent"] = percent(consents["with_consent"], consents["total"])
    summed["consents"] = consents
    forms: dict[str, dict] = {}
    for row in rows:
        for entry in row["by_form"]:
            cell = forms.setdefault(entry["form"], {"form": entry["form"], "mentors": 0, "mentees": 0})
            cell["mentors"] += entry["mentors"]
            cell["mentees"] += entry["mentees"]
    summed["by_form"] = sorted(forms.values(), key=lambda cell: cell["form"])
    return summed

