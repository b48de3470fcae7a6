"""The drawing primitives of the server-side SVG charts (``monitoring.templatetags.charts``): colours,
numbers in the user's language, a scale with round ticks, text widths and cutting, links, the frame and
the axis."""

from __future__ import annotations

import html
import itertools
import math
from functools import lru_cache

from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

GREEN = "#198754"
RED = "#dc3545"
NEUTRAL = "#0d6efd"
EMPTY = "#ced4da"
TEXT = "#212529"
MUTED = "#6c757d"
GRID = "#e9ecef"
TARGET = "#212529"

FONT_SIZE = 12
WIDTH = 640
VALUE_WIDTH = 64  # room right of the bars for the value


@lru_cache(maxsize=8)
def _decimal_separator(language: str | None) -> str:
    return get_format("DECIMAL_SEPARATOR", language)


def number(value, digits: int = 1) -> str:
    """4.3 → «4,3», 10.0 → «10», 2.50 → «2,5»: the language's decimal comma, no needless zeros.
    (``number_format`` does the same a few times slower; a big district's page calls this thousands of times.)"""
    if value is None:
        return "—"
    value = float(value)
    if value.is_integer():
        whole = int(value)
        # 31 460, not 31460 (four-digit numbers stay whole, as Russian typography has it)
        return f"{whole:,}".replace(",", "\u00a0") if abs(whole) >= 10000 else str(whole)
    text = f"{round(value, digits):.{digits}f}".rstrip("0").rstrip(".")
    return text.replace(".", _decimal_separator(get_language()))


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10ⁿ that is at least ``value`` (a readable axis end)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value - 1e-9:
            return step * power
    return 10 * power


def ticks(scale: float, count: int = 5) -> list[float]:
    step = nice_ceiling(scale / count)
    values, value = [], 0.0
    while value <= scale + 1e-9:
        values.append(value)
        value += step
    return values


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """A generous estimate of a label's width in a sans-serif font (no font metrics on the server)."""
    em = 0.0
    for char in text:
        if char.isspace() or char in ".,:;!|'()-":
            em += 0.34
        elif char in "№…—«»–":
            em += 1.25
        elif char.isdigit():
            em += 0.64
        elif char.isupper():
            em += 0.82
        else:
            em += 0.63
    return em * size


def cut(label: str, width: float) -> str:
    """The label, shortened with «…» to fit ``width`` (the whole of it stays in the tooltip)."""
    return _cut(str(label), width)


@lru_cache(maxsize=4096)  # a dashboard cuts the same organisation names in four charts, page after page
def _cut(label: str, width: float) -> str:
    if text_width(label) <= width:
        return label
    while label and text_width(label + "…") > width:
        label = label[:-1]
    return label.rstrip() + "…"


def baseline(middle: float, size: float = FONT_SIZE) -> str:
    """The ``y`` of a text of ``size`` centred on ``middle``: what ``dy=".35em"`` did, as one number (a
    district's charts hold hundreds of texts, and the page is to stay under 200 KB, issue 16)."""
    return f"{middle + 0.35 * size:.1f}"


def _get(row, key, default=None):
    if isinstance(row, dict):
        return row.get(key, default)
    return getattr(row, key, default)


def _esc(value) -> str:
    """``value`` escaped as ``format_html`` escapes its arguments (``html.escape`` of its text), for the
    f-strings that write a chart's thousands of elements: ``format_html`` costs dozens of calls each."""
    return value if hasattr(value, "__html__") else html.escape(str(value))


def _open_link(href: str, count=None):
    """A link around a part of a chart; ``count``, when the list it opens holds exactly that many rows, is
    written as ``data-count`` (``tests/test_district_numbers.py`` follows every such link)."""
    if not href:
        return mark_safe("<g>")
    if count is not None:
        return f'<a href="{_esc(href)}" data-count="{_esc(count)}">'
    return f'<a href="{_esc(href)}">'


def _close_link(href: str):
    return mark_safe("</a>" if href else "</g>")


_ids = itertools.count(1)


def _svg(width: float, height: float, caption: str, body: list, *, label_width: float | None = None) -> str:
    """The chart's SVG; labels are clipped to their column in case a font is wider than estimated."""
    clip = ""
    if label_width:
        clip_id = f"chart-labels-{next(_ids)}"
        clip = format_html('<defs><clipPath id="{}"><rect x="0" y="0" width="{}" height="{}"/></clipPath></defs>',
                           clip_id, label_width - 4, int(math.ceil(height)))
        body = [part.replace('class="label"', f'class="label" clip-path="url(#{clip_id})"') for part in body]
    return format_html(
        # The text's colour once for the chart (the labels and totals inherit it); a row's texts are
        # centred by their ``y`` (``baseline``), the labels' anchor is in nastavnik.css (``.chart .label``).
        '<svg class="chart" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}" '
        'font-size="{}" fill="{}" xmlns="http://www.w3.org/2000/svg">{}{}</svg>',
        int(width), int(math.ceil(height)), caption, FONT_SIZE, TEXT, clip, mark_safe("".join(body)),
    )


def _empty(message: str | None) -> str:
    return format_html('<p class="text-muted small mb-0">{}</p>', message or _("Данных пока нет."))


def _axis(body: list, *, left: float, right: float, top: float, bottom: float, scale: float, unit: str) -> None:
    width = right - left
    for tick in ticks(scale):
        x = left + width * tick / scale
        body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}"/>')
        body.append(f'<text x="{x:.1f}" y="{bottom + 12}" text-anchor="middle" fill="{MUTED}" font-size="10">'
                    f'{_esc(number(tick))}{_esc(unit)}</text>')
