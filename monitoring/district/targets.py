"""The targets a district report measures against, and its accepted reports grouped by the targets they
were frozen under.

Coverage targets live in ``monitoring.models.CoverageTarget``, one per municipality and academic year
(the municipal curator's «Целевые показатели» page); a year without one falls back on
``monitoring.figures.DEFAULT_TARGET``. An accepted report freezes its figures together with the targets
of that moment — coverage of students (over all students, or over those aged 10 and over) and of
teachers, plans, consents. A municipality that changes its targets during the year then has reports
frozen under different ones, and a district total over them would add shares of different bases and
compare them with a target nobody set. So the district report states the targets it uses, and when
accepted reports disagree it totals each group apart instead of mixing them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from monitoring import figures
from monitoring import reports as report_service
from monitoring.models import CoverageTarget
from registry.models import AcademicYear, Municipality


def _number(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.1f}".replace(".", ",")


@dataclass(frozen=True)
class TargetBase:
    """One set of targets: what a share of coverage is taken over, and the levels to reach."""

    students: float
    teachers: float
    student_base: str
    plans: float
    consents: float

    @classmethod
    def of_target(cls, target: dict) -> TargetBase:
        """From ``figures.target_for`` (a municipality's targets now)."""
        return cls(float(target["students_percent"]), float(target["teachers_percent"]), target["student_base"],
                   float(target["plans_percent"]), float(target["consents_percent"]))

    @classmethod
    def of_figures(cls, data: dict) -> TargetBase:
        """From a report's frozen figures: the targets it was accepted under."""
        coverage = data["coverage"]
        return cls(float(coverage["students_target"]), float(coverage["teachers_target"]),
                   coverage.get("student_base_kind") or figures.DEFAULT_TARGET["student_base"],
                   float(data["plans"]["target"]), float(data["consents"]["target"]))

    @property
    def student_base_label(self) -> str:
        return str(CoverageTarget.StudentBase(self.student_base).label)

    def describe(self) -> str:
        """«охват обучающихся не менее 10 % (от всех обучающихся), педагогов не менее 15 %, …»"""
        return _("охват обучающихся не менее %(students)s %% (%(base)s), педагогов не менее %(teachers)s %%; "
                 "выполнение индивидуальных планов не менее %(plans)s %%; согласия участников %(consents)s %%") % {
            "students": _number(self.students), "base": self.student_base_label,
            "teachers": _number(self.teachers), "plans": _number(self.plans), "consents": _number(self.consents)}


@dataclass
class TargetGroup:
    """The accepted reports frozen under one set of targets, and their totals."""

    base: TargetBase
    rows: list
    is_current: bool
    letter: str = ""
    totals: dict = field(default_factory=dict)
    presented: dict = field(default_factory=dict)

    @property
    def pairs_worked(self) -> int:
        return report_service.worked_pairs(self.totals["pairs"])


@dataclass
class Targets:
    """What the district report says of its targets."""

    current: TargetBase
    is_set: bool  # set by the municipality for the year, or the defaults
    groups: list[TargetGroup]

    @property
    def mixed(self) -> bool:
        """Accepted reports were frozen under more than one set of targets."""
        return len(self.groups) > 1

    @property
    def differ(self) -> bool:
        """Some accepted report was frozen under targets other than the current ones."""
        return any(not group.is_current for group in self.groups)



def for_report(municipality: Municipality, year: AcademicYear, summary) -> Targets:
    """The municipality's targets for the year (one query) and ``summary``'s accepted rows by the targets
    they were frozen under: the current ones first, then the others from the lowest students' target."""
    target = CoverageTarget.objects.filter(municipality=municipality, academic_year=year).first()
    current = TargetBase.of_target(figures.target_dict(target))
    by_base: dict[TargetBase, list] = {}
    for row in summary.accepted:
        by_base.setdefault(TargetBase.of_figures(row.figures), []).append(row)
    ordered = sorted(by_base, key=lambda base: (base != current, base.students, base.teachers, base.student_base,
                                                base.plans, base.consents))
    groups = []
    for index, base in enumerate(ordered):
        rows = by_base[base]
        totals = figures.total({row.pk: row.figures for row in rows})
        group = TargetGroup(base=base, rows=rows, is_current=base == current,
                            letter="АБВГДЕЖИКЛМН"[index] if index < 12 else str(index + 1),
                            totals=totals, presented=report_service.present_totals(totals))
        groups.append(group)
    letters = {id(row): group.letter for group in groups for row in group.rows}
    for row in summary.rows:
        row.target_group = letters.get(id(row), "")
    return Targets(current=current, is_set=target is not None, groups=groups)
