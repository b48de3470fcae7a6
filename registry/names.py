"""What a person's name may hold: letters of any alphabet, parts joined by a space, hyphen or apostrophe.

One rule for every way a name comes in — the participant form, the participant spreadsheet import (the
participant's and the representative's name), the representative on a consent form: «Сидоров😀»,
«<i>Смирнов</i>» or «=HYPERLINK(…)» refused in one of them and let in by another still reached orders,
consents and spreadsheets. A partner's contact person is no such name: it holds a position, often initials
(«Гусев О. В., врач-педиатр»); nor is a director's signature name («Г.А. Шабаева»).
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PERSON_NAME = re.compile(r"[^\W\d_]+(?:[ '’-][^\W\d_]+)*")


def person_name_error(value: str) -> str | None:
    """The Russian message for a name that breaks the rule; None for a good (or empty) one."""
    if value and not PERSON_NAME.fullmatch(unicodedata.normalize("NFC", value)):
        return _("Только буквы; части имени разделяются пробелом, дефисом или апострофом.")
    return None


def validate_person_name(value: str) -> None:
    """For a form's ``clean_<field>``: raises the rule's message."""
    message = person_name_error(value)
    if message:
        raise ValidationError(message, code="person_name")
