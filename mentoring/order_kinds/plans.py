"""«Об утверждении индивидуальных планов» (seed 002's roadmap: «Утверждение индивидуальных планов …
Приказ по образовательной организации об утверждении индивидуальных планов»; its measurable result,
plans implemented at least to the municipality's target, mentoring.plan_target).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentoring.models import PlanItem
from mentoring.order_texts import _acquaint_mentors, _appendix, _numbered, _order_pairs, _point, _programme_words, _table
from mentoring.plan_target import plan_target_percent
from mentoring.wording import participant_line, term

VALUE = "plans"
LABEL = gettext_lazy("Об утверждении индивидуальных планов")
POSITION = 30
LISTS_PAIRS = True

PURPOSE = "в целях реализации программы наставничества, по итогам встреч-планирований наставнических пар и групп"


def points(text):
    pairs = _order_pairs(text.order)
    rows = []
    empty = []
    for pair in pairs:
        mentor = pair.current_mentor_link
        for membership in pair.current_memberships:
            items = [i for i in membership.plan_items.all() if i.status != PlanItem.Status.CANCELLED]
            if not items:
                empty.append(membership.mentee.participant.short_name)
            rows.append([
                participant_line(membership.mentee.participant),
                mentor.mentor.participant.full_name if mentor else "—",
                str(len(items)),
                term(max(filter(None, [membership.joined_on, pair.started_on]), default=None), pair.planned_end_on),
            ])
    if empty:
        text.warnings.append(_("Индивидуальный план пуст: %(names)s.") % {"names": ", ".join(empty)})
    result = [
        _point(f"Утвердить индивидуальные планы развития наставляемых{_programme_words(text.order)} на {text.year} "
               "учебный год согласно перечню (приложение № 1)."),
        _point("Наставникам обеспечить реализацию индивидуальных планов не менее чем на "
               f"{plan_target_percent(text.organisation, text.order.academic_year)}%."),
        _point(f"{text.curator_to()} осуществлять контроль выполнения индивидуальных планов и "
               "отражать его результаты в мониторинге 1 раз в полугодие."),
    ]
    _acquaint_mentors(text, pairs)
    appendices = [_appendix(1, f"Перечень индивидуальных планов развития наставляемых на {text.year} учебный год",
                            _table(["№ п/п", "Наставляемый (ФИО, класс)", "Наставник", "Пунктов в плане",
                                    "Срок реализации"],
                                   _numbered(rows), "Планы не выбраны.", ["8%", "30%", "27%", "12%", "23%"]))]
    return result, appendices
