"""«О назначении куратора внедрения целевой модели наставничества» (seed 002, points 1–3 and 10–12;
seed 000 item 1.2 «Назначение школьного куратора … Приказ»; seed 004 item 3.3).

The curator is the organisation's school curator in force on the order's date (the role of the
organisation card), named with their position: «Заместителя директора по УВР Хохлову Е. В. назначить
куратором …» (accusative), «на Хохлову Е. В.», «Куратору Хохловой Е. В. …» (dative). The monitoring
dates are the municipality's («до 10 декабря и 10 июня», seed 000; «20 декабря и 20 мая», seed 002).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentoring.order_texts import BLANK, _point
from mentoring.wording import role_words, user_short_name
from registry.grammar import MONTHS_GENITIVE

VALUE = "curator"
LABEL = gettext_lazy("О назначении куратора внедрения целевой модели наставничества")
POSITION = 60

PURPOSE = (
    "в целях организации работы по внедрению целевой модели наставничества и создания условий для "
    "реализации программ наставничества"
)


def day_month(month: int, day: int) -> str:
    return f"{day} {MONTHS_GENITIVE[month - 1]}"


def points(text):
    organisation, year = text.organisation, text.year
    in_short = organisation.name_in("loct", "short")
    curator = text.curator
    if curator is None:
        text.warnings.append(_("В организации нет действующего куратора программы наставничества: "
                               "назначьте его в карточке организации, иначе в приказе останется пустая строка."))
        appointed, on_whom, to_whom = BLANK, BLANK, BLANK
    else:
        text.acquaint_user(curator)
        appointed = role_words(curator, "accs")
        on_whom, to_whom = user_short_name(curator.user, "accs"), user_short_name(curator.user, "datv")
    (first_month, first_day), (second_month, second_day) = organisation.municipality.half_year_due_dates
    appointed = appointed[:1].upper() + appointed[1:]
    result = [
        _point(f"{appointed} назначить куратором внедрения целевой модели наставничества в {in_short}."),
        _point("Возложить ответственность за организационное, методическое и аналитическое сопровождение и "
               f"мониторинг внедрения целевой модели наставничества на {on_whom}."),
        _point(f"Куратору {to_whom} обеспечить создание условий для внедрения и реализации целевой модели "
               f"наставничества в {year} учебном году."),
        _point(f"Куратору {to_whom} организовывать проведение мониторинга эффективности реализации целевой "
               f"модели наставничества 1 раз в полугодие, не позднее {day_month(first_month, first_day)} и "
               f"{day_month(second_month, second_day)} ежегодно."),
        _point(f"Куратору {to_whom} ежегодно в срок не позднее 30 декабря вносить информацию о количестве "
               "участников программы наставничества в форму федерального статистического наблюдения и "
               "направлять её в региональный наставнический центр."),
        _point(f"Куратору {to_whom} предоставлять статистическую информацию и результаты внедрения целевой "
               "модели наставничества по запросам регионального наставнического центра."),
    ]
    return result, []
