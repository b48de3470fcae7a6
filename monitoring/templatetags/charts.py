"""Charts drawn on the server as inline SVG: no JavaScript library, fast, printable, and every bar a
link to the rows behind it.

Three shapes cover the dashboards:

- ``{% bar_chart rows unit="%" %}`` — one horizontal bar per row, green when the row reaches its
  target and red when below, with the target marked on each row (and as one dashed line with its
  value on top when every row has the same target);
- ``{% stacked_chart rows series %}`` — one bar per row split into coloured parts (pairs by status,
  reports by state, consents), each part a link, with a legend;
- ``{% grouped_chart rows series %}`` — several thin bars per row (entry against exit).

A row is a dict: ``label``, ``url`` (optional), and ``value`` (with ``target`` and ``ok``) or
``values`` (key → number) with ``urls`` (key → address), and ``counted`` when those addresses are lists
of exactly the numbers shown (their links then carry ``data-count``). Labels longer than the label column are
cut with «…» and kept whole in the tooltip. The SVG scales to its container's width.
"""

from __future__ import annotations

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from monitoring.svg import (  # noqa: F401 (the primitives, also read by the tests through this module)
    EMPTY,
    FONT_SIZE,
    GREEN,
    GRID,
    MUTED,
    NEUTRAL,
    RED,
    TARGET,
    TEXT,
    VALUE_WIDTH,
    WIDTH,
    baseline,
    _axis,
    _close_link,
    _decimal_separator,
    _empty,
    _esc,
    _get,
    _open_link,
    _svg,
    cut,
    nice_ceiling,
    number,
    text_width,
    ticks,
)

register = template.Library()

@register.simple_tag
def bar_chart(rows, *, size: int = WIDTH, unit: str = "%", scale_max: float | None = None, caption: str = "",
              label_width: int = 210, row_height: int = 22, empty: str | None = None, colour: str | None = None):
    """One horizontal bar per row; green on target, red below, the target marked."""
    rows = list(rows)
    if not rows:
        return _empty(empty)
    values = [_get(row, "value") for row in rows]
    targets = [_get(row, "target") for row in rows]
    top_value = max([v for v in values + targets if v is not None] + [0])
    scale = scale_max or nice_ceiling(top_value * 1.1)
    if unit == "%" and not scale_max:
        scale = min(scale, 100) if top_value <= 100 else scale
    header, footer = 20, 18
    left, right = label_width, size - VALUE_WIDTH
    plot = right - left
    height = header + row_height * len(rows) + footer
    bottom = header + row_height * len(rows)
    body: list = []
    _axis(body, left=left, right=right, top=header - 4, bottom=bottom, scale=scale, unit=unit if unit == "%" else "")

    def x_of(value):
        return left + plot * min(max(value, 0), scale) / scale

    bar = min(14, row_height - 6)
    for index, row in enumerate(rows):
        y = header + index * row_height
        value, target, ok = _get(row, "value"), _get(row, "target"), _get(row, "ok")
        label = str(_get(row, "label", ""))
        note = _get(row, "note") or ""
        fill = colour or (EMPTY if value is None else GREEN if ok is True else RED if ok is False else NEUTRAL)
        shown = (f"{number(value)}{' ' + unit if unit == '%' else unit}" if value is not None else "—")
        tooltip = f"{label}: {shown}" + (f" ({note})" if note else "") + (
            f"; {_('цель')} {number(target)}{' ' + unit if unit == '%' else unit}" if target is not None else "")
        href = _get(row, "url") or ""
        body.append(_open_link(href))
        body.append(f"<title>{_esc(tooltip)}</title>")
        body.append(f'<rect class="hit" x="0" y="{y}" width="{size}" height="{row_height}" fill="transparent"/>')
        body.append(f'<text class="label" x="{left - 8}" y="{baseline(y + row_height / 2)}">'
                    f'{_esc(cut(label, left - 12))}</text>')
        if value is not None:
            width = max(x_of(value) - left, 1.5 if value > 0 else 0)
            body.append(f'<rect class="bar" x="{left}" y="{y + (row_height - bar) / 2:.1f}" width="{width:.1f}" '
                        f'height="{bar}" rx="2" fill="{_esc(fill)}"/>')
        body.append(f'<text x="{(x_of(value) if value is not None else left) + 5:.1f}" '
                    f'y="{baseline(y + row_height / 2)}" fill="{TEXT if value is not None else MUTED}">'
                    f'{_esc(shown)}</text>')
        if target is not None:
            tx = x_of(target)
            body.append(f'<line x1="{tx:.1f}" y1="{y + 2}" x2="{tx:.1f}" y2="{y + row_height - 2}" stroke="{TARGET}" '
                        f'stroke-width="2"/>')
        body.append(_close_link(href))
    distinct = {t for t in targets if t is not None}
    if len(distinct) == 1 and all(t is not None for t in targets):
        target = distinct.pop()
        tx = x_of(target)
        body.append(format_html('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-dasharray="4 3"/>',
                                f"{tx:.1f}", header - 6, f"{tx:.1f}", bottom, TARGET))
        body.append(format_html('<text x="{}" y="{}" text-anchor="middle" fill="{}" font-weight="600">{} {}{}</text>',
                                f"{min(max(tx, left + 30), right - 10):.1f}", header - 8, TARGET, _("цель"),
                                number(target), " %" if unit == "%" else unit))
    return _svg(size, height, caption, body, label_width=left)


def legend(series, totals: dict | None = None):
    """The colours of a chart's parts, as HTML under or over the chart (it wraps on narrow screens)."""
    items = []
    for key, label, colour in series:
        count = f" — {number(totals.get(key, 0))}" if totals is not None else ""
        items.append((colour, label, count))
    return format_html(
        '<div class="chart-legend small text-muted">{}</div>',
        format_html_join("", '<span><i style="background:{}"></i>{}{}</span>', items),
    )


@register.simple_tag
def stacked_chart(rows, series, *, size: int = WIDTH, caption: str = "", label_width: int = 210, row_height: int = 24,
                  show_legend: bool = True, empty: str | None = None, scale_max: float | None = None,
                  percent: bool = False):
    """One bar per row split into the series' parts (key, label, colour); each part links to its rows.

    With ``percent`` every bar is as long as the axis and the parts are shares of the row's total."""
    rows = list(rows)
    if not rows:
        return _empty(empty)
    # The labels translated once, not in every part's tooltip (a lazy string translates each time it is read).
    series = [(key, str(label), colour) for key, label, colour in series]
    keys = [key for key, _label, _colour in series]
    totals = [sum((_get(row, "values") or {}).get(key, 0) or 0 for key in keys) for row in rows]
    scale = 100 if percent else (scale_max or nice_ceiling(max(totals + [1])))
    header, footer = 6, 18
    left, right = label_width, size - VALUE_WIDTH
    plot = right - left
    bottom = header + row_height * len(rows)
    height = bottom + footer
    body: list = []
    _axis(body, left=left, right=right, top=header - 4, bottom=bottom, scale=scale, unit="%" if percent else "")
    bar = min(16, row_height - 6)
    for index, (row, total) in enumerate(zip(rows, totals)):
        y = header + index * row_height
        values = _get(row, "values") or {}
        urls = _get(row, "urls") or {}
        label = str(_get(row, "label", ""))
        href = _get(row, "url") or ""
        # ``counted``: True when the label and every part open lists of exactly their number, "parts" when
        # only the parts do; by default none is marked.
        counted = _get(row, "counted", False)
        body.append(_open_link(href, total if counted is True else None))
        body.append(f"<title>{_esc(label)}: {_esc(number(total))}</title>")
        body.append(f'<text class="label" x="{left - 8}" y="{baseline(y + row_height / 2)}">'
                    f'{_esc(cut(label, left - 12))}</text>')
        body.append(_close_link(href))
        x = left
        for key, part_label, colour in series:
            value = values.get(key, 0) or 0
            if not value:
                continue
            share = value / total if percent else value / scale
            width = plot * share
            part_href = urls.get(key, "")
            body.append(_open_link(part_href, value if counted in (True, "parts") else None))
            tooltip = f"{label} — {part_label}: {number(value)}" + (
                f" ({number(100 * value / total)} %)" if percent else "")
            body.append(f"<title>{_esc(tooltip)}</title>")
            body.append(f'<rect class="bar" x="{x:.1f}" y="{y + (row_height - bar) / 2:.1f}" '
                        f'width="{max(width, 1.5):.1f}" height="{bar}" fill="{_esc(colour)}"/>')
            text = number(value)
            if width >= len(text) * 7 + 6:
                # Centred, 11 px, white or black (``.chart .v`` in nastavnik.css): a district's charts
                # hold a hundred and more of these.
                ink = " d" if _ink(colour) == "#000" else ""
                body.append(f'<text class="v{ink}" x="{x + width / 2:.1f}" y="{baseline(y + row_height / 2, 11)}">'
                            f'{_esc(text)}</text>')
            body.append(_close_link(part_href))
            x += width
        body.append(f'<text x="{(right if percent else x) + 5:.1f}" y="{baseline(y + row_height / 2)}">'
                    f'{_esc(number(total))}</text>')
    chart = _svg(size, height, caption, body, label_width=left)
    return format_html("{}{}", legend(series), chart) if show_legend else chart


@register.simple_tag
def grouped_chart(rows, series, *, size: int = WIDTH, scale_max: float = 5, caption: str = "", label_width: int = 210,
                  empty: str | None = None):
    """Several thin bars per row, one per series (key, label, colour): entry against exit."""
    rows = list(rows)
    if not rows:
        return _empty(empty)
    header, footer = 6, 18
    bar, gap = 10, 3
    row_height = len(series) * (bar + gap) + 10
    left, right = label_width, size - VALUE_WIDTH
    plot = right - left
    bottom = header + row_height * len(rows)
    body: list = []
    _axis(body, left=left, right=right, top=header - 4, bottom=bottom, scale=scale_max, unit="")
    for index, row in enumerate(rows):
        y = header + index * row_height
        values = _get(row, "values") or {}
        label = str(_get(row, "label", ""))
        href = _get(row, "url") or ""
        body.append(_open_link(href))
        body.append(format_html("<title>{}</title>", label + ": " + "; ".join(
            f"{part} {number(values.get(key), 2)}" for key, part, _colour in series)))
        body.append(format_html('<rect class="hit" x="0" y="{}" width="{}" height="{}" fill="transparent"/>',
                                y, size, row_height))
        body.append(format_html('<text class="label" x="{}" y="{}" fill="{}">{}</text>',
                                left - 8, baseline(y + row_height / 2), TEXT, cut(label, left - 12)))
        for number_in_row, (key, _part, colour) in enumerate(series):
            value = values.get(key)
            by = y + 5 + number_in_row * (bar + gap)
            if value is None:
                body.append(format_html('<text x="{}" y="{}" fill="{}" font-size="10">—</text>',
                                        left + 4, baseline(by + bar / 2, 10), MUTED))
                continue
            width = plot * min(value, scale_max) / scale_max
            body.append(format_html('<rect class="bar" x="{}" y="{}" width="{}" height="{}" rx="2" fill="{}"/>',
                                    left, by, f"{width:.1f}", bar, colour))
            body.append(format_html('<text x="{}" y="{}" fill="{}" font-size="10">{}</text>',
                                    f"{left + width + 4:.1f}", baseline(by + bar / 2, 10), TEXT, number(value, 2)))
        body.append(_close_link(href))
    chart = _svg(size, bottom + footer, caption, body, label_width=left)
    return format_html("{}{}", legend(series), chart)


@register.simple_tag
def meter(value, target=None, *, ok=None, scale: float = 100):
    """A slim progress bar with the target marked: for the cards on top of a dashboard."""
    width, height = 200, 8
    value = None if value in ("", None) else float(value)
    target = None if target in ("", None) else float(target)
    body = [format_html('<rect x="0" y="1" width="{}" height="6" rx="3" fill="{}"/>', width, GRID)]
    if value is not None:
        fill = GREEN if ok is True else RED if ok is False else NEUTRAL
        body.append(format_html('<rect x="0" y="1" width="{}" height="6" rx="3" fill="{}"/>',
                                f"{width * min(max(value, 0), scale) / scale:.1f}", fill))
    if target is not None:
        x = width * min(target, scale) / scale
        body.append(format_html('<line x1="{}" y1="0" x2="{}" y2="{}" stroke="{}" stroke-width="2"/>',
                                f"{min(max(x, 1), width - 1):.1f}", f"{min(max(x, 1), width - 1):.1f}", height,
                                TARGET))
    return format_html('<svg class="meter" viewBox="0 0 {} {}" width="100%" height="{}" preserveAspectRatio="none" '
                       'aria-hidden="true" xmlns="http://www.w3.org/2000/svg">{}</svg>', width, height, height,
                       mark_safe("".join(body)))


@register.filter
def num(value, digits=1):
    """The charts' number format in templates: ``{{ 4.25|num }}`` → «4,3», ``{{ 10.0|num }}`` → «10»."""
    try:
        return number(value, int(digits))
    except (TypeError, ValueError):
        return value


def _ink(colour: str) -> str:
    """Black or white text, whichever reads better on ``colour``."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#000" if (0.299 * red + 0.587 * green + 0.114 * blue) > 150 else "#fff"


# --- the district table ------------------------------------------------------------------------------


@register.simple_tag
def organisation_rows(rows):
    """The rows of the district dashboard's table of organisations, written in Python.

    Three hundred organisations × nine cells through the template language took longer than the whole
    rest of the page; the same markup built here takes a few milliseconds. Every number links to the
    rows behind it, as the template's column headers say."""
    no_headcount, no_consent, lapsed = _("численность не указана"), _("нет согласия"), _("отозвано или истекло")
    no_roadmap, past_due = _("нет"), _("срок прошёл")
    language = get_language()
    out = []
    for row in rows:
        # A row kept between requests (``monitoring.district.dashboard``) keeps its markup too.
        kept = getattr(row, "rendered", None)
        if kept is not None and language in kept:
            out.append(kept[language])
            continue
        coverage, plans, consents, roadmap = row.coverage, row.plans, row.consents, row.roadmap
        link = escape(row.url)
        cells = [f'<td class="org"><a href="{link}">{escape(row.name)}</a>']
        if row.show_municipality:
            cells.append(f'<div class="small text-muted">{escape(row.organisation.municipality.name)}</div>')
        cells.append("</td>")
        for kind in ("students", "teachers"):
            value = coverage[f"{kind}_percent"]
            if value is None:
                cells.append(f'<td class="text-end"><a class="num text-muted" href="{link}#coverage" '
                             f'title="{escape(no_headcount)}">—</a></td>')
            else:
                tone = "text-ok" if coverage[f"{kind}_on_target"] else "text-below"
                cells.append(f'<td class="text-end"><a class="num {tone}" href="{link}#coverage" '
                             f'title="{coverage[kind]} / {coverage[f"{kind}_base"]}">{number(value)}&nbsp;%</a></td>')
        pairs = row.pairs_working
        cells.append(f'<td class="text-end"><a class="num" href="{escape(pairs.url)}" data-count="{pairs.n}">'
                     f'{pairs.n}</a></td>')
        if plans["average_percent"] is None:
            cells.append('<td class="text-end"><span class="text-muted">—</span></td>')
        else:
            tone = "text-ok" if plans["average_percent"] >= plans["target"] else "text-below"
            cells.append(f'<td class="text-end"><a class="num {tone}" href="{link}#programmes">'
                         f'{number(plans["average_percent"])}&nbsp;%</a></td>')
        if consents["percent"] is None:
            cells.append('<td class="text-end"><span class="text-muted">—</span></td>')
        else:
            tone = "text-ok" if consents["on_target"] else "text-below"
            title = escape(f"{no_consent}: {consents['missing'].n}; {lapsed}: {consents['lapsed'].n}")
            cells.append(f'<td class="text-end"><a class="num {tone}" href="{escape(consents["missing"].url)}" '
                         f'title="{title}">{number(consents["percent"])}&nbsp;%</a></td>')
        if roadmap.roadmap_id:
            cells.append(f'<td class="text-end"><a class="num" href="{escape(roadmap.url)}">{roadmap.percent}&nbsp;%'
                         f'</a></td>')
            overdue = row.overdue
            tone = "badge text-bg-danger text-decoration-none" if overdue.n else "num text-muted"
            cells.append(f'<td class="text-end"><a class="{tone}" href="{escape(overdue.url)}" '
                         f'data-count="{overdue.n}">{overdue.n}</a></td>')
        else:
            cells.append(f'<td class="text-end"><span class="text-muted small">{escape(no_roadmap)}</span></td>'
                         '<td class="text-end"><span class="text-muted">—</span></td>')
        reports = []
        for cell in row.reports:
            tone = (" text-below fw-semibold" if cell.late else " text-ok" if cell.state == "accepted"
                    else " text-muted" if cell.state == "missing" else "")
            late = f" ({escape(past_due)})" if cell.late else ""
            reports.append(f'<a class="num{tone}" href="{escape(cell.url)}">{escape(cell.label)}{late}</a>')
        cells.append(f'<td>{" / ".join(reports)}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
        if kept is not None:
            kept[language] = out[-1]
    return mark_safe("\n".join(out))
