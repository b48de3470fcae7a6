"""Recording who changed, viewed and exported whose personal data (the audit trail).

django-auditlog was chosen over django-simple-history because the trail has to be read *by person*
and *field by field*: auditlog keeps one table of entries with the diff of each change (old → new per
field), the actor, the IP address (its middleware) and an «access» action for views, so the «История»
tab is one indexed query and anonymising a person's trail is one UPDATE over one table.
simple-history keeps a full copy of every row per model, which would have to be diffed on every read
and scrubbed table by table. Both miss ``QuerySet.update()``; the services that change audited rows
that way call ``record_update`` (see the calls next to ``announce_change``).

Apps register their own models (``register``) in ``AppConfig.ready``; every audited model has
``get_additional_data`` saying whose data it is, which ``AuditEntry.save`` turns into indexed columns.
Accesses are recorded here, in one place: ``record_view`` by the scoped lookup of a person, ``record_file``
by ``registry.files.serve_stored``, ``record_export`` by the export downloads.
"""

from __future__ import annotations

from auditlog.context import disable_auditlog
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from registry.models import AuditEntry

Kind = AuditEntry.Kind

__all__ = ["Kind", "anonymise_trail", "disable_auditlog", "record_created", "record_export", "record_file",
           "record_destruction", "record_update", "record_view", "register", "scrub"]

# Values that stay readable after a person is anonymised: what happened and when, never who or what
# they wrote.
KEPT_ON_ANONYMISATION = frozenset({
    "status", "purpose", "category", "is_archived", "archived_on", "signed_on", "valid_until", "revoked_on",
    "signed_by", "joined_on", "left_on", "suspended_on", "started_on", "ended_on", "held_on", "kind", "format",
    "capacity", "in_long_term_base", "anonymised_at", "organisation", "programme", "pair", "text",
})
ERASED = "—"


def register(model, **options) -> None:
    """Audit ``model``'s changes field by field (``auditlog.register`` with the project's defaults)."""
    options.setdefault("exclude_fields", ["search_name", "updated_at"])
    auditlog.register(model, **options)


def _entry(instance, *, action, kind, data: dict | None = None, changes=None, repr_text: str | None = None,
           actor=None):
    additional = {**(getattr(instance, "get_additional_data", dict)() or {}), **(data or {}), "kind": kind}
    extra = {"object_repr": repr_text} if repr_text else {}
    if actor is not None:  # outside a request (a task, the shell) the middleware has set nobody
        extra["actor"] = actor
    return AuditEntry.objects.log_create(
        instance, force_log=True, action=action, changes=changes, additional_data=additional, **extra)


def record_update(instance, changes: dict[str, list]) -> None:
    """A change made with ``QuerySet.update()`` (auditlog sees only ``save()``): ``{field: [old, new]}``."""
    if getattr(type(instance), "_meta", None) and auditlog.contains(type(instance)):
        _entry(instance, action=AuditEntry.Action.UPDATE, kind=Kind.CHANGE,
               changes={field: [str(old), str(new)] for field, (old, new) in changes.items()})


def record_created(instances, *, actor=None) -> None:
    """Rows made with ``bulk_create`` (auditlog sees only ``save()``): one «создание записи» entry each, with
    the values as auditlog records them, in one insert per batch (an import of thousands of people)."""
    from auditlog.diff import model_instance_diff

    entries = []
    for instance in instances:
        additional = {**(instance.get_additional_data() or {}), "kind": Kind.CHANGE}
        entries.append(AuditEntry(
            content_type=ContentType.objects.get_for_model(instance), object_pk=str(instance.pk),
            object_id=instance.pk, object_repr=str(instance), action=AuditEntry.Action.CREATE, actor=actor,
            # Own columns only: a reverse relation (the profiles) would cost a query a row.
            changes=model_instance_diff(None, instance, [f.name for f in instance._meta.concrete_fields]) or {},
            additional_data=additional, kind=Kind.CHANGE,
            organisation_id=additional.get("organisation"), participant_id=additional.get("participant"),
            municipality_id=additional.get("municipality")))
    AuditEntry.objects.bulk_create(entries, batch_size=1000)


def record_view(instance) -> None:
    """Someone opened the page of a person's record."""
    _entry(instance, action=AuditEntry.Action.ACCESS, kind=Kind.VIEW)


def record_file(instance, field_name: str) -> None:
    """Someone downloaded a stored scan or document of a person's record."""
    field = instance._meta.get_field(field_name)
    _entry(instance, action=AuditEntry.Action.ACCESS, kind=Kind.FILE,
           changes={"file": [str(field.verbose_name), ""]})


def record_export(*, title: str, rows: int | None, scope, organisation_id: int | None = None,
                  instance=None) -> AuditEntry:
    """Someone downloaded an export holding personal data (a base of mentors or mentees).

    Filed under the organisation it covers, or the municipality (region) when it spans several, so the
    district's export log shows it to the municipal curator.
    """
    description = title if rows is None else _("%(title)s, строк: %(rows)s") % {"title": title, "rows": rows}
    if organisation_id is None and scope.is_single_organisation:
        organisation_id = next(iter(scope.organisation_ids))
    municipality_id = next(iter(scope.municipality_ids)) if len(scope.municipality_ids) == 1 else None
    data = {"kind": Kind.EXPORT, "organisation": organisation_id, "municipality": municipality_id, "rows": rows}
    if instance is not None:
        return _entry(instance, action=AuditEntry.Action.ACCESS, kind=Kind.EXPORT, data=data,
                      repr_text=description)
    from registry.models import Organisation

    # No single object: the entry is filed under the organisation model, the export described in words.
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Organisation), object_pk=str(organisation_id or ""),
        object_id=organisation_id, object_repr=description, action=AuditEntry.Action.ACCESS,
        additional_data=data, kind=Kind.EXPORT,
    )


def record_destruction(instance, categories: list[str], *, by=None) -> AuditEntry:
    """The event of the destruction itself, for the act's extract of the event log."""
    return _entry(instance, action=AuditEntry.Action.DELETE, kind=Kind.CHANGE,
                  data={"destroyed": True, "categories": categories},
                  changes={"personal_data": [ERASED, ERASED]}, actor=by)


def _scrub_entries(entries, label: str | None = None) -> int:
    updated = 0
    for entry in entries.only("pk", "changes", "object_repr"):
        changes = entry.changes or {}
        if isinstance(changes, dict):
            changes = {field: (values if field in KEPT_ON_ANONYMISATION else [ERASED for _v in values])
                       if isinstance(values, list) else ERASED
                       for field, values in changes.items()}
        fields = {"changes": changes, "changes_text": "", "serialized_data": None}
        if label is not None:
            fields["object_repr"] = label
        AuditEntry.objects.filter(pk=entry.pk).update(**fields)
        updated += 1
    return updated


def anonymise_trail(participant_id: int, label: str) -> int:
    """After destruction: the person's entries keep who did what when, not their data."""
    return _scrub_entries(AuditEntry.objects.filter(participant_id=participant_id), label)


def scrub(model, pks) -> int:
    """After destruction: the entries of these rows (texts about a destroyed person) keep no values."""
    if not pks:
        return 0
    content_type = ContentType.objects.get_for_model(model)
    return _scrub_entries(AuditEntry.objects.filter(content_type=content_type, object_id__in=list(pks)))
