"""Serving an uploaded file (a scan, a certificate, evidence): only after a scoped lookup found it."""

from django.http import FileResponse, Http404


def serve_stored(field, *, filename: str = "") -> FileResponse:
    """The stored file of ``field``; 404 when none was uploaded or it is gone from the storage.

    A file of a person's record (a consent scan, a certificate, a portfolio) is recorded in the audit
    trail here, the one place every such download passes.
    """
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    instance = field.instance
    additional = getattr(instance, "get_additional_data", None)
    if callable(additional) and additional().get("participant"):
        from registry import audit

        audit.record_file(instance, field.field.name)
    # Always an attachment (never rendered by the browser as a page), under a name stripped of path and
    # control characters; Django writes it into Content-Disposition in the RFC 6266 form.
    name = "".join(ch for ch in (filename or field.name).rsplit("/", 1)[-1] if ch.isprintable() and ch not in '\\"')
    return FileResponse(handle, as_attachment=True, filename=name or "file")
