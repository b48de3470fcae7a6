"""«О назначении наставников» (seed 004, stage «Отбор и обучение наставников», item 3: «Приказ о
назначении наставников»): the mentors of the chosen pairs with the mentees given to them.
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
from mentoring.wording import short_date

VALUE = "mentors"
LABEL = _("О назначении наставников")
POSITION = 40
LISTS_PAIRS = True

PURPOSE = "в целях организации наставнической деятельности и закрепления наставников за наставляемыми"


def points(text):
    pairs = _order_pairs(text.order)
    rows = []
    for pair in pairs:
        link = pair.current_mentor_link
        rows.append([_mentor_cell(pair), _mentees_cell(pair), str(pair.programme.form),
                     short_date(link.started_on if link else pair.started_on)])
    result = [
        _point(f"Назначить наставников{_programme_words(text.order)} на {text.year} учебный год с закреплением за "
               "ними наставляемых согласно перечню (приложение № 1)."),
        _point("Наставникам разрабатывать совместно с наставляемыми индивидуальные планы, оказывать "
               "наставляемым всестороннюю помощь и поддержку, предоставлять результаты наставнической работы по "
               "запросу куратора программы наставничества."),
        _point(f"{text.curator_to()} организовать обучение наставников и учёт их работы."),
    ]
    _acquaint_mentors(text, pairs)
    appendices = [_appendix(1, f"Перечень наставников и закреплённых за ними наставляемых на {text.year} учебный год",
                            _table(["№ п/п", "Наставник (ФИО, должность или класс)",
                                    "Наставляемый(е) (ФИО, класс)", "Форма наставничества", "С какой даты"],
                                   _numbered(rows), "Наставники не выбраны.", ["8%", "30%", "29%", "18%", "15%"]))]
    return result, appendices
