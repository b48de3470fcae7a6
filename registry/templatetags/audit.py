"""How an audit entry reads on the «История» tab and in the export log."""

import datetime

from django import template
from django.db import models
from django.utils.translation import gettext as _

from registry.models import AuditEntry

register = template.Library()

ACTIONS = {
    AuditEntry.Action.CREATE: _("создание записи"),
    AuditEntry.Action.UPDATE: _("изменение"),
    AuditEntry.Action.DELETE: _("удаление"),
}


@register.simple_tag
def audit_action(entry) -> str:
    if entry.kind != AuditEntry.Kind.CHANGE:
        return entry.get_kind_display()
    if (entry.additional_data or {}).get("destroyed"):
        return _("уничтожение персональных данных")
    return ACTIONS.get(entry.action, entry.get_action_display())


@register.simple_tag
def audit_changes(entry) -> list[tuple[str, str, str]]:
    """(field's Russian name, old, new) for each changed field; a file download names the file."""
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    model = entry.content_type.model_class() if entry.content_type_id else None
    rows = []
    for name, values in changes.items():
        label, field = name, None
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except Exception:  # a field removed since, or a pseudo-field such as "file"
                label = {"file": _("файл"), "personal_data": _("персональные данные"),
                         "comment": _("комментарий")}.get(name, name)
        if field is not None and ((field.auto_created and not field.concrete) or field.primary_key):
            # A new record's entry lists its reverse relations («supports: mentoring.Support.None») and
            # its id: nothing anyone typed.
            continue
        if field is not None:
            label = str(field.verbose_name)
        if isinstance(values, dict):  # many-to-many: {"type": "m2m", "operation": ..., "objects": [...]}
            old, new = values.get("operation", ""), ", ".join(map(str, values.get("objects", [])))
        elif isinstance(values, (list, tuple)) and len(values) == 2:
            old, new = (_readable(field, value) for value in values)
        else:
            old, new = "", _readable(field, values)
        rows.append((label, "" if old in (None, "None") else old, "" if new in (None, "None") else new))
    return rows


def _readable(field, value):
    """A stored value as the form showed it: a choice by its label («questionnaire» read as English),
    a checkbox as да/нет, a date as 24.08.2020."""
    if isinstance(field, models.BooleanField) and value in (True, False, "True", "False"):
        return _("да") if value in (True, "True") else _("нет")
    if field is None or not isinstance(value, str):
        return value
    if field.choices:
        return {str(key): label for key, label in field.flatchoices}.get(value, value)
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        try:
            return datetime.date.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            return value
    return value


@register.filter
def verbose_name(model) -> str:
    return str(model._meta.verbose_name).capitalize() if model is not None else ""
