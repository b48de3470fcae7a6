"""«Об утверждении программ наставничества»: the organisation's programmes of the year, approved by order.

Seed 001 orders them in its point 4 («… разработать и утвердить Программы наставничества») and its
roadmap informs «педагогов, обучающихся и родительское сообщество о … подготовке программы
наставничества» and opens the site's section «Наставничество»; seed 004 (item 3.1): «Разработка и
утверждение годовой перспективной программы наставничества … на 2024-2025»; seed 003 chooses «формы и
программы наставничества» after asking the future mentees. The programmes are the registry's
(mentoring.Programme, one per form and year), listed in appendix № 1 with their terms and the people
responsible for them, who sign to have read the order.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentoring.models import Programme
from mentoring.order_texts import _appendix, _numbered, _point, _table
from mentoring.wording import term, user_short_name
from registry import grammar
from registry.scoping import Role

VALUE = "programmes"
LABEL = gettext_lazy("Об утверждении программ наставничества")
POSITION = 15  # after the order organising the mentoring, before the pairs

PURPOSE = (
    "в целях реализации целевой модели наставничества, по итогам выбора форм наставничества исходя из "
    "запросов потенциальных наставляемых"
)


def _programme_cell(programme: Programme) -> str:
    return programme.title.strip() or f"Программа наставничества по форме «{programme.form}»"


def points(text):
    organisation, year = text.organisation, text.year
    of_short = organisation.name_in("gent", "short")
    programmes = list(Programme.objects.filter(organisation=organisation, academic_year=text.order.academic_year)
                      .select_related("form").prefetch_related("responsible").order_by("form__position", "pk"))
    # The people responsible, with their position in the organisation on the order's date; those with a
    # role there sign to have read it (someone from outside is named without a position).
    roles = {}
    for role in text.roles.order_by("started_on", "pk"):
        roles.setdefault(role.user_id, role)
    rows = []
    for programme in programmes:
        people = sorted(programme.responsible.all(), key=lambda user: (user.last_name, user.first_name, user.pk))
        names = []
        for user in people:
            role, name = roles.get(user.pk), user_short_name(user)
            if role is not None and role.role != Role.DIRECTOR:  # the director signs the order itself
                text.acquaint_user(role)
            position = grammar.lower_first(role.position) if role is not None else ""
            names.append(f"{name}, {position}" if position else name)
        if not people:
            which = f"«{programme.title.strip()}»" if programme.title.strip() else f"по форме «{programme.form}»"
            text.warnings.append(_("У программы наставничества %(programme)s не указаны ответственные.")
                                 % {"programme": which})
        rows.append([_programme_cell(programme), str(programme.form), term(programme.starts_on, programme.ends_on),
                     "\n".join(names) or "—"])
    if not programmes:
        text.warnings.append(_("Программ наставничества на этот учебный год нет: создайте их, иначе приложение "
                               "к приказу будет пустым."))
    result = [
        _point(f"Утвердить программы наставничества {of_short} на {year} учебный год согласно перечню "
               "(приложение № 1)."),
        _point("Ответственным за реализацию программ наставничества, указанным в приложении № 1, обеспечить их "
               "реализацию в установленные сроки, формирование наставнических пар и групп и составление "
               "индивидуальных планов развития наставляемых."),
        _point(f"{text.curator_to()} разместить программы наставничества в разделе «Наставничество» официального "
               f"сайта {of_short}, проинформировать о них педагогов, обучающихся и родительское сообщество, "
               "отражать ход их реализации в мониторинге 1 раз в полугодие."),
    ]
    appendices = [_appendix(1, f"Перечень программ наставничества на {year} учебный год", _table(
        ["№ п/п", "Программа наставничества", "Форма наставничества", "Срок реализации", "Ответственные"],
        _numbered(rows), "Программ нет.", ["8%", "30%", "18%", "19%", "25%"],
    ))]
    return result, appendices
