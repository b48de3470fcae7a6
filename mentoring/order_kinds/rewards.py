"""«О поощрении участников наставнической деятельности» (seed 001, stage 7: «Принятие мер по поощрению
наставников, добившихся лучших результатов … Приказ о поощрении участников наставнической деятельности»;
seed 003: «Публикация результатов … на сайте школы»). The people and the reward are the order's own fields
(``Order.rewarded``, ``Order.reward_text``), chosen on its form.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mentoring.models import Order
from mentoring.order_texts import _numbered, _point, _table
from mentoring.wording import position_or_class

VALUE = "rewards"
LABEL = _("О поощрении участников наставнической деятельности")
POSITION = 50

PURPOSE = (
    "в целях поощрения участников наставнической деятельности, добившихся лучших результатов, "
    "и популяризации лучших практик наставничества"
)


def points(text):
    order = text.order
    people = list(order.rewarded.order_by("last_name", "first_name", "patronymic", "pk"))
    reward = order.reward_text.strip() or str(Order._meta.get_field("reward_text").default)
    rows = [[person.full_name, position_or_class(person), reward] for person in people]
    result = [
        _point("За активное участие в реализации программы наставничества в "
               f"{text.year} учебном году поощрить участников наставнической деятельности:",
               table=_table(["№ п/п", "ФИО", "Должность / класс", "Мера поощрения"], _numbered(rows),
                            "Участники не выбраны.", ["8%", "37%", "25%", "30%"])),
        _point(f"{text.curator_to()} разместить информацию о поощрении участников и лучших "
               f"практиках наставничества на официальном сайте {order.organisation.name_in('gent', 'short')} и направить "
               "описания лучших практик в региональный наставнический центр."),
    ]
    return result, []
