"""How mentoring documents write people, programmes and terms (orders, agreements, plans).

Tables and registers list people in the nominative («Иванова Анна Сергеевна, учитель математики»);
inside a sentence a name goes through registry.grammar in the case the sentence needs.
"""

from __future__ import annotations

import datetime

from mentoring.models import Programme
from registry import grammar
from registry.models import Participant, RoleAssignment


def short_date(day: datetime.date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def term(start: datetime.date | None, end: datetime.date | None) -> str:
    if start and end:
        return f"с {short_date(start)} по {short_date(end)}"
    if start:
        return f"с {short_date(start)}"
    if end:
        return f"по {short_date(end)}"
    return ""


def class_label(class_name: str) -> str:
    """«9А» → «9А класс»; a college group («СП-21») stays a group."""
    if not class_name:
        return ""
    return f"{class_name} класс" if class_name[0].isdigit() else f"группа {class_name}"


def position_or_class(person: Participant) -> str:
    """What follows a name in an order: the class of a student, the position of anybody else."""
    if person.category == Participant.Category.STUDENT and person.class_name:
        return class_label(person.class_name)
    return grammar.lower_first(person.position) or class_label(person.class_name)


def participant_line(person: Participant) -> str:
    """«Иванова Анна Сергеевна, учитель математики» or «Петров Пётр Иванович, 9А класс»."""
    detail = position_or_class(person)
    return f"{person.full_name}, {detail}" if detail else person.full_name


def programme_phrase(programme: Programme) -> str:
    """«программы наставничества «Шаг в профессию»» or «программы наставничества по форме «учитель – ученик»»."""
    title = programme.title.strip()
    if title.lower().startswith("программа"):
        # A title that already says what it is («Программа наставничества «…»») declines itself.
        return grammar.phrase_in(title, "gent", lower=True)
    if title:
        return f"программы наставничества «{title}»"
    return f"программы наставничества по форме «{programme.form}»"


def user_short_name(user, case: str = "nomn") -> str:
    """«Хохлова Е. В.» as orders write people («Хохловой Е. В.» in the dative)."""
    return grammar.person_in(user, case, "short") or user.username


def role_words(assignment: RoleAssignment, case: str) -> str:
    """«заместителя директора по УВР Лебедеву Е. В.»: the position, then the name, both in ``case``."""
    name = user_short_name(assignment.user, case)
    position = grammar.phrase_in(assignment.position, case, lower=True)
    return f"{position} {name}" if position else name
