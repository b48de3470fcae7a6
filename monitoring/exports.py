"""Monitoring exports as XLSX, and the job service that builds them in the background.

Three spreadsheets are built here and two are borrowed:

- the yearly statistics of participants by category and form per organisation, with a TOTAL row — the
  federal statistical observation sent to the regional mentoring centre by 30 December
  (``statistics_rows`` / ``write_statistics``);
- the district monitoring table: ``monitoring.figures.compute`` per organisation, ``figures.total``
  as the last row (``monitoring_rows`` / ``write_monitoring``);
- the registry bases (mentors, mentees): ``registry.exports.export_base`` with the list page's filters;
- the district's roadmaps item by item: ``monitoring.district.roadmap_matrix.write_matrix``, the rows of its page.
- the quarterly personalised accounting: ``monitoring.accounting_export`` with its page's filters.
- one organisation's statistics form, by form and category: ``monitoring.statistics_form``.

The statistics are counted by the database in one grouped query over all the organisations; the other
builders walk the organisations in chunks and run a fixed number of grouped queries per chunk. So neither
the number of queries nor the memory grows with the rows; openpyxl's write-only workbook
streams the sheet to disk. A row generator feeds the writer (pretix's pattern), so the tests read the
same rows the file gets.

An export is an ``ExportJob`` row: ``request_export`` creates it (refusing a duplicate of one still
being built), ``run_export`` builds it — inside the *requester's* scope, re-established from the
database, never the caller's — and ``remove_expired`` is the retention job.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Q
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from mentoring.exports import mentee_pair_info, mentor_pair_info
from mentoring.models import Membership, MentoringForm, MentorLink
from monitoring import figures as monitoring_figures
from monitoring import jobs
from monitoring.district import roadmap_matrix
from monitoring.models import ExportJob
from monitoring.xlsx_print import set_printing
from registry import cells
from registry.exports import export_base
from registry.filters import ParticipantFilter
from registry.models import AcademicYear, Municipality, Organisation, Participant, Topic
from registry.scoping import Scope

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATISTICS_CHUNK = 100  # statistics rows per progress report
MONITORING_CHUNK = 50  # organisations per figures.compute call
EXPIRES_AFTER = datetime.timedelta(days=7)
# A job still pending or running after this long lost its worker; it is failed so that it no longer
# blocks a new request (the one_running_export constraint).
STALE_AFTER = datetime.timedelta(hours=6)

Progress = Callable[[int, int], None]  # (done, total)

STUDENTS = (Participant.Category.STUDENT,)
TEACHERS = (Participant.Category.TEACHER, Participant.Category.YOUNG_SPECIALIST)
OTHERS = (Participant.Category.PARENT, Participant.Category.GRADUATE, Participant.Category.EMPLOYER)


def total_label() -> str:
    return _("ИТОГО")


class TotalRow(list):
    """The last row of a table: the writer sets it in bold."""


class ExportError(Exception):
    """A failure the requester can understand and act on; its message is shown as it is."""


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _organisations(organisations, chunk_size: int) -> tuple[Iterator, int | None]:
    """An iterator over the organisations (streamed if a queryset) and their number if cheap to know."""
    if isinstance(organisations, models.QuerySet):
        queryset = organisations.select_related("municipality")
        return queryset.iterator(chunk_size=chunk_size), None
    organisations = list(organisations)
    return iter(organisations), len(organisations)


def _count(organisations, known: int | None) -> int:
    return known if known is not None else organisations.count()


# --- the statistics (federal observation, by 30 December) -----------------------------------------------


def statistics_forms(year: AcademicYear) -> list[MentoringForm]:
    """The forms that get columns: every form in use, and any retired one a programme of the year has."""
    return list(
        MentoringForm.objects.filter(Q(is_active=True) | Q(programmes__academic_year=year))
        .distinct().order_by("position", "name")
    )


def statistics_header(forms: list[MentoringForm]) -> list[str]:
    header = [_("Организация"), _("Муниципалитет")]
    for form in forms:
        header += [_("«%(form)s»: наставники") % {"form": form.name},
                   _("«%(form)s»: наставляемые") % {"form": form.name}]
    header += [
        _("Наставников всего"),
        _("Наставляемых всего"),
        _("Обучающиеся"),
        _("Педагоги (включая молодых специалистов)"),
        _("в т. ч. молодые специалисты"),
        _("Иные участники (родители, выпускники, работодатели)"),
        _("Участников программы всего"),
    ]
    return header


def _statistics_chunk(organisation_ids: list[int], year: AcademicYear) -> dict[int, dict]:
    """Per organisation: the people who mentored or were mentored in a worked pair of the year — the
    people themselves, for one organisation's form (``monitoring.statistics_form`` crosses forms with
    categories); the district's table counts in the database instead (``_statistics_counts``).

    Two queries, each returning distinct (organisation, form, person, category) tuples; a replaced
    mentor and a mentee who left a group count, as in ``monitoring.figures``.
    """
    worked = Q(pair__programme__organisation_id__in=organisation_ids, pair__programme__academic_year=year,
               pair__status__in=monitoring_figures.WORKED)
    result: dict[int, dict] = defaultdict(lambda: {"mentors": defaultdict(set), "mentees": defaultdict(set),
                                                    "people": {}})
    sources = (
        ("mentors", MentorLink.objects.filter(worked).values_list(
            "pair__programme__organisation_id", "pair__programme__form_id", "mentor__participant_id",
            "mentor__participant__category")),
        ("mentees", Membership.objects.filter(worked).values_list(
            "pair__programme__organisation_id", "pair__programme__form_id", "mentee__participant_id",
            "mentee__participant__category")),
    )
    for role, queryset in sources:
        # order_by(): the models' default ordering would otherwise enter the DISTINCT.
        for organisation_id, form_id, person_id, category in queryset.order_by().distinct():
            cell = result[organisation_id]
            cell[role][form_id].add(person_id)
            cell["people"][person_id] = category
    return result


# The grouped counts of ``_statistics_counts``, keyed by what they were grouped by.
MENTOR, MENTEE = 0, 1


def _worked_people(organisations, year: AcademicYear) -> tuple[str, tuple]:
    """The SQL of every (organisation, form, role, person, category) of a worked pair of the year, mentors
    and mentees, duplicates kept — the ORM writes it, so the scoping subquery and the joins are its own.
    A replaced mentor and a mentee who left a group count, as in ``monitoring.figures``."""
    if isinstance(organisations, models.QuerySet):
        chosen = organisations.order_by().values("pk")  # a subquery: no organisation is read here
    else:
        chosen = [o.pk for o in organisations]
    worked = Q(pair__programme__organisation_id__in=chosen, pair__programme__academic_year=year,
               pair__status__in=monitoring_figures.WORKED)

    def tuples(model, profile: str):
        # Annotations in this order are the SELECT's columns in this order, under these names.
        return (model.objects.filter(worked).order_by()
                .annotate(org=F("pair__programme__organisation_id"), form=F("pair__programme__form_id"),
                          person=F(f"{profile}__participant_id"), category=F(f"{profile}__participant__category"))
                .values_list("org", "form", "person", "category"))

    mentors_sql, mentors_params = tuples(MentorLink, "mentor").query.sql_with_params()
    mentees_sql, mentees_params = tuples(Membership, "mentee").query.sql_with_params()
    sql = (f"SELECT org, form, {MENTOR} AS role, person, category FROM ({mentors_sql}) mentors "
           f"UNION ALL SELECT org, form, {MENTEE}, person, category FROM ({mentees_sql}) mentees")
    return sql, (*mentors_params, *mentees_params)


def _statistics_counts(organisations, year: AcademicYear) -> dict[int, dict]:
    """Per organisation, counted by the database in ONE query whatever the number of organisations:
    distinct people per form and role, per role, and per category (a person who is mentor and mentee,
    or in two forms, counts once where the forms or roles are merged)."""
    try:
        worked, params = _worked_people(organisations, year)
    except EmptyResultSet:  # no organisation at all (``.none()``): nothing to count
        return {}
    sql = (f"WITH worked AS ({worked}) "
           "SELECT 0, org, form, role, NULL, COUNT(DISTINCT person) FROM worked GROUP BY org, form, role "
           "UNION ALL SELECT 1, org, NULL, role, NULL, COUNT(DISTINCT person) FROM worked GROUP BY org, role "
           "UNION ALL SELECT 2, org, NULL, NULL, category, COUNT(DISTINCT person) FROM worked "
           "GROUP BY org, category")
    result: dict[int, tuple] = defaultdict(lambda: ({}, {}, {}))  # by (form, role), by role, by category
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for grouping, organisation_id, form_id, role, category, count in cursor.fetchall():
            counted = result[organisation_id][grouping]
            counted[(form_id, role) if grouping == 0 else role if grouping == 1 else category] = count
    return result


def _statistics_row(organisation: Organisation, municipality: str, counts: tuple[dict, dict, dict],
                    forms: list[MentoringForm]) -> list:
    by_form, by_role, by_category = counts
    row: list = [organisation.short_name, municipality]
    for form in forms:
        row += [by_form.get((form.pk, MENTOR), 0), by_form.get((form.pk, MENTEE), 0)]
    row += [
        by_role.get(MENTOR, 0),
        by_role.get(MENTEE, 0),
        sum(by_category.get(c, 0) for c in STUDENTS),
        sum(by_category.get(c, 0) for c in TEACHERS),
        by_category.get(Participant.Category.YOUNG_SPECIALIST, 0),
        sum(by_category.get(c, 0) for c in OTHERS),
        sum(by_category.values()),
    ]
    return row


def statistics_rows(organisations, year: AcademicYear, *, progress: Progress | None = None,
                    chunk_size: int | None = None) -> Iterator[list]:
    """The header, one row per organisation, and a TOTAL row that is the sum of the rows above it.

    ``organisations`` is a queryset (streamed, and a subquery of the counts) or a list. Three queries
    whatever their number: the forms, the grouped counts, the organisations with their municipalities
    (plus a count when ``progress`` is given for a queryset, reported every ``chunk_size`` rows).
    """
    chunk_size = chunk_size or STATISTICS_CHUNK
    forms = statistics_forms(year)
    yield statistics_header(forms)
    counts = _statistics_counts(organisations, year)
    iterator, known = _organisations(organisations, chunk_size)
    if known is not None:  # a list: its municipalities' names in one query
        municipalities = dict(Municipality.objects.filter(pk__in={o.municipality_id for o in organisations})
                              .values_list("pk", "name"))
    count = _count(organisations, known) if progress else 0
    empty = ({}, {}, {})
    totals = [0] * (len(forms) * 2 + 7)
    for done, organisation in enumerate(iterator, start=1):
        municipality = municipalities[organisation.municipality_id] if known is not None \
            else organisation.municipality.name
        row = _statistics_row(organisation, municipality, counts.get(organisation.pk, empty), forms)
        totals = [a + b for a, b in zip(totals, row[2:])]
        yield row
        if progress and (done % chunk_size == 0 or done == count):
            progress(done, count)
    yield TotalRow([total_label(), ""] + totals)


def write_statistics(file, *, organisations, year: AcademicYear, progress: Progress | None = None) -> None:
    """The statistics workbook into ``file`` (a path or a binary file object)."""
    rows = statistics_rows(organisations, year, progress=progress)
    write_table(file, title=_("Статистика %(year)s") % {"year": str(year).replace("/", "-")}, rows=rows,
                widths=lambda header: [40, 26] + [14] * (len(header) - 2))


# --- the district monitoring table ------------------------------------------------------------------------


def _get(figures: dict, path: str):
    value = figures
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


# (title, path in the figures of monitoring.figures.compute / figures.total)
MONITORING_COLUMNS: tuple[tuple[str, str], ...] = (
    (gettext_lazy("Участников в реестре"), "participants_total"),
    (gettext_lazy("Участников программы"), "in_programme"),
    (gettext_lazy("Обучающихся в программе"), "coverage.students"),
    (gettext_lazy("Обучающихся всего (база охвата)"), "coverage.students_base"),
    (gettext_lazy("Охват обучающихся, %"), "coverage.students_percent"),
    (gettext_lazy("Цель по обучающимся, %"), "coverage.students_target"),
    (gettext_lazy("Педагогов в программе"), "coverage.teachers"),
    (gettext_lazy("Педагогов всего"), "coverage.teachers_base"),
    (gettext_lazy("Охват педагогов, %"), "coverage.teachers_percent"),
    (gettext_lazy("Цель по педагогам, %"), "coverage.teachers_target"),
    (gettext_lazy("Пары: формируются"), "pairs.forming"),
    (gettext_lazy("Пары: действуют"), "pairs.active"),
    (gettext_lazy("Пары: завершены"), "pairs.completed"),
    (gettext_lazy("Пары: прекращены досрочно"), "pairs.ended_early"),
    (gettext_lazy("в т. ч. групп"), "pairs.groups"),
    (gettext_lazy("Встреч"), "meetings"),
    (gettext_lazy("Индивидуальных планов"), "plans.count"),
    (gettext_lazy("Среднее выполнение планов, %"), "plans.average_percent"),
    (gettext_lazy("Планов, выполненных на целевой уровень"), "plans.on_target"),
    (gettext_lazy("Участников с согласием"), "consents.with_consent"),
    (gettext_lazy("Согласия, %"), "consents.percent"),
    (gettext_lazy("Удовлетворённость наставников (1–5)"), "satisfaction.mentor_satisfaction"),
    (gettext_lazy("Удовлетворённость наставляемых (1–5)"), "satisfaction.mentee_satisfaction"),
    (gettext_lazy("Качество программы (1–5)"), "satisfaction.programme_quality"),
)


def monitoring_rows(organisations, year: AcademicYear, *, progress: Progress | None = None,
                    chunk_size: int | None = None, today: datetime.date | None = None) -> Iterator[list]:
    """The header, one row per organisation from ``figures.compute``, and the ``figures.total`` row.

    The per-organisation figures are kept (small dicts, one per organisation, not per participant) for
    the total, which is ``figures.total``'s: its coverage counts only organisations with a head count,
    its targets only when all organisations share one; satisfaction stays empty (not a sum).
    """
    chunk_size = chunk_size or MONITORING_CHUNK
    yield [_("Организация")] + [str(title) for title, _path in MONITORING_COLUMNS]
    iterator, known = _organisations(organisations, chunk_size)
    count = _count(organisations, known) if progress else 0
    kept: dict[int, dict] = {}
    done = 0
    for chunk in _chunks(iterator, chunk_size):
        computed = monitoring_figures.compute(chunk, year, today=today)
        for organisation in chunk:
            figures = computed[organisation.pk]
            kept[organisation.pk] = figures
            yield [figures["organisation"]] + [_get(figures, path) for _title, path in MONITORING_COLUMNS]
        done += len(chunk)
        if progress:
            progress(done, count)
    summed = monitoring_figures.total(kept)
    summed.setdefault("plans", {"count": sum(f["plans"]["count"] for f in kept.values()),
                                "on_target": sum(f["plans"]["on_target"] for f in kept.values())})
    yield TotalRow([total_label()] + [_get(summed, path) for _title, path in MONITORING_COLUMNS])


def write_monitoring(file, *, organisations, year: AcademicYear, progress: Progress | None = None) -> None:
    rows = monitoring_rows(organisations, year, progress=progress)
    write_table(file, title=_("Мониторинг %(year)s") % {"year": str(year).replace("/", "-")}, rows=rows,
                widths=lambda header: [40] + [13] * (len(header) - 1))


# --- the writer -----------------------------------------------------------------------------------------


def write_table(file, *, title: str, rows: Iterator[list], widths: Callable[[list], list[int]],
                heading: str = "") -> None:
    """A write-only workbook: the first row of ``rows`` as a bold, wrapped, frozen header, the rest as
    values, the TOTAL row in bold; printed landscape with ``heading`` (else ``title``) on every page
    (``monitoring.xlsx_print``). Memory stays bounded whatever the number of rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    set_printing(sheet, heading or title)
    header = next(rows)
    column_widths = widths(header)
    for index, width in enumerate(column_widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    # Wrapped titles need a tall header row: LibreOffice keeps a stored row at one line and cuts them.
    # About three quarters of a column's width in characters fit a line once words wrap.
    lines = max((-(-len(str(title)) // max(int(width * 0.75), 1)) for title, width in zip(header, column_widths)),
                default=1)
    sheet.row_dimensions[1].height = 15 * min(lines, 8)
    sheet.freeze_panes = "B2"
    bold = Font(bold=True)
    wrapped = Alignment(wrap_text=True, vertical="top")
    heads = []
    for value in header:
        cell = cells.cell(sheet, value)
        cell.font = bold
        cell.alignment = wrapped
        heads.append(cell)
    sheet.append(heads)
    for values in rows:
        if isinstance(values, TotalRow):
            styled = []
            for value in values:
                cell = cells.cell(sheet, value)
                cell.font = bold
                styled.append(cell)
            sheet.append(styled)
        else:
            sheet.append(cells.safe_row(sheet, values))
    workbook.save(file)


# --- the registry bases -----------------------------------------------------------------------------------


def _filter_data(filters: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in filters.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return data


def clean_base_filters(data, scope: Scope) -> tuple[dict, ParticipantFilter]:
    """The registry list's filters in ``data`` (a query string or a POST), checked against the scope, as
    a small JSON-ready dict (empty values dropped) so that equal requests get equal parameters; and the
    filter set, for its form (unbound when ``data`` is None)."""
    filterset = ParticipantFilter(data, queryset=Participant.objects.none(), scope=scope)
    if data is None or not filterset.is_valid():
        return {}, filterset
    cleaned = {}
    for name in sorted(filterset.filters):
        value = data.get(name)
        if value not in (None, ""):
            cleaned[name] = value
    return cleaned, filterset


def base_participants(scope: Scope, filters: dict):
    """The participants the list page would show the requester with these filters."""
    queryset = Participant.objects.visible_to(scope).select_related("organisation")
    filterset = ParticipantFilter(_filter_data(filters), queryset=queryset, scope=scope)
    if not filterset.is_valid():
        raise ExportError(_("Условия отбора больше не действуют: %(errors)s")
                          % {"errors": "; ".join(str(e) for errors in filterset.form.errors.values() for e in errors)})
    return filterset.qs


def write_base(scope: Scope, *, base: str, filters: dict, progress: Progress | None = None):
    """The mentor or mentee base as a temporary file (rewound), progress reported per chunk of people.

    ``export_base`` calls the pair columns' provider once per chunk of participants: wrapping it is how
    we learn how far it got, without a second pass over the rows.
    """
    participants = base_participants(scope, filters)
    provider = mentor_pair_info if base == "mentors" else mentee_pair_info
    if not progress:
        return export_base(participants, base=base, pair_info=provider)
    profile = "mentor_profile" if base == "mentors" else "mentee_profile"
    count = participants.filter(**{f"{profile}__isnull": False}).count()
    done = 0

    def pair_info(participant_ids):
        nonlocal done
        result = provider(participant_ids)
        done += len(participant_ids)
        progress(done, count)
        return result

    return export_base(participants, base=base, pair_info=pair_info)


# --- jobs ---------------------------------------------------------------------------------------------------


class DuplicateExport(Exception):
    def __init__(self, job: ExportJob | None):
        super().__init__(_("Такая выгрузка уже готовится."))
        self.job = job


def export_organisations(scope: Scope):
    return (Organisation.objects.visible_to(scope).filter(is_active=True)
            .order_by("municipality__name", "short_name", "pk"))


def describe_params(params: dict) -> str:
    """The parameters as a person reads them: «2024/2025 учебный год» or the filters with their labels."""
    if "quarter" in params:
        from monitoring import accounting_export

        return accounting_export.describe(params)
    if "organisation" in params:
        name = Organisation.objects.filter(pk=params["organisation"]).values_list("short_name", flat=True).first()
        return _("%(organisation)s, %(start)s/%(end)s учебный год") % {
            "organisation": name or "—", "start": params["year"], "end": params["year"] + 1}
    if "year" in params:
        return _("%(start)s/%(end)s учебный год") % {"start": params["year"], "end": params["year"] + 1}
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


def download_name(job: ExportJob) -> str:
    names = {
        ExportJob.Kind.STATISTICS: _("Статистика участников"),
        ExportJob.Kind.DISTRICT_MONITORING: _("Мониторинг"),
        ExportJob.Kind.MENTORS: _("База наставников"),
        ExportJob.Kind.MENTEES: _("База наставляемых"),
        ExportJob.Kind.ROADMAP_MATRIX: _("Дорожные карты по мероприятиям"),
        ExportJob.Kind.ACCOUNTING: _("Персонифицированный учёт"),
        ExportJob.Kind.STATISTICS_FORM: _("Форма статистики"),
    }
    stamp = timezone.localtime(job.finished_at or job.created_at)
    year = f" {job.params['year']}-{job.params['year'] + 1}" if "year" in job.params else ""
    if "quarter" in job.params:
        year = f" {job.params['quarter']}"
    return f"{names[job.kind]}{year} {stamp:%d.%m.%Y}.xlsx"


def request_export(*, user, kind: str, params: dict) -> ExportJob:
    """A new pending job; ``DuplicateExport`` if the same one (kind and parameters) is still being built.

    The check comes first for a friendly answer; the partial unique constraint ``one_running_export``
    decides a race between two simultaneous requests. The caller starts the task on commit.
    """
    same = ExportJob.objects.running().filter(requested_by=user, kind=kind, params_key=ExportJob.key_for(params))
    existing = same.first()
    if existing is not None:
        if not jobs.is_live(existing):
            jobs.sweep()  # its worker died: taken back and sent again, so «уже готовится» is true again
        raise DuplicateExport(existing)
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(kind=kind, params=params, requested_by=user)
            jobs.enqueue(job)
            return job
    except IntegrityError:
        raise DuplicateExport(same.first()) from None


class ProgressReporter:
    """Writes a job's progress to its row when the whole percent changes (at most 99 before done), and
    renews the job's lease at least every ``BEAT_EVERY`` seconds (``monitoring.jobs.beat``); raises
    ``jobs.Cancelled`` once the requester cancelled the job."""

    BEAT_EVERY = 10

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = 0
        self.updates = 0
        self.beaten_at = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        percent = min(99, int(100 * done / total)) if total else 99
        if percent > self.last:
            self.last = percent
            self.updates += 1
            jobs.beat(self.job_id, percent)
            self.beaten_at = time.monotonic()
        elif time.monotonic() - self.beaten_at > self.BEAT_EVERY:
            jobs.beat(self.job_id)
            self.beaten_at = time.monotonic()


def _year(params: dict) -> AcademicYear:
    try:
        return AcademicYear.objects.get(start_year=params["year"])
    except (KeyError, AcademicYear.DoesNotExist):
        raise ExportError(_("Учебный год выгрузки не найден.")) from None


def _build(job: ExportJob, scope: Scope, progress: Progress):
    """The file of a job, as an open binary file positioned at its start."""
    if job.kind in (ExportJob.Kind.MENTORS, ExportJob.Kind.MENTEES):
        return write_base(scope, base=job.kind, filters=job.params.get("filters") or {}, progress=progress)
    if job.kind == ExportJob.Kind.ACCOUNTING:
        from monitoring import accounting_export  # it builds on this module's writer

        return accounting_export.build(scope, job.params, progress)
    if job.kind == ExportJob.Kind.STATISTICS_FORM:
        from monitoring import statistics_form  # it builds on this module's writer

        return statistics_form.build(scope, job.params, progress)
    year = _year(job.params)
    writer = {ExportJob.Kind.STATISTICS: write_statistics,
              ExportJob.Kind.DISTRICT_MONITORING: write_monitoring,
              ExportJob.Kind.ROADMAP_MATRIX: roadmap_matrix.write_matrix}.get(job.kind)
    if writer is None:
        raise ExportError(_("Неизвестный вид выгрузки: %(kind)s.") % {"kind": job.kind})
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        writer(handle, organisations=export_organisations(scope), year=year, progress=progress)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def run_export(job_id: int) -> ExportJob | None:
    """Build a pending job: RUNNING, progress, the file, DONE with an expiry — or FAILED with the reason.

    The job is claimed with a conditional update, so a redelivered task (acks_late) or a second worker
    does nothing. The scope is the requester's as it is now, read from the database.
    """
    if not jobs.claim(job_id):
        logger.info("Export job %s is not pending any more; skipped.", job_id)
        return None
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            scope = Scope.for_user(job.requested_by)
            if scope.is_empty:
                raise ExportError(_("У запросившего больше нет доступа ни к одной организации."))
            with _build(job, scope, ProgressReporter(job.pk)) as handle:
                name = f"{job.kind}-{timezone.localdate():%Y%m%d}-{secrets.token_hex(8)}.xlsx"
                stored = jobs.store(job, handle, name)
            # What the file may hold: checked again at download time against the requester's scope then.
            covered = sorted(export_organisations(scope).values_list("pk", flat=True))
        now = timezone.now()
        finished = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(
            status=ExportJob.Status.DONE, progress=100, error="", file=stored, finished_at=now,
            expires_at=now + EXPIRES_AFTER, covered=covered, heartbeat_at=now)
        if finished != 1:  # cancelled (or taken back by the sweep) while the file was being stored
            job.file.storage.delete(stored)
    except jobs.Cancelled:
        logger.info("Export job %s was cancelled while it was being built.", job_id)
    except SoftTimeLimitExceeded:
        _fail(job_id, _("Выгрузка не уложилась в отведённое время. Сузьте условия или попробуйте позже."))
    except Exception as error:
        logger.exception("Export job %s failed", job_id)
        if isinstance(error, ExportError):
            message = str(error)
        elif isinstance(error, OSError):
            message = _("Не удалось записать файл (%(error)s). Сообщите администратору.") % {"error": error.strerror
                                                                                           or error}
        else:
            message = f"{type(error).__name__}: {error}"
        _fail(job_id, message)
    job.refresh_from_db()
    return job


def _fail(job_id: int, message: str) -> None:
    ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(
        status=ExportJob.Status.FAILED, error=message, file="", finished_at=timezone.now())


def still_covered(job: ExportJob, scope: Scope) -> bool:
    """Whether the requester's scope *now* still reaches every organisation the file was built over."""
    if not job.covered:
        return True
    reached = set(Organisation.objects.visible_to(scope).filter(pk__in=job.covered).values_list("pk", flat=True))
    return reached == set(job.covered)


def remove_expired(now: datetime.datetime | None = None) -> dict[str, int]:
    """Retention: delete the files of expired jobs (the rows stay, with an empty file), and fail jobs
    that have been pending or running for too long so they stop blocking a new request."""
    now = now or timezone.now()
    removed = 0
    storage = ExportJob._meta.get_field("file").storage
    # Listed first (a day's worth of jobs), not iterated while the same table is updated.
    expired = list(ExportJob.objects.filter(expires_at__lte=now).exclude(file="").values_list("pk", "file"))
    for pk, name in expired:
        storage.delete(name)  # a file already gone from the storage is not an error
        removed += ExportJob.objects.filter(pk=pk, file=name).update(file="")
    # Jobs no worker finished in six hours, whatever the lease says, stop blocking a new request.
    stale = ExportJob.objects.running().filter(created_at__lte=now - STALE_AFTER).update(
        status=ExportJob.Status.FAILED, finished_at=now,
        error=_("Выгрузка прервана: файл не был сформирован вовремя. Запросите её снова."))
    return {"removed": removed, "stale": stale}
