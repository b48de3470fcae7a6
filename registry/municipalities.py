"""«Настройки района»: what a municipality's printed documents take from it — the education authority that
heads its orders, the head who signs them, the half-year due dates of monitoring — kept by its municipal
curator (``Perm.EDIT_MUNICIPALITY``).

A signed order has its text frozen (mentoring.orders), so a change reaches the orders prepared after it,
never one already signed. These settings are not a person's data: like an organisation's card they stay
out of the audit trail (registry.audit records who changed, viewed and exported personal data).
"""

from __future__ import annotations

from django.db import transaction

from registry.models import Municipality

SETTINGS_FIELDS = (
    "education_authority", "head_position", "head_name",
    "first_half_due_month", "first_half_due_day", "second_half_due_month", "second_half_due_day",
)


def update_settings(municipality: Municipality, **values) -> list[str]:
    """Change the settings named in ``values`` and return the names of those that changed.

    Validated like the admin does (the day must exist in its month, 29 February included): a
    ``ValidationError`` leaves the row as it was. Only the settings are written, so a concurrent change of
    the municipality's name or region is not undone by a stale copy.
    """
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"not a municipality setting: {sorted(unknown)}")
    with transaction.atomic():
        current = Municipality.objects.select_for_update().get(pk=municipality.pk)
        before = {name: getattr(current, name) for name in values}
        for name, value in values.items():
            setattr(current, name, value.strip() if isinstance(value, str) else value)
        current.full_clean(exclude=[f.name for f in Municipality._meta.fields if f.name not in SETTINGS_FIELDS])
        changed = [name for name in values if getattr(current, name) != before[name]]
        if changed:
            current.save(update_fields=changed)
    for name in SETTINGS_FIELDS:
        setattr(municipality, name, getattr(current, name))
    return changed
