"""The order «Об организации наставничества»: seed 001's points, in its order and numbering, then
seed 002's duties, and its appendices printed after it in the same PDF.

Seed 001: 1. Организовать …; 2. Утвердить: 2.1 Положение (приложение № 1), 2.2 «Дорожную карту»
(приложение № 2), 2.3 Реестр наставников (№ 3), 2.4 Список наставляемых (№ 4); 3. Назначить
куратора; 4. «Начальнику методического отдела совместно с наставниками в срок до … разработать и
утвердить Программы наставничества»; 5. Контроль. Seed 002 adds the working group (2.5, приложение
№ 5), the half-yearly monitoring and the federal statistics by 30 December: they come after point 4,
so points 1–4 read as the seed's.

Appendix 1 is the Положение built from the settings (mentoring.regulations), appendix 2 the year's
roadmap (document source «roadmap»), appendices 3–5 tables of the registry.
"""

from __future__ import annotations

import calendar
import datetime

from django.utils.translation import gettext as _

from mentoring.models import Programme
from mentoring.order_texts import BLANK, _appendix, _numbered, _point, _table, _Text
from mentoring.regulations import build_regulations
from mentoring.wording import position_or_class, role_words, short_date, user_short_name
from registry import grammar
from registry.document_sources import document_source
from registry.models import MenteeProfile, MentorProfile
from registry.scoping import Role
from registry.typography import tie

# Who develops the programmes (seed 001's «начальник методического отдела»): a member of the working
# group whose position is methodical; the curator otherwise.
METHODICAL = "метод"


def programmes_deadline(issued_on: datetime.date, programmes: list[Programme]) -> datetime.date:
    """Seed 001's «в срок до 00.00.0000»: before the first programme of the year starts; without one,
    the end of the order's month (the end of the next month when fewer than two weeks are left)."""
    later = sorted(p.starts_on for p in programmes if p.starts_on > issued_on)
    if later:
        return later[0]
    end = issued_on.replace(day=calendar.monthrange(issued_on.year, issued_on.month)[1])
    if (end - issued_on).days < 14:
        following = end + datetime.timedelta(days=1)
        end = following.replace(day=calendar.monthrange(following.year, following.month)[1])
    return end


def _developer(text: _Text, group) -> str:
    """The addressee of point 4 in the dative: «Методисту Беловой И. Н.» or the curator."""
    methodical = [member for member in group if METHODICAL in member.position.lower()]
    if methodical:
        words = role_words(methodical[0], "datv")
        return words[:1].upper() + words[1:]
    return text.curator_to()


def organisation_points(text: _Text):
    organisation, year, warnings, order = text.organisation, text.year, text.warnings, text.order
    # The short name after «в» and as a genitive attribute: «в МБОУ СОШ № 1», «в Лицее № 2».
    in_short, of_short = organisation.name_in("loct", "short"), organisation.name_in("gent", "short")
    curator = text.curator
    group = list(text.roles.filter(role=Role.WORKING_GROUP).order_by("user__last_name", "user__first_name", "pk"))
    mentors = list(
        MentorProfile.objects.filter(participant__organisation=organisation, participant__is_archived=False)
        .select_related("participant").prefetch_related("topics")
        .order_by("participant__last_name", "participant__first_name", "participant__patronymic", "pk")
    )
    mentees = list(
        MenteeProfile.objects.filter(participant__organisation=organisation, participant__is_archived=False)
        .select_related("participant").prefetch_related("topics")
        .order_by("participant__last_name", "participant__first_name", "participant__patronymic", "pk")
    )
    programmes = list(Programme.objects.filter(organisation=organisation, academic_year=order.academic_year)
                      .select_related("form").order_by("form__position"))

    if curator is None:
        warnings.append(_("В организации нет действующего куратора программы наставничества: пункт 3 останется с пустой строкой."))
        curator_words = BLANK
    else:
        # Seed 002: «Заместителя директора по УВР Хохлову Е.В. назначить куратором …».
        curator_words = role_words(curator, "accs")
        text.acquaint_user(curator)
    if not group:
        warnings.append(_("Состав рабочей группы пуст: назначьте членов рабочей группы в карточке организации."))
    if not mentors:
        warnings.append(_("В базе наставников никого нет: реестр наставников будет пустым."))
    if not mentees:
        warnings.append(_("В базе наставляемых никого нет: список наставляемых будет пустым."))
    for assignment in group:
        text.acquaint_user(assignment)

    forms = ", ".join(f"«{p.form.name}»" for p in programmes)
    forms_words = f" по формам {forms}" if len(programmes) > 1 else f" по форме {forms}" if programmes else ""
    first_half, second_half = organisation.municipality.half_year_due_dates
    due = " и ".join(f"{day} {grammar.MONTHS_GENITIVE[month - 1]}" for month, day in (first_half, second_half))
    points = [
        _point(f"Организовать в {organisation.name_in('loct')} внедрение системы (целевой модели) "
               f"наставничества обучающихся на {year} учебный год."),
        _point("Утвердить:", subpoints=[
            f"Положение о наставничестве в {in_short} (приложение № 1).",
            (f"«Дорожную карту» внедрения целевой модели наставничества в {in_short} на {year} учебный год "
             "(приложение № 2)."),
            "Реестр наставников (приложение № 3).",
            "Список наставляемых (приложение № 4).",
            "Состав рабочей группы по внедрению целевой модели наставничества (приложение № 5).",
        ]),
        _point("Назначить ответственным исполнителем (куратором) по внедрению и реализации системы "
               f"наставничества {curator_words}."),
        # Seed 001's point 4.
        _point(f"{_developer(text, group)} совместно с наставниками в срок до "
               f"{short_date(programmes_deadline(order.issued_on, programmes))} разработать и утвердить программы "
               f"наставничества{forms_words}."),
        _point("Рабочей группе обеспечить организационное, методическое и аналитическое сопровождение "
               "реализации Дорожной карты в соответствии с обязанностями, указанными в приложении № 5."),
        _point(f"{text.curator_to()} организовать мониторинг эффективности реализации "
               f"программы наставничества 1 раз в полугодие (не позднее {due})."),
        _point(f"{text.curator_to()} ежегодно в срок не позднее 30 декабря вносить информацию о "
               "количестве участников программы наставничества в форму федерального статистического наблюдения "
               "и направлять её в региональный наставнический центр."),
    ]

    regulations = build_regulations(organisation=organisation, academic_year=order.academic_year,
                                    issued_on=order.issued_on, number=order.number, curator=curator, group=group,
                                    warnings=warnings)
    roadmap = document_source("roadmap", organisation, order.academic_year)
    roadmap_title = f"«Дорожная карта» внедрения целевой модели наставничества в {in_short} на {year} учебный год"
    if roadmap is None:
        warnings.append(_("Дорожная карта организации на этот учебный год не составлена: приложение № 2 будет "
                          "пустым. Создайте её в разделе «Дорожные карты»."))

    mentor_rows = []
    for profile in mentors:
        person = profile.participant
        topics = ", ".join(t.name for t in profile.topics.all())
        competencies = "; ".join(part for part in (topics, profile.competencies.strip()) if part)
        mentor_rows.append([person.full_name, position_or_class(person), competencies, str(profile.capacity)])
    mentee_rows = []
    for profile in mentees:
        person = profile.participant
        request = profile.request.strip() or ", ".join(t.name for t in profile.topics.all())
        mentee_rows.append([person.full_name, person.class_name or person.position, request])
    group_rows = [[user_short_name(a.user), grammar.lower_first(a.position), a.duty] for a in group]

    appendices = [
        {**_appendix(1, regulations["title"]), "separate": False, "regulations": regulations},
        {**_appendix(2, roadmap_title, note="" if roadmap else "Дорожная карта на учебный год не составлена."),
         "separate": False, "roadmap": roadmap},
        _appendix(3, f"Реестр наставников {of_short} на {year} учебный год", _table(
            ["№ п/п", "ФИО наставника", "Должность / класс", "Ключевые компетенции", "Может взять наставляемых"],
            _numbered(mentor_rows), "Наставников в базе нет.", ["8%", "25%", "20%", "35%", "12%"],
        )),
        _appendix(4, f"Список наставляемых {of_short} на {year} учебный год", _table(
            ["№ п/п", "ФИО наставляемого", "Класс / группа", "Основной запрос"],
            _numbered(mentee_rows), "Наставляемых в базе нет.", ["8%", "30%", "15%", "47%"],
        )),
        _appendix(5, "Состав рабочей группы, осуществляющей организационную, методическую и аналитическую "
                     f"деятельность по внедрению целевой модели наставничества в {in_short}", _table(
            ["№ п/п", "ФИО", "Должность", "Обязанности"],
            _numbered(group_rows), "Члены рабочей группы не назначены.", ["8%", "22%", "23%", "47%"],
        )),
    ]
    for point in points:
        point["text"], point["subpoints"] = tie(point["text"]), [tie(sub) for sub in point["subpoints"]]
    for appendix in appendices:
        appendix["title"] = tie(appendix["title"])
    return points, appendices
