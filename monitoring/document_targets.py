"""The municipality's coverage targets of a year as the Положение о наставничестве quotes them:
registered as the document source «targets» (registry.document_sources), since mentoring may not
import monitoring."""

from __future__ import annotations

from decimal import Decimal

from monitoring.models import CoverageTarget


def percent_words(value) -> str:
    """12.5 → «12,5», 10.0 → «10»: a percentage as a Russian text writes it."""
    number = Decimal(value).normalize()
    text = f"{number:f}"
    return text.replace(".", ",")


def targets_source(organisation, academic_year) -> dict | None:
    target = CoverageTarget.objects.filter(municipality_id=organisation.municipality_id,
                                           academic_year=academic_year).first()
    if target is None:
        return None
    aged = target.student_base == CoverageTarget.StudentBase.AGED_10_PLUS
    return {
        "students_percent": percent_words(target.students_percent),
        # The Положение's sentence: «не менее 10 % обучающихся (в возрасте от 10 лет)».
        "students_aged_10_plus": aged,
        "teachers_percent": percent_words(target.teachers_percent),
        "plans_percent": target.plans_percent,
        "consents_percent": target.consents_percent,
    }
