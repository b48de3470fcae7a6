"""The individual-plan target: how far a mentee's plan is to be carried out (seed 002: «не менее чем на
90 %»). A municipality sets its own figure for the year with its coverage targets (monitoring's
``CoverageTarget``), so every page and document that prints the target asks this one function; mentoring
may not import monitoring, so it reads the figure through the «targets» document source."""

from __future__ import annotations

from registry.document_sources import document_source

#: Seed 002, where the municipality has set nothing for the year.
DEFAULT_PLAN_TARGET_PERCENT = 90


def plan_target_percent(organisation, academic_year) -> int:
    """The target of the organisation's municipality in ``academic_year``."""
    if organisation is None or academic_year is None:
        return DEFAULT_PLAN_TARGET_PERCENT
    targets = document_source("targets", organisation, academic_year)
    if not targets or targets.get("plans_percent") is None:
        return DEFAULT_PLAN_TARGET_PERCENT
    return int(targets["plans_percent"])
