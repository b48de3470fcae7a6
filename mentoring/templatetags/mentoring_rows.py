"""Table rows of the pair and meeting lists, built in Python: ``{% pair_row pair show_organisation %}``,
``{% meeting_row meeting show_organisation %}``.

Why in Python rather than in the template: see ``registry.templatetags.list_rows`` (a row through the
template engine cost 1,300–1,700 Python calls, fifty rows a page, the lists a district opens all day).
The markup is that of ``mentoring/_pair_people.html`` and ``mentoring/_pair_status.html``, which the
pair's own page and the programme's page keep using; the rows read what the views load for the page:
``people`` (``mentoring.list_rows.people_of_pairs``), ``last_meeting_on``, ``attendee_count``.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from mentoring.models import Meeting, Pair
from registry.paths import object_url
from registry.templatetags.list_rows import EMPTY, day

register = template.Library()

STATUS_BADGES = {Pair.Status.PROPOSED: "text-bg-warning", Pair.Status.FORMING: "text-bg-info",
                 Pair.Status.ACTIVE: "text-bg-success", Pair.Status.SUSPENDED: "text-bg-danger",
                 Pair.Status.COMPLETED: "text-bg-secondary"}
STATUS_LABELS = dict(Pair.Status.choices)
KIND_LABELS = dict(Meeting.Kind.choices)
FORMAT_LABELS = dict(Meeting.Format.choices)


def _label(labels, value) -> str:
    label = labels.get(value)
    return value if label is None else str(label)  # lazy labels: translated now, in the request's language


def people(pair_people) -> str:
    """«<b>Mentor</b> → mentee <small>class</small>, …», as ``mentoring/_pair_people.html``."""
    mentees = format_html_join(", ", "{}{}", (
        (name, format_html(' <span class="text-muted small">{}</span>', class_name) if class_name else "")
        for name, class_name in pair_people.mentees))
    return format_html('<span class="fw-semibold">{}</span> → {}', pair_people.mentor or EMPTY, mentees)


def status_badge(status: str) -> str:
    return format_html('<span class="badge {}">{}</span>', STATUS_BADGES.get(status, "text-bg-dark"),
                       _label(STATUS_LABELS, status))


def _row(cells, classes=None) -> str:
    classes = classes or {}
    return format_html("<tr>{}</tr>", mark_safe("".join(
        format_html('<td class="{}">{}</td>', classes[n], cell) if n in classes else format_html("<td>{}</td>", cell)
        for n, cell in enumerate(cells))))


@register.simple_tag
def pair_row(pair, show_organisation: bool):
    programme = pair.programme
    cells = [format_html('<a href="{}">{}</a>', object_url("mentoring:pair_detail", pair.pk), people(pair.people)),
             f"«{programme.form}»"]
    if show_organisation:
        cells.append(programme.organisation.short_name)
    cells += [status_badge(pair.status), day(pair.started_on), day(pair.last_meeting_on)]
    return _row(cells)


@register.simple_tag
def meeting_row(meeting, show_organisation: bool):
    programme = meeting.programme
    where = format_html('<a href="{}">«{}», {}</a>', object_url("mentoring:programme_detail", programme.pk),
                        programme.form, programme.academic_year)
    if show_organisation:
        where = format_html('{}<div class="small text-muted">{}</div>', where, programme.organisation.short_name)
    if meeting.pair_id:
        pair = format_html('<a href="{}">{}</a>', object_url("mentoring:pair_detail", meeting.pair_id),
                           people(meeting.people))
    else:
        pair = format_html('<span class="text-muted">{}</span>', gettext("групповая встреча"))
    kind = format_html('<a href="{}">{}</a><div class="small">{}</div>',
                       object_url("mentoring:meeting_detail", meeting.pk), _label(KIND_LABELS, meeting.kind),
                       meeting.topic)
    return _row([day(meeting.held_on), where, pair, kind, _label(FORMAT_LABELS, meeting.format),
                 meeting.attendee_count], classes={0: "text-nowrap", 5: "text-end"})
