"""Table rows of the busiest lists, built in Python: ``{% participant_rows listing.rows show_organisation %}``.

A list page shows fifty rows of six or seven cells. Through the template engine one participant row
cost about a thousand Python calls (variable lookups, filters, the consent badge's include, the link's
URL resolution), and even ``format_html`` per cell costs a few dozen — more than the whole page around
the table, and the district lists are what the curators open all day (issue 16). These builders write
the same markup with one f-string a row: every text is escaped with ``esc`` (``html.escape``, which is
what Django's ``escape`` calls), the labels are translated once per table and the links share one
reversed address (``registry.paths``). The mentoring lists' rows are in
``mentoring.templatetags.mentoring_rows``.
"""

import html

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from registry.models import Participant
from registry.paths import object_url_parts

register = template.Library()

EMPTY = "—"


def esc(value) -> str:
    """``value`` as text in HTML, as ``{{ value }}`` writes it (``None`` as "None", like the template)."""
    return html.escape(str(value))


def day(value) -> str:
    """A date as ``|date:"d.m.Y"|default:"—"`` writes it."""
    return value.strftime("%d.%m.%Y") if value else EMPTY


def labels(choices) -> dict[str, str]:
    """A choices' labels translated now (the lazy labels follow the request's language), escaped."""
    return {value: esc(label) for value, label in choices}


def consent_badges() -> tuple[str, str, str]:
    """What ``registry/_consent_badge.html`` shows: valid, lapsed or revoked, missing."""
    return (f'<span class="badge badge-consent-valid">{esc(gettext("действует"))}</span>',
            f'<span class="badge badge-consent-lapsed">{esc(gettext("отозвано / истекло"))}</span>',
            f'<span class="badge badge-consent-missing">{esc(gettext("нет согласия"))}</span>')


@register.simple_tag
def participant_rows(rows, show_organisation: bool):
    """The participant list's rows (``registry.views.participants._page_rows`` loads what they read:
    ``organisation_short_name``, ``mentor_profile_pk``, ``mentee_profile_pk`` and the consent state)."""
    head, tail = object_url_parts("registry:participant_detail")
    categories = labels(Participant.Category.choices)
    valid, lapsed, missing = consent_badges()
    archive = f' <span class="badge text-bg-secondary">{esc(gettext("архив"))}</span>'
    mentor = f'<span class="badge text-bg-primary">{esc(gettext("наставник"))}</span>'
    mentee = f'<span class="badge text-bg-info">{esc(gettext("наставляемый"))}</span>'
    muted = ' class="text-muted"'
    out = []
    for p in rows:
        roles = " ".join(badge for badge, present in ((mentor, p.mentor_profile_pk), (mentee, p.mentee_profile_pk))
                         if present)
        consent = valid if p.has_valid_consent else lapsed if p.has_any_consent else missing
        organisation = f"<td>{esc(p.organisation_short_name)}</td>" if show_organisation else ""
        out.append(
            f'<tr{muted if p.is_archived else ""}>'
            f'<td><a href="{head}{p.pk}{tail}">{esc(p.full_name)}</a>{archive if p.is_archived else ""}</td>'
            f'<td>{categories.get(p.category) or esc(p.category)}</td><td>{esc(p.class_name or p.position)}</td>'
            f'<td>{day(p.birth_date)}</td><td>{roles}</td><td>{consent}</td>{organisation}</tr>')
    return mark_safe("".join(out))
