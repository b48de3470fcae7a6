"""Serving an uploaded file (a scan, a certificate, evidence): only after a scoped lookup found it."""

from django.http import FileResponse, Http404


def serve_stored(field, *, filename: str = "", as_attachment: bool = True) -> FileResponse:
    """The stored file of ``field``; 404 when none was uploaded or it is gone from the storage."""
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    name = (filename or field.name).rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=as_attachment, filename=name)
