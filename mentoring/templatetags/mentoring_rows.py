"""Table rows of the pair and meeting lists, built in Python: ``{% pair_rows listing.rows show_organisation %}``,
``{% meeting_rows listing.rows show_organisation %}``.

Why in Python rather than in the template, and how the text is escaped: ``registry.templatetags.list_rows``
(a row through the template engine cost 1,300–1,700 Python calls, fifty rows a page, the lists a district
opens all day). The markup is that of ``mentoring/_pair_people.html`` and ``mentoring/_pair_status.html``,
which the pair's own page and the programme's page keep using; the rows read what the views load for the
page: ``people`` (``mentoring.list_rows.people_of_pairs``), ``form_name``, ``organisation_short_name``,
``start_year``, ``last_meeting_on``, ``attendee_count``.
"""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from mentoring.models import Meeting, Pair
from registry.paths import object_url_parts
from registry.templatetags.list_rows import EMPTY, day, esc, labels

register = template.Library()

STATUS_BADGES = {Pair.Status.PROPOSED: "text-bg-warning", Pair.Status.FORMING: "text-bg-info",
                 Pair.Status.ACTIVE: "text-bg-success", Pair.Status.SUSPENDED: "text-bg-danger",
                 Pair.Status.COMPLETED: "text-bg-secondary"}


def people(pair_people) -> str:
    """«<b>Mentor</b> → mentee <small>class</small>, …», as ``mentoring/_pair_people.html``."""
    mentees = ", ".join(
        esc(name) + (f' <span class="text-muted small">{esc(class_name)}</span>' if class_name else "")
        for name, class_name in pair_people.mentees)
    return f'<span class="fw-semibold">{esc(pair_people.mentor or EMPTY)}</span> → {mentees}'


def status_badges() -> dict[str, str]:
    """Each pair status's badge, as ``mentoring/_pair_status.html``."""
    return {value: f'<span class="badge {STATUS_BADGES.get(value, "text-bg-dark")}">{label}</span>'
            for value, label in labels(Pair.Status.choices).items()}


@register.simple_tag
def pair_rows(rows, show_organisation: bool):
    head, tail = object_url_parts("mentoring:pair_detail")
    badges = status_badges()
    out = []
    for pair in rows:
        organisation = f"<td>{esc(pair.organisation_short_name)}</td>" if show_organisation else ""
        out.append(f'<tr><td><a href="{head}{pair.pk}{tail}">{people(pair.people)}</a></td>'
                   f'<td>«{esc(pair.form_name)}»</td>{organisation}<td>{badges.get(pair.status, esc(pair.status))}</td>'
                   f'<td>{day(pair.started_on)}</td><td>{day(pair.last_meeting_on)}</td></tr>')
    return mark_safe("".join(out))


@register.simple_tag
def meeting_rows(rows, show_organisation: bool):
    programme_head, programme_tail = object_url_parts("mentoring:programme_detail")
    pair_head, pair_tail = object_url_parts("mentoring:pair_detail")
    meeting_head, meeting_tail = object_url_parts("mentoring:meeting_detail")
    kinds, formats = labels(Meeting.Kind.choices), labels(Meeting.Format.choices)
    group = f'<span class="text-muted">{esc(gettext("групповая встреча"))}</span>'
    out = []
    for meeting in rows:
        year = f"{meeting.start_year}/{meeting.start_year + 1}"  # as str(AcademicYear)
        organisation = (f'<div class="small text-muted">{esc(meeting.organisation_short_name)}</div>'
                        if show_organisation else "")
        pair = (f'<a href="{pair_head}{meeting.pair_id}{pair_tail}">{people(meeting.people)}</a>'
                if meeting.pair_id else group)
        out.append(
            f'<tr><td class="text-nowrap">{day(meeting.held_on)}</td>'
            f'<td><a href="{programme_head}{meeting.programme_id}{programme_tail}">«{esc(meeting.form_name)}», '
            f'{year}</a>{organisation}</td><td>{pair}</td>'
            f'<td><a href="{meeting_head}{meeting.pk}{meeting_tail}">{kinds.get(meeting.kind) or esc(meeting.kind)}</a>'
            f'<div class="small">{esc(meeting.topic)}</div></td>'
            f'<td>{formats.get(meeting.format) or esc(meeting.format)}</td>'
            f'<td class="text-end">{meeting.attendee_count}</td></tr>')
    return mark_safe("".join(out))
