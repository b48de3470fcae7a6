"""Serving an uploaded file (a scan, a certificate, evidence): only after a scoped lookup found it."""

from django.http import FileResponse, Http404


def serve_stored(field, *, filename: str = "", as_attachment: bool = True) -> FileResponse:
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
    name = (filename or field.name).rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=as_attachment, filename=name)
