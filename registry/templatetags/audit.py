"""How an audit entry reads on the «История» tab and in the export log."""

from django import template
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
        label = name
        if model is not None:
            try:
                label = str(model._meta.get_field(name).verbose_name)
            except Exception:  # a field removed since, or a pseudo-field such as "file"
                label = {"file": _("файл"), "personal_data": _("персональные данные"),
                         "comment": _("комментарий")}.get(name, name)
        if isinstance(values, dict):  # many-to-many: {"type": "m2m", "operation": ..., "objects": [...]}
            old, new = values.get("operation", ""), ", ".join(map(str, values.get("objects", [])))
        elif isinstance(values, (list, tuple)) and len(values) == 2:
            old, new = values
        else:
            old, new = "", values
        rows.append((label, "" if old in (None, "None") else old, "" if new in (None, "None") else new))
    return rows


@register.filter
def verbose_name(model) -> str:
    return str(model._meta.verbose_name).capitalize() if model is not None else ""
