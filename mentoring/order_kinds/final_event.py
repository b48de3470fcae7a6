"""«О проведении итогового мероприятия» программы наставничества (seed 004, stage «Завершение
наставничества», item 4: «Приказ о проведении итогового мероприятия Программы»; seed 001, stage 7,
item 4: «Организация и проведение итогового мероприятия (Mentory fest) … с приглашением представителей
бизнес-сообщества, образовательных организаций-партнёров, НКО, выпускников»; seed 003's «Публикация
результатов … на сайте школы»).

The event's date, name and place are the order's ``details`` (typed when preparing it); the partners
invited are the organisation's partners of the registry.
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentoring.order_texts import BLANK, _point
from registry import grammar
from registry.forms import DateInput
from registry.models import Partner

VALUE = "final_event"
LABEL = gettext_lazy("О проведении итогового мероприятия")
POSITION = 80

PURPOSE = (
    "в целях подведения итогов реализации программы наставничества, представления её результатов и "
    "лучших практик, чествования лучших наставников"
)

DEFAULT_NAME = "Mentory fest"


def points(text):
    organisation, year = text.organisation, text.year
    details = text.order.details or {}
    held_on = details.get("held_on")
    when = grammar.date_words(datetime.date.fromisoformat(held_on)) if held_on else BLANK
    if not held_on:
        text.warnings.append(_("Не указана дата итогового мероприятия."))
    name = (details.get("name") or "").strip()
    place = (details.get("place") or "").strip()
    event = "итоговое мероприятие программы наставничества" + (f" «{name}»" if name else "")
    where = f" (место проведения: {place})" if place else ""
    partners = list(Partner.objects.filter(organisation=organisation).order_by("name").values_list("name", flat=True))
    invited = "всех участников программы наставничества, представителей организаций-партнёров"
    invited += f" ({', '.join(partners)})" if partners else ""
    invited += ", выпускников и родителей (законных представителей) обучающихся"
    result = [
        _point(f"Провести {when} {event}{where} для представления результатов наставничества в {year} "
               "учебном году, чествования лучших наставников и представления лучших кейсов."),
        _point(f"{text.curator_to()} подготовить регламент мероприятия и пригласить на него {invited}."),
        _point(f"{text.curator_to()} подготовить благодарственные письма наставникам и партнёрам, "
               "оформить итоги и процессы совместной работы в рамках программы наставничества в кейсы."),
        _point(f"{text.curator_to()} разместить результаты программы наставничества, сведения о лучших "
               f"наставниках и кейсы на официальном сайте {organisation.name_in('gent', 'short')} и направить "
               "лучшие практики в региональный наставнический центр."),
        _point(f"{text.curator_to()} внести данные об итогах реализации программы наставничества в базу "
               "наставников и базу наставляемых, сформировать долгосрочную базу наставников."),
    ]
    return result, []


# --- preparing: the fields the order form adds for this kind ------------------------------------------


def form_fields() -> dict:
    return {
        "event_on": forms.DateField(label=gettext_lazy("Дата мероприятия"), widget=DateInput(),
                                    input_formats=["%Y-%m-%d", "%d.%m.%Y"]),
        "event_name": forms.CharField(label=gettext_lazy("Название мероприятия"), max_length=200, required=False,
                                      help_text=gettext_lazy("Например: «Mentory fest», «семинар наставников и "
                                                             "наставляемых». Можно оставить пустым.")),
        "event_place": forms.CharField(label=gettext_lazy("Место проведения"), max_length=200, required=False,
                                       help_text=gettext_lazy("Например: «актовый зал». Можно оставить пустым.")),
    }


def details_from(cleaned: dict) -> dict:
    return {"held_on": cleaned["event_on"].isoformat(), "name": cleaned.get("event_name", "").strip(),
            "place": cleaned.get("event_place", "").strip()}


def initial_from(details: dict) -> dict:
    return {"event_on": details.get("held_on"), "event_name": details.get("name", DEFAULT_NAME),
            "event_place": details.get("place", "")}
