"""Table rows of the busiest lists, built in Python: ``{% participant_row p show_organisation %}``.

A list page shows fifty rows of six or seven cells. Through the template engine one participant row
cost about a thousand Python calls (variable lookups, filters, the consent badge's include, the link's
URL resolution) — more than the whole page around it, and the district lists are what the curators open
all day (issue 16). These builders write the same markup with ``format_html`` (so every value is
escaped) from what the view loaded for the page. The row markup lives here, next to the template that
uses it; the mentoring lists' rows are in ``mentoring.templatetags.mentoring_rows``.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from registry.models import Participant

register = template.Library()

EMPTY = "—"


def day(value) -> str:
    """A date as ``|date:"d.m.Y"|default:"—"`` writes it."""
    return value.strftime("%d.%m.%Y") if value else EMPTY


def consent_badge(has_valid: bool, has_any: bool) -> str:
    """What ``registry/_consent_badge.html`` shows, from ``with_consent_state``'s two annotations."""
    if has_valid:
        return format_html('<span class="badge badge-consent-valid">{}</span>', gettext("действует"))
    if has_any:
        return format_html('<span class="badge badge-consent-lapsed">{}</span>', gettext("отозвано / истекло"))
    return format_html('<span class="badge badge-consent-missing">{}</span>', gettext("нет согласия"))


@register.simple_tag
def participant_row(p, show_organisation: bool):
    """One row of the participant list (``registry.views.participants._page_rows`` loads what it reads)."""
    archived = p.is_archived
    name = format_html('<a href="{}">{}</a>', p.get_absolute_url(), p.full_name)
    if archived:
        name = format_html('{} <span class="badge text-bg-secondary">{}</span>', name, gettext("архив"))
    roles = []
    if p.mentor_profile_pk:
        roles.append(format_html('<span class="badge text-bg-primary">{}</span>', gettext("наставник")))
    if p.mentee_profile_pk:
        roles.append(format_html('<span class="badge text-bg-info">{}</span>', gettext("наставляемый")))
    cells = [name, CATEGORY_LABELS.get(p.category, p.category), p.class_name or p.position, day(p.birth_date),
             mark_safe(" ".join(roles)), consent_badge(p.has_valid_consent, p.has_any_consent)]
    if show_organisation:
        cells.append(p.organisation_short_name)
    return format_html('<tr{}>{}</tr>', mark_safe(' class="text-muted"') if archived else "",
                       mark_safe("".join(format_html("<td>{}</td>", cell) for cell in cells)))


class _Labels(dict):
    """A choices' labels, translated when read (the lazy labels follow the request's language)."""

    def __init__(self, choices):
        super().__init__(choices)

    def get(self, key, default=None):
        label = super().get(key)
        return default if label is None else str(label)


CATEGORY_LABELS = _Labels(Participant.Category.choices)
