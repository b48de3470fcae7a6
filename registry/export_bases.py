"""The mentor base and the mentee base as exporters: the participant list's filters are their parameters.

The list page's «XLSX» buttons hand their query string over to the export page (``?kind=mentors&…``),
which checks the filters against the requester's scope and requests the job; the rows are
``registry.exports``' (the pair columns filled by the provider mentoring registers).
"""

from __future__ import annotations

from typing import ClassVar

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import exports, processing, xlsx
from registry.exporters import ExportError, Exporter, ExportForm, Progress, register
from registry.filters import ParticipantFilter
from registry.listing import id_param
from registry.models import Organisation, Participant, Topic


class ParticipantFilterForm(ExportForm):
    """The registry list's filters, checked against the scope; the params are a small dict of the
    non-empty values (equal requests, equal params)."""

    template_name_fields = "registry/exports/_participant_filters.html"
    from_query = True

    def __init__(self, data=None, *, scope, **kwargs):
        super().__init__(data, scope=scope, **kwargs)
        self.filter = ParticipantFilter(data, queryset=Participant.objects.none(), scope=scope)

    def is_valid(self) -> bool:
        return super().is_valid() and self.filter.is_valid()

    def requested_organisation(self) -> int | None:
        """The organisation typed into the request, also where the filter has no such field (a school
        curator's): a forged id of another school is then a 404, not a silent file of one's own school."""
        return id_param(self.data.get("organisation")) if self.data else None

    def params(self) -> dict:
        cleaned = {}
        for name in sorted(self.filter.filters):
            value = self.data.get(name)
            if value not in (None, ""):
                cleaned[name] = value
        return {"filters": cleaned}


def _filter_data(filters: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in filters.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return data


def base_participants(scope, filters: dict):
    """The participants the list page would show the requester with these filters."""
    queryset = Participant.objects.visible_to(scope).select_related("organisation")
    filterset = ParticipantFilter(_filter_data(filters), queryset=queryset, scope=scope)
    if not filterset.is_valid():
        raise ExportError(_("Условия отбора больше не действуют: %(errors)s")
                          % {"errors": "; ".join(str(e) for errors in filterset.form.errors.values() for e in errors)})
    return filterset.qs


class BaseExport(Exporter):
    form_class = ParticipantFilterForm
    personal = True
    formats = ("xlsx", "csv")
    base: ClassVar[str] = ""
    profile: ClassVar[str] = ""

    @classmethod
    def describe(cls, params: dict) -> str:
        """The filters with their labels: «Категория: Обучающийся; Организация: МБОУ СОШ № 1»."""
        filters = params.get("filters") or {}
        if not filters:
            return _("все участники")
        parts = []
        for name, value in filters.items():
            spec = ParticipantFilter.base_filters.get(name)
            if spec is None:
                continue
            shown = value
            if name == "organisation":
                shown = Organisation.objects.filter(pk=value).values_list("short_name", flat=True).first() or value
            elif name == "topic":
                shown = Topic.objects.filter(pk=value).values_list("name", flat=True).first() or value
            elif name == "archived":
                shown = _("да")
            elif "choices" in spec.extra:
                shown = dict(spec.extra["choices"]).get(value, value)
            parts.append(f"{spec.label}: {shown}")
        return "; ".join(str(part) for part in parts)

    def people(self, participants):
        """(the people's queryset, the details adder, the columns) of this base over ``participants``."""
        raise NotImplementedError

    def sheets(self, progress: Progress | None = None):
        """One sheet; progress is reported per chunk of people through the pair columns' provider, which
        ``build_rows`` calls once per chunk: no second pass over the rows."""
        # A person whose consent was revoked or expired is not processed any more: not in a new base.
        participants = processing.without_lapsed(base_participants(self.scope, self.params.get("filters") or {}))
        people, details, columns = self.people(participants)
        provider = exports._pair_info_providers.get(self.base)
        pair_info = provider
        if progress and provider:
            count = participants.filter(**{f"{self.profile}__isnull": False}).count()
            done = 0

            def pair_info(participant_ids):
                nonlocal done
                result = provider(participant_ids)
                done += len(participant_ids)
                progress(done, count)
                return result

        header = [column.title for column in columns]
        rows = exports.build_rows(people, columns, details=details, pair_info=pair_info)
        yield xlsx.Sheet(title=str(self.verbose_name), rows=_with_header(header, rows),
                         widths=[column.width for column in columns])


def _with_header(header, rows):
    yield header
    yield from rows


@register
class MentorsExport(BaseExport):
    identifier = "mentors"
    position = 30
    verbose_name = gettext_lazy("База наставников")
    description = gettext_lazy("Наставники с их парами — по форме методических рекомендаций, с отбором как в "
                               "списке участников.")
    base, profile = "mentors", "mentor_profile"

    def people(self, participants):
        return exports.mentor_queryset(participants), exports.add_mentor_details, exports.MENTOR_COLUMNS


@register
class MenteesExport(BaseExport):
    identifier = "mentees"
    position = 40
    verbose_name = gettext_lazy("База наставляемых")
    description = gettext_lazy("Наставляемые с их наставниками — по форме методических рекомендаций, с отбором "
                               "как в списке участников.")
    base, profile = "mentees", "mentee_profile"

    def people(self, participants):
        return exports.mentee_queryset(participants), exports.add_mentee_details, exports.MENTEE_COLUMNS
