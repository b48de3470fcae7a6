"""``{{ questionnaire.title|questionnaire:"accs" }}``: a questionnaire named in a sentence.

Most titles begin with the word «Анкета» («Анкета удовлетворённости наставника»): such a title is the
phrase itself, its first word put in the case («Ссылки на анкету удовлетворённости наставника»), never
«анкету «Анкета удовлетворённости…»». Any other title follows the word, quoted once («анкету «Обратная
связь за четверть»»).
"""

import re

from django import template
from django.utils.translation import gettext as _

from registry.quotes import quoted

register = template.Library()

LEADING_WORD = re.compile(r"анкета(?=\s|$)", re.IGNORECASE)


@register.filter(name="questionnaire")
def questionnaire_filter(title, case: str = "nomn") -> str:
    word = _("анкету") if case == "accs" else _("анкета")
    title = str(title or "").strip()
    leading = LEADING_WORD.match(title)
    if leading:
        return word + title[leading.end():]
    return f"{word} {quoted(title)}"
