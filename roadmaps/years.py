"""The roadmap's own years in a template's words, and the template's grif of approval.

A seed names the years it was written for («по внедрению ЦМН в 2022 году», «Задачи … на 2022-2023 учебный
год», «за 2021-2022 уч. год») and sometimes a wrong one (seed 003's «20213», the 2021 of seed 000's
2022 plan). A template says which year each one means, as ``{Y}`` (the plan's first year: the school
year's first, or the calendar year of a calendar plan), ``{Y+1}``, ``{Y-1}``…; ``render`` puts in the
roadmap's own. A four-digit year left literal in a template is the date of a legal act («распоряжение
… от 25.12.2019 № Р-145») and stays — except in a deadline's words, which keep the seed's years
(«Январь 2022 года») for ``DeadlineSpec.dated_for`` to rewrite from the dates themselves; a year it
cannot read there (seed 003's «20213») is a placeholder too, rendered first.

The grif (``approval:`` of a template) is lines: the right-hand block (УТВЕРЖДЕНО / УТВЕРЖДАЮ / Приложение
к приказу …) and, from a line «СОГЛАСОВАНО…» on, the left-hand one. ``{order}`` is the approving order
cited «от 02.09.2024 № 30-9 о/д» (the roadmap's order, never the seed's), ``{approved_by}`` who approved
(position and name), ``{date}`` the order's date as a signature date («02» сентября 2024 г.).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from registry import grammar
from roadmaps.deadlines import MONTHS_GENITIVE

PLACEHOLDER = re.compile(r"\{Y([+-]\d)?\}")
AGREED = "СОГЛАСОВАНО"


def render(text: str, first_year: int) -> str:
    """``text`` with ``{Y}``, ``{Y+1}``, ``{Y-1}``… as years counted from ``first_year``."""
    if "{" not in text:
        return text
    return PLACEHOLDER.sub(lambda match: str(first_year + int(match.group(1) or 0)), text)


def _signature_date(day) -> str:
    if day is None:
        return "«___» ____________ 20___ г."
    return f"«{day:%d}» {MONTHS_GENITIVE[day.month - 1]} {day.year} г."


def approval_blocks(roadmap) -> tuple[list[str], list[str]]:
    """(right, left): the template's grif filled with the roadmap's order and years; ([], []) if the
    template has none (the default stamp of ``roadmaps.exports.approval_lines`` is used then)."""
    template = roadmap.template
    text = (template.approval if template is not None else "").strip()
    if not text:
        return [], []
    values = {
        "order": grammar.reference(roadmap.order_date, roadmap.order_number) or "№ ____ от ________",
        "approved_by": roadmap.approved_by_name or "",
        "date": _signature_date(roadmap.order_date),
    }
    right: list[str] = []
    left: list[str] = []
    target = right
    for line in render(text, roadmap.plan_year).splitlines():
        if line.strip().upper().startswith(AGREED):
            target = left
        filled = line
        for key, value in values.items():
            filled = filled.replace("{" + key + "}", value)
        if filled.strip():
            target.append(filled.strip())
    if not right:
        right = [_("УТВЕРЖДЕНО")]
    return right, left
