"""Non-breaking spaces where a Russian typist puts them: one rule for every printed document.

Orders and the Положение (mentoring) and the consent blanks (registry) all tie «№ 1», «10 декабря»,
«п. Новый», initials and the surname with them, so a line never ends in «№», «10» or «п.» and a name is
never torn from its initials. It lives in registry because registry imports no other app.
"""

from __future__ import annotations

import re

from registry.grammar import MONTHS_GENITIVE

NBSP = "\u00a0"
_MONTHS = "|".join(MONTHS_GENITIVE)
_TIES = [
    (re.compile(r"№ (?=\S)"), "№" + NBSP),                     # «№ 1» never split at the line's end
    (re.compile(rf"(\d) (?=(?:{_MONTHS})\b)"), r"\1" + NBSP),  # «10 декабря»
    (re.compile(r"(\d) (?=%)"), r"\1" + NBSP),                  # «10 %»
    (re.compile(r"\b([пгс]\.|ст\.|пос\.|ул\.) (?=[А-ЯЁ])"), r"\1" + NBSP),  # «п. Красная Горбатка», «ул. Мира»
    (re.compile(r"\b(пп?\.|ч\.|ст\.|д\.) (?=\d)"), r"\1" + NBSP),  # «п. 3», «ч. 4», «ст. 21», «д. 1»
    (re.compile(r"([А-ЯЁ]\.) (?=[А-ЯЁ]\.)"), r"\1" + NBSP),     # initials «Е. В.»
    (re.compile(rf"([а-яё]) (?=[А-ЯЁ]\.{NBSP}[А-ЯЁ]\.)"), r"\1" + NBSP),  # the surname with them «Зуева А. В.»
]


def tie(text: str) -> str:
    """``text`` with its non-breaking spaces put in (the rules above)."""
    for pattern, replacement in _TIES:
        text = pattern.sub(replacement, text)
    return text
