"""The Положение о наставничестве: built from the organisation's settings, approved by the order
«Об организации наставничества» as its appendix № 1 (mentoring.organisation_order).

The structure is the seeds' (seed 002's regulation, the Положение seed 001 approves): общие положения,
цель и задачи, организация наставничества, куратор, права и обязанности наставника и наставляемого,
мониторинг, мотивация, заключительные положения. The standing wording is mentoring.regulations_text;
what differs by organisation and year comes from the settings:

- the forms of mentoring chosen for the year (the year's programmes) with who mentors whom;
- the roles: the curator named, the working group's members;
- the stages of the organisation's roadmap (document source «roadmap»), or the seeds' seven;
- the monitoring dates of the municipality («не позднее 10 декабря и 10 июня»);
- the coverage targets of the municipality's year (document source «targets»).

The result is plain JSON, frozen with the order's content when the director signs, so the Положение
printed on its own (``regulations_pdf``) is the very text the order approved.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from mentoring import regulations_text as T
from mentoring.models import Programme
from mentoring.plan_target import DEFAULT_PLAN_TARGET_PERCENT
from mentoring.wording import role_words
from registry import grammar
from registry.document_sources import document_source
from registry.pdf import render_pdf
from registry.typography import tie

# Seed 002: consents from 100 % of participants (the plan target is mentoring.plan_target's).
DEFAULT_PLANS_PERCENT = DEFAULT_PLAN_TARGET_PERCENT
DEFAULT_CONSENTS_PERCENT = 100


def _due_words(month: int, day: int) -> str:
    return f"{day} {grammar.MONTHS_GENITIVE[month - 1]}"


def _paragraph(text: str, items: list[str] | None = None) -> dict:
    return {"text": tie(text), "items": [tie(item) for item in items or []]}


def _section(number: int, title: str, paragraphs: list[dict]) -> dict:
    return {
        "number": f"{number}.",
        "title": title,
        "paragraphs": [{"number": f"{number}.{index}.", **paragraph}
                       for index, paragraph in enumerate(paragraphs, start=1)],
    }


def _either(labels: str) -> str:
    """«обучающийся, выпускник, педагог» → «обучающийся, выпускник или педагог»."""
    head, _sep, last = labels.rpartition(", ")
    return f"{head} или {last}" if head else labels


def _forms(organisation, academic_year, year: str, warnings: list[str]) -> list[dict]:
    programmes = list(Programme.objects.filter(organisation=organisation, academic_year=academic_year)
                      .select_related("form").order_by("form__position", "form__name"))
    if not programmes:
        warnings.append(_("На учебный год не выбрано ни одной формы наставничества (программы): в Положении "
                          "формы будут перечислены без выбора."))
        return [_paragraph(f"Наставничество реализуется через организацию работы наставнических пар или групп по "
                           f"формам, выбранным образовательной организацией на {year} учебный год. " + T.FORMS_NOTE)]
    lines = []
    for index, programme in enumerate(programmes, start=1):
        form = programme.form
        # The categories are singular nouns («обучающийся», «педагог»): «наставник – педагог или выпускник».
        who = "; ".join(part for part in (
            f"наставник – {_either(form.mentor_labels)}" if form.mentor_labels else "",
            f"наставляемый – {_either(form.mentee_labels)}" if form.mentee_labels else "",
        ) if part)
        end = "." if index == len(programmes) else ";"
        lines.append(f"«{form.name}» ({who}){end}" if who else f"«{form.name}»{end}")
    return [_paragraph(f"Наставничество реализуется через организацию работы наставнических пар или групп по "
                       f"формам, выбранным образовательной организацией на {year} учебный год:", lines),
            _paragraph(T.FORMS_NOTE)]


def _stages(organisation, academic_year, roadmap: dict | None) -> dict:
    titles = [grammar.lower_first(stage["title"].strip().rstrip(".")) for stage in (roadmap or {}).get("stages", [])
              if stage["title"].strip()]
    titles = titles or T.STANDARD_STAGES
    items = [f"{title};" for title in titles[:-1]] + [f"{titles[-1]}."]
    return _paragraph("Программы наставничества реализуются в соответствии с дорожной картой внедрения Целевой "
                      "модели наставничества по этапам:", items)


def _targets(targets: dict | None, year: str, warnings: list[str]) -> dict:
    plans = (targets or {}).get("plans_percent", DEFAULT_PLANS_PERCENT)
    consents = (targets or {}).get("consents_percent", DEFAULT_CONSENTS_PERCENT)
    items = []
    if targets:
        aged = " в возрасте от 10 лет" if targets["students_aged_10_plus"] else ""
        items += [f"охват программами наставничества не менее {targets['students_percent']} % обучающихся{aged};",
                  f"охват программами наставничества не менее {targets['teachers_percent']} % педагогических "
                  "работников;"]
    else:
        warnings.append(_("Целевые показатели охвата на учебный год не заданы муниципалитетом: в Положении будут "
                          "только показатели выполнения планов и согласий."))
    items += [f"реализация индивидуальных планов развития наставляемых не менее чем на {plans} %;",
              f"согласия на обработку персональных данных от {consents} % участников программ наставничества."]
    return _paragraph(f"Целевые показатели на {year} учебный год:", items)


def build_regulations(*, organisation, academic_year, issued_on: datetime.date, number: str, curator, group,
                      warnings: list[str]) -> dict:
    """The Положение of the organisation's year, approved by the order of ``issued_on`` № ``number``.

    ``curator`` is the curator's RoleAssignment (or None), ``group`` the working group's assignments;
    what is missing is said in ``warnings`` (the draft's page shows them).
    """
    year = str(academic_year)
    in_short = organisation.name_in("loct", "short")
    reference = grammar.reference(issued_on, number)
    roadmap = document_source("roadmap", organisation, academic_year)
    targets = document_source("targets", organisation, academic_year)
    first_half, second_half = organisation.municipality.half_year_due_dates

    general = [
        _paragraph(f"Настоящее Положение о наставничестве (далее – Положение) в {organisation.name_in('loct')} "
                   "(далее – образовательная организация) определяет цели, задачи и порядок внедрения методологии (целевой "
                   "модели) наставничества обучающихся для организаций, осуществляющих образовательную "
                   "деятельность по общеобразовательным, дополнительным общеобразовательным и программам среднего "
                   "профессионального образования (далее – Целевая модель наставничества), права и обязанности "
                   "наставников и наставляемых, куратора внедрения Целевой модели наставничества."),
        _paragraph("Целевая модель наставничества реализуется на основании Федерального закона от 29.12.2012 "
                   "№ 273-ФЗ «Об образовании в Российской Федерации», распоряжения Министерства просвещения "
                   f"Российской Федерации от 25.12.2019 № Р-145 {T.R145_TITLE}, устава образовательной организации "
                   "и настоящего Положения."),
        _paragraph("Основные термины и понятия, применяемые в настоящем Положении:", T.TERMS),
    ]
    goals = [_paragraph(T.GOAL), _paragraph("Задачи внедрения Целевой модели наставничества:", T.TASKS),
             _targets(targets, year, warnings)]

    group_words = "Для реализации системы наставничества формируется рабочая группа из числа педагогических " \
                  "работников и специалистов образовательной организации; её состав и обязанности членов " \
                  "утверждаются приказом руководителя образовательной организации."
    if group:
        # A name ends in an initial's period («Маркова И. Н.»): the sentence keeps that one.
        group_words += f" В {year} учебном году в рабочую группу входят: " + \
            ", ".join(role_words(member, 'nomn') for member in group).rstrip(".") + "."
    organisation_section = [
        _paragraph(T.DIRECTOR_DUTIES),
        _paragraph(group_words),
        _paragraph("Рабочая группа осуществляет следующие функции:", T.GROUP_FUNCTIONS),
        *_forms(organisation, academic_year, year, warnings),
        _stages(organisation, academic_year, roadmap),
        _paragraph(T.PAIR_WORK),
        _paragraph(T.CONSENTS),
        _paragraph(T.UNPAIRED),
        _paragraph(T.INFORMATION),
    ]

    curator_section = [_paragraph(T.CURATOR_APPOINTED)]
    if curator is not None:
        # A name ends in an initial's period («Лебедева Е. В.»): no second period after it (as above).
        curator_words = role_words(curator, "nomn").rstrip(".")
        curator_section.append(_paragraph(f"Куратор на {year} учебный год – {curator_words}."))
    curator_section.append(_paragraph("Куратор выполняет следующие задачи:", T.CURATOR_TASKS))

    authority = organisation.municipality.education_authority.strip()
    monitoring = [
        _paragraph("Мониторинг и оценка результатов реализации программ наставничества – система сбора, "
                   "обработки, хранения и использования информации о реализации Целевой модели наставничества в "
                   f"{in_short}; мониторинг проводится 1 раз в полугодие: не позднее {_due_words(*first_half)} и "
                   f"не позднее {_due_words(*second_half)} ежегодно."),
        _paragraph(T.MONITORING_STAGES),
        _paragraph(T.QUARTERLY),
        _paragraph(T.STATISTICS),
    ]
    if authority:
        monitoring.append(_paragraph("Результаты мониторинга (информационная справка) представляются в "
                                     f"{grammar.phrase_in(authority, 'accs')}."))

    sections = [
        _section(1, "Общие положения", general),
        _section(2, "Цель, задачи и целевые показатели", goals),
        _section(3, "Организация наставничества", organisation_section),
        _section(4, "Куратор внедрения Целевой модели наставничества", curator_section),
        _section(5, "Права и обязанности наставника", [
            _paragraph("Наставник обязан:", T.MENTOR_DUTIES), _paragraph("Наставник имеет право:", T.MENTOR_RIGHTS)]),
        _section(6, "Права и обязанности наставляемого", [
            _paragraph("Наставляемый обязан:", T.MENTEE_DUTIES),
            _paragraph("Наставляемый имеет право:", T.MENTEE_RIGHTS)]),
        _section(7, "Мониторинг и оценка результатов", monitoring),
        _section(8, "Мотивация и поощрение наставников", [
            _paragraph(T.REWARDS_ORDER), _paragraph("Применяются следующие меры поощрения наставников:", T.REWARDS),
            _paragraph(T.BEST_PRACTICES)]),
        _section(9, "Заключительные положения", [
            _paragraph(f"Настоящее Положение вступает в силу со дня его утверждения приказом {reference} "
                       "и действует бессрочно."),
            _paragraph(T.CHANGES)]),
    ]
    return {
        "organisation": organisation.official_name,
        "title": tie(f"Положение о наставничестве в {in_short}"),
        "subject": tie(f"о наставничестве в {in_short}"),
        # «УТВЕРЖДЕНО приказом МБОУ СОШ № 1 от 02.09.2024 № 30-9 о/д»: the order is cited as seed 004 does.
        "approval": ["УТВЕРЖДЕНО", tie(f"приказом {organisation.name_in('gent', 'short')}"), tie(reference)],
        "sections": sections,
    }


def regulations_of(content: dict) -> dict | None:
    """The Положение an order's content approves (its appendix), or None (other kinds, orders signed before)."""
    for appendix in content.get("appendices", []):
        if appendix.get("regulations"):
            return appendix["regulations"]
    return None


def render_regulations_pdf(content: dict, regulations: dict, *, draft: bool) -> bytes:
    """The Положение on its own: the same text and the same «Приложение № 1 … УТВЕРЖДЕНО» head."""
    appendix = next(a for a in content["appendices"] if a.get("regulations") is regulations)
    return render_pdf("mentoring/pdf/regulations.html", {"c": content, "appendix": appendix, "r": regulations,
                                                         "draft": draft})
