"""«Об утверждении наставнических пар/групп» (seed 003, stage «Закрепление наставнических пар / групп»:
«Издание приказа „Об утверждении наставнических пар/групп“»; seed 002: «создание приказа по организации о
закреплении наставнических пар/группы»). Signing it starts the forming pairs it lists (mentoring.orders).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mentoring.order_texts import (
    _acquaint_mentors,
    _appendix,
    _mentees_cell,
    _mentor_cell,
    _numbered,
    _order_pairs,
    _point,
    _programme_words,
    _table,
)
from mentoring.wording import term

VALUE = "pairs"
LABEL = _("Об утверждении наставнических пар/групп")
POSITION = 20
LISTS_PAIRS = True

PURPOSE = (
    "в целях реализации программы наставничества, по итогам анкетирования участников и подбора "
    "наставников и наставляемых"
)


def points(text):
    pairs = _order_pairs(text.order)
    year = text.year
    rows = [[_mentor_cell(p), _mentees_cell(p), str(p.programme.form), term(p.started_on, p.planned_end_on)]
            for p in pairs]
    result = [
        _point(f"Утвердить наставнические пары/группы{_programme_words(text.order)} на {year} учебный год "
               "(приложение № 1)."),
        _point("Наставникам совместно с наставляемыми в течение двух недель составить индивидуальные планы "
               "развития наставляемых и организовать работу наставнических пар/групп в соответствии с ними."),
        _point(f"{text.curator_to()} обеспечить организационное и методическое сопровождение "
               "работы наставнических пар/групп и учёт проведённых встреч."),
    ]
    _acquaint_mentors(text, pairs)
    appendices = [_appendix(1, f"Наставнические пары/группы на {year} учебный год", _table(
        ["№ п/п", "Наставник (ФИО, должность или класс)", "Наставляемый(е) (ФИО, класс)",
         "Форма наставничества", "Срок"],
        _numbered(rows), "Пары не выбраны.", ["8%", "28%", "28%", "16%", "20%"],
    ))]
    return result, appendices
