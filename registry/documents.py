"""Every printed document in two formats: PDF to sign as it is, DOCX to edit (a school's local clause).

One mechanism for all documents, present and future: a PDF view renders its template with
``registry.pdf.render_pdf`` and answers with ``registry.pdf.pdf_response``; ``document_paths`` gives that
view a ``.docx`` sibling URL running the very same view (its declaration, scoping, 404s and export
records included) with the format switched to DOCX for the duration of the request. Under the switch
``render_pdf`` returns the DOCX made from the same rendered HTML (registry.docx) and ``pdf_response``
sends it as DOCX with the file name's extension changed. A view that keeps a PDF on disk (a signed
order, a destruction act) asks ``wants_docx()`` and renders its document from what it stored.

The DOCX URL is named after the PDF one: ``order_pdf`` → ``order_docx``, ``consent_blank`` →
``consent_blank_docx`` (``docx_name``); templates link to both.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools

from django.urls import path

PDF, DOCX = "pdf", "docx"
_format = contextvars.ContextVar("document_format", default=PDF)


def wants_docx() -> bool:
    return _format.get() == DOCX


@contextlib.contextmanager
def docx_format():
    """Within this block ``render_pdf``/``pdf_response`` produce and send DOCX."""
    token = _format.set(DOCX)
    try:
        yield
    finally:
        _format.reset(token)


def as_docx(view):
    """The same view answering in DOCX. ``functools.wraps`` carries its declaration (``read_only``,
    ``requires``…) over, so the permission walker sees the same view."""
    @functools.wraps(view)
    def docx_view(request, *args, **kwargs):
        with docx_format():
            return view(request, *args, **kwargs)

    docx_view.document_format = DOCX
    return docx_view


def docx_name(name: str) -> str:
    return f"{name[:-4]}_docx" if name.endswith("_pdf") else f"{name}_docx"


def document_paths(route: str, view, name: str) -> list:
    """``path()`` for ``….pdf`` and its ``….docx`` sibling: ``urlpatterns += document_paths(...)``."""
    if not route.endswith(".pdf"):
        raise ValueError(f"a document route ends with .pdf: {route}")
    return [path(route, view, name=name), path(route[:-4] + ".docx", as_docx(view), name=docx_name(name))]


def swap_extension(filename: str) -> str:
    """«Приказ_№5.pdf» → «Приказ_№5.docx» (any name gets the extension of the format asked for)."""
    stem = filename[:-4] if filename.lower().endswith(".pdf") else filename
    return f"{stem}.{_format.get()}"
