"""The quarterly accounting as an exporter (``AccountingExport``, kind ``accounting``).

The job's parameters are the quarter and the page's filters (``{"quarter": "2026-4", "filters": {…}}``);
the file is built inside the requester's scope as it is when the job runs, through the same
``monitoring.accounting.rows`` as the page, so the file is what the page showed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentoring.models import MentoringForm, Pair
from monitoring import accounting
from monitoring.accounting import Filters, Quarter
from monitoring.accounting_forms import PREFIX, AccountingFilterForm
from registry import xlsx
from registry.exporters import ExportError, Exporter, ExportForm, Progress, register, total_label
from registry.listing import id_param
from registry.models import Organisation, Participant

CHUNK = 500  # rows read from the database at a time, and how often progress is reported


def header() -> list[str]:
    return [_("№"), _("ФИО"), _("Категория"), _("Класс / должность"), _("Организация"), _("Роль"),
            _("Пара / группа"), _("Наставник / наставляемые"), _("Форма наставничества"), _("Состояние пары"),
            _("В паре с"), _("по"), _("Встреч за квартал"), _("в т. ч. присутствовал(а)")]


WIDTHS = [6, 34, 16, 20, 28, 14, 10, 24, 22, 18, 11, 11, 10, 12]


def export_rows(scope, quarter: Quarter, filters: Filters, *, progress: Progress | None = None,
                chunk_size: int = CHUNK) -> Iterator[list]:
    """The header, a row per participation, and the totals as the last (bold) row. The rows come from
    one ordered union read in chunks, so memory and queries do not grow with the district."""
    yield header()
    queryset = accounting.rows(scope, quarter, filters).order_by(*accounting.EXPORT_ORDER)
    count = queryset.count() if progress else 0
    number = 0
    for row in accounting.wrap(queryset.iterator(chunk_size=chunk_size)):
        number += 1
        yield [number, row.full_name, row.category_label, row.class_or_job, row.organisation_name, row.role_label,
               _("№ %(pk)s") % {"pk": row.pair_ref}, row.counterpart, row.form_name, row.status_label, row.since,
               row.ended_on, row.meetings, row.attended]
        if progress and number % chunk_size == 0:
            progress(number, count)
    summed = accounting.totals(scope, quarter, filters)
    yield xlsx.TotalRow([
        total_label(), _("участников: %(n)s") % {"n": summed.people},
        _("обучающихся: %(n)s") % {"n": summed.students}, _("педагогов: %(n)s") % {"n": summed.teachers}, "",
        _("наставников: %(mentors)s, наставляемых: %(mentees)s") % {"mentors": summed.mentors,
                                                                    "mentees": summed.mentees},
        _("пар и групп: %(n)s") % {"n": summed.pairs}, "", "", "", "", "",
        _("встреч пар: %(n)s") % {"n": summed.meetings}, "",
    ])


def job_arguments(params: dict, scope) -> tuple[Quarter, Filters]:
    """The quarter and filters of a job, checked again in the requester's scope as it is now."""
    quarter = Quarter.from_param(params.get("quarter"))
    if quarter is None:
        raise ExportError(_("Квартал выгрузки не указан."))
    filters = Filters.from_params(params.get("filters") or {})
    if filters.organisation is not None and not Organisation.objects.visible_to(scope).filter(
            pk=filters.organisation).exists():
        raise ExportError(_("Организация из условий отбора вам больше недоступна."))
    return quarter, filters


def _describe(params: dict) -> str:
    """«IV квартал 2026 г.; роль: наставляемый; организация: МБОУ СОШ № 1» for the job lists."""
    quarter = Quarter.from_param(params.get("quarter"))
    parts = [quarter.label if quarter else _("квартал не указан")]
    filters = Filters.from_params(params.get("filters") or {})
    if filters.organisation is not None:
        name = Organisation.objects.filter(pk=filters.organisation).values_list("short_name", flat=True).first()
        parts.append(_("организация: %(value)s") % {"value": name or filters.organisation})
    if filters.role:
        parts.append(_("роль: %(value)s") % {"value": accounting.ROLE_LABELS.get(filters.role, filters.role)})
    if filters.form is not None:
        name = MentoringForm.objects.filter(pk=filters.form).values_list("name", flat=True).first()
        parts.append(_("форма: %(value)s") % {"value": name or filters.form})
    if filters.category:
        labels = dict(Participant.Category.choices)
        parts.append(_("категория: %(value)s") % {"value": labels.get(filters.category, filters.category)})
    if filters.status:
        labels = dict(Pair.Status.choices)
        parts.append(_("состояние пары: %(value)s") % {"value": labels.get(filters.status, filters.status)})
    if filters.q:
        parts.append(_("ФИО: %(value)s") % {"value": filters.q})
    return "; ".join(str(part) for part in parts)


class AccountingForm(AccountingFilterForm, ExportForm):
    """The accounting page's filters, prefixed: its «XLSX» button hands them over to the export page."""

    template_name_fields = "monitoring/exports/_accounting.html"
    from_query = True

    def __init__(self, data=None, *, scope, **kwargs):
        super().__init__(data, scope=scope, prefix=PREFIX)
        self.scope = scope

    def is_valid(self) -> bool:
        super().is_valid()
        return True  # a value not among the choices is no filter, as on the page (``filters``)

    def params(self) -> dict:
        return {"quarter": self.chosen_quarter().param, "filters": self.filters().as_params()}


@register
class AccountingExport(Exporter):
    identifier = "accounting"
    position = 60
    verbose_name = gettext_lazy("Персонифицированный учёт участников за квартал")
    description = gettext_lazy("Каждое участие в наставничестве за квартал, с отбором как на странице учёта.")
    file_title = gettext_lazy("Персонифицированный учёт")
    form_class = AccountingForm
    personal = True

    @classmethod
    def requested_organisation(cls, params: dict) -> int | None:
        return id_param((params.get("filters") or {}).get("organisation"))

    @classmethod
    def describe(cls, params: dict) -> str:
        return _describe(params)

    @classmethod
    def download_name(cls, params: dict, when: datetime.datetime) -> str:
        return f"{cls.file_title} {params.get('quarter', '')} {when:%d.%m.%Y}.{cls.file_format(params)}"

    def sheets(self, progress: Progress | None = None):
        quarter, filters = job_arguments(self.params, self.scope)
        yield xlsx.Sheet(title=_("Учёт %(quarter)s") % {"quarter": quarter.param},
                         rows=export_rows(self.scope, quarter, filters, progress=progress), widths=WIDTHS,
                         heading=_("Персонифицированный учёт участников: %(what)s") % {"what": _describe(self.params)},
                         freeze="B2")
