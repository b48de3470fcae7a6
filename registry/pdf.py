"""Printable documents as PDF: consent blanks, orders, agreements, plans, roadmaps, reports, acts.

A document is a Django template that extends ``pdf/base.html`` (A4, the margins and serif font of
Russian official papers, «Страница N из M»); names go into its sentences through the ``case``
filter (registry.grammar); ``render_pdf`` turns it into PDF bytes with WeasyPrint and
``pdf_response`` sends them with a Content-Disposition that survives a Cyrillic file name. Within
a DOCX request (registry.documents) the same two calls make and send the DOCX of the same HTML.

Fonts come from fontconfig and WeasyPrint embeds the subsets it uses, so the file prints the same
on a machine without those fonts. Resources are never fetched over the network: a document may
use static files (``{% static %}``) and ``data:`` URLs, everything else is refused. That keeps the
renderer from requesting its own site (and from reading arbitrary local files) whatever ends up
in a template.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header

from registry import documents

# WeasyPrint logs every rendering step at INFO, and the project's root logger prints INFO; keep
# the steps out of the server log unless LOGGING asks for this logger explicitly.
_progress_logger = logging.getLogger("weasyprint.progress")
if _progress_logger.level == logging.NOTSET:
    _progress_logger.setLevel(logging.WARNING)

# Relative URLs in a document resolve against this; only the path part is ever looked at.
_BASE_URL = "http://nastavnik.invalid/"

_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t",
     "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
    strict=True,
))


def _static_file(path: str) -> Path | None:
    """The file behind a static URL path, from the collected files or the app/project finders."""
    prefix = "/" + urlsplit(settings.STATIC_URL).path.strip("/") + "/"
    if not path.startswith(prefix):
        return None
    relative = unquote(path[len(prefix):])
    if not relative or ".." in Path(relative).parts:
        return None
    try:
        collected = Path(staticfiles_storage.path(relative))
    except (NotImplementedError, ValueError):
        collected = None
    if collected is not None and collected.is_file():
        return collected
    found = finders.find(relative)
    return Path(found) if found else None


def _url_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Static files from disk, ``data:`` URLs as usual, nothing else."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            file = _static_file(urlsplit(url).path)
            if file is None:
                raise ValueError(f"PDF documents may only use static files, not {url}")
            content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, file.read_bytes(), {"Content-Type": content_type})

    return StaticOnlyFetcher


# «Страница 1 из 1» tells nothing: a one-page document is printed without the page line.
_UNNUMBERED = "@page { @top-center { content: none !important; } }"


def render_pdf(template_name: str, context: dict, *, request=None) -> bytes:
    """Render a template (normally extending ``pdf/base.html``) to PDF bytes.

    ``pdf/base.html`` numbers pages «Страница N из M»; when the layout comes out on one page it is
    laid out again without the number (margin boxes do not move the text, so it stays one page).
    """
    html = render_to_string(template_name, context, request=request)
    if documents.wants_docx():
        from registry.docx import html_to_docx

        return html_to_docx(html)
    # Imported here: WeasyPrint loads Pango and fontconfig, which only PDF views need.
    from weasyprint import CSS, HTML

    document = HTML(string=html, base_url=_BASE_URL, url_fetcher=_url_fetcher_class()())
    rendered = document.render()
    if len(rendered.pages) == 1:
        rendered = document.render(stylesheets=[CSS(string=_UNNUMBERED)])
    return rendered.write_pdf()


def ascii_filename(filename: str) -> str:
    """A transliterated fallback for clients that ignore ``filename*``: «Согласие.pdf» → «Soglasie.pdf»."""
    out = []
    for char in filename:
        lower = char.lower()
        if lower in _TRANSLIT:
            latin = _TRANSLIT[lower]
            out.append(latin.capitalize() if char != lower else latin)
        else:
            out.append(char)
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", "".join(out)).strip("._")
    return text or "document.pdf"


def _clean_filename(filename: str) -> str:
    # No path separators, quotes or control characters: the name goes into a header.
    cleaned = re.sub(r'[\x00-\x1f\x7f"\\/:*?<>|]+', "_", filename).strip(" .")
    return cleaned or "document.pdf"


def pdf_response(pdf_bytes: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    """Send a PDF; ``inline`` opens it in the browser, otherwise it is downloaded.

    The header carries an ASCII fallback and the real (Cyrillic) name per RFC 6266 / RFC 5987:
    ``inline; filename="Soglasie.pdf"; filename*=utf-8''%D0%A1...``. The documents hold personal
    data, so the response must not be kept by shared caches.
    """
    content_type = "application/pdf"
    if documents.wants_docx():
        from registry.docx import CONTENT_TYPE as content_type

        filename = documents.swap_extension(filename)
        inline = False  # a browser cannot show it: saved, to be opened in a word processor
    filename = _clean_filename(filename)
    response = HttpResponse(pdf_bytes, content_type=content_type)
    header = content_disposition_header(as_attachment=not inline, filename=filename)
    if not filename.isascii():
        disposition, encoded = header.split("; ", 1)
        header = f'{disposition}; filename="{ascii_filename(filename)}"; {encoded}'
    response["Content-Disposition"] = header
    response["Content-Length"] = str(len(pdf_bytes))
    add_never_cache_headers(response)
    return response
