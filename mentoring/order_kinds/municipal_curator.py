"""«О назначении муниципального куратора внедрения целевой модели наставничества»: the municipality's
order (seed 000, item 1.1: «Назначение муниципального куратора, ответственного за внедрение ЦМН (далее –
МК) … Начальник управления образования … Приказ»).

The municipal curator's duties are the items of seed 000 given to «МК»: municipal training events (2.1),
quarterly personalised accounting (4.1), half-yearly monitoring by the municipality's dates (4.2–4.7),
control of the district's targets with reports to the regional authority (5.1.2); the heads of the
organisations appoint school curators (1.2).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentoring.order_kinds.municipal import CMN, _Municipal
from mentoring.order_texts import BLANK, _point
from mentoring.wording import user_short_name
from registry import grammar

VALUE = "municipal_curator"
LABEL = gettext_lazy("О назначении муниципального куратора внедрения целевой модели наставничества")
POSITION = 90

MUNICIPAL_PURPOSE = f"в целях организации внедрения {CMN} в образовательных организациях"


def municipal_points(text: _Municipal):
    if text.curator is None:
        text.warnings.append(_("В муниципалитете нет действующего муниципального куратора: назначьте его роль, "
                               "иначе в приказе останется пустая строка."))
        appointed = BLANK
    else:
        # A position that already says «…, муниципальный куратор» would name the appointment twice.
        position = ", ".join(part.strip() for part in text.curator.position.split(",") if "куратор" not in part.lower())
        name = user_short_name(text.curator.user, "accs")
        appointed = f"{grammar.phrase_in(position, 'accs', lower=True)} {name}" if position else name
    points = [
        _point(f"Назначить {appointed} муниципальным куратором, ответственным за внедрение {CMN} (далее – ЦМН) в "
               f"образовательных организациях {text.district_of}."),
        _point(f"{text.curator_to()}:", subpoints=[
            "организовывать муниципальные обучающие мероприятия для участников ЦМН;",
            "ежеквартально осуществлять персонализированный учёт обучающихся, молодых специалистов и педагогов, "
            "участвующих в программах наставничества;",
            f"1 раз в полугодие ({text.due_dates()}) проводить мониторинг реализации ЦМН в образовательных "
            "организациях и на муниципальном уровне, оценку качества реализации программ наставничества и "
            "роста их участников, обобщать их результаты для принятия управленческих решений;",
            f"контролировать достижение целевых показателей внедрения ЦМН в {text.district_in} и соблюдение норм "
            "законодательства, представлять контрольно-аналитические материалы в региональный орган управления "
            "образованием.",
        ]),
        _point(f"Руководителям образовательных организаций {text.district_of} назначить школьных кураторов, "
               "ответственных за внедрение ЦМН."),
    ]
    return points, []
