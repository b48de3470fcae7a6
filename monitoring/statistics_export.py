"""The yearly statistics of participants by category and form per organisation, with a TOTAL row — the
federal statistical observation sent to the regional mentoring centre by 30 December (the district's
table; one organisation's own form is ``monitoring.statistics_form``).

The counts come from the database in one grouped query over all the organisations (``_statistics_counts``),
the organisations with their municipalities in a second, streamed: neither the number of queries nor the
memory grows with the rows. Who counts: the people of a pair of the year that worked
(``figures.WORKED``); a replaced mentor and a mentee who left a group count, as in ``monitoring.figures``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from operator import add

from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import F, OuterRef, Q, Subquery, TextField
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentoring.models import Membership, MentoringForm, MentorLink, Programme
from monitoring import figures as monitoring_figures
from registry import xlsx
from registry.exporters import (Exporter, Progress, YearForm, register, total_label)
from registry.models import AcademicYear, Organisation, Participant

STATISTICS_CHUNK = 100  # statistics rows per progress report
STUDENTS = (Participant.Category.STUDENT,)
TEACHERS = (Participant.Category.TEACHER, Participant.Category.YOUNG_SPECIALIST)
OTHERS = (Participant.Category.PARENT, Participant.Category.GRADUATE, Participant.Category.EMPLOYER)


def statistics_forms(year: AcademicYear) -> list[MentoringForm]:
    """The forms that get columns: every form in use, and any retired one a programme of the year has."""
    # The year's forms as a subquery, not a join: joined, every programme of the district was a row to
    # make distinct again.
    used = Programme.objects.filter(academic_year=year).order_by().values("form_id")
    return list(MentoringForm.objects.filter(Q(is_active=True) | Q(pk__in=used)).order_by("position", "name"))


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
        chosen = [getattr(o, "pk", o) for o in organisations]  # organisations or their ids
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


def _statistics_counts_row(counts: tuple[dict, dict, dict], form_keys: list[tuple]) -> list[int]:
    """The numbers of an organisation's row, in the columns' order; ``form_keys``: (form id, MENTOR) and
    (form id, MENTEE) of each form, in the columns' order."""
    by_form, by_role, by_category = counts
    get = by_form.get
    return [
        *[get(key, 0) for key in form_keys],
        by_role.get(MENTOR, 0),
        by_role.get(MENTEE, 0),
        sum(by_category.get(c, 0) for c in STUDENTS),
        sum(by_category.get(c, 0) for c in TEACHERS),
        by_category.get(Participant.Category.YOUNG_SPECIALIST, 0),
        sum(by_category.get(c, 0) for c in OTHERS),
        sum(by_category.values()),
    ]


def _form_keys(form_ids: list[int]) -> list[tuple]:
    return [(form_id, role) for form_id in form_ids for role in (MENTOR, MENTEE)]


def stored_counts(organisation_ids, year: AcademicYear, *, counted: dict | None = None,
                  forms: list[MentoringForm] | None = None) -> dict[int, dict]:
    """Each organisation's row of numbers as JSON for its summary (``monitoring.summaries.build``), in its
    final columns (those of ``forms``, by default ``statistics_forms``): the export then reads it back as it
    writes it, with no counts to arrange per row. ``counted``: the counts already made
    (``monitoring.pair_people.people_in_pairs``)."""
    from monitoring.summaries import VERSION

    counted = _statistics_counts(organisation_ids, year) if counted is None else counted
    form_ids = [form.pk for form in (statistics_forms(year) if forms is None else forms)]
    form_keys = _form_keys(form_ids)
    empty = ({}, {}, {})
    # Its own version: the export reads this column alone, never the summary's data.
    return {pk: {"version": VERSION, "forms": form_ids, "row": _statistics_counts_row(counted.get(pk, empty), form_keys)}
            for pk in organisation_ids}


def _in_columns(stored: dict, form_ids: list[int]) -> list[int]:
    """A stored row whose forms are not the columns' (a retired form came back into use elsewhere since):
    its numbers moved to the columns' forms. A form it lacks had none of the organisation's programmes
    when it was counted, and a write to one would have made the summary stale: its columns are 0."""
    row, position = stored["row"], {form_id: index for index, form_id in enumerate(stored["forms"])}
    moved: list[int] = []
    for form_id in form_ids:
        index = position.get(form_id)
        moved += (0, 0) if index is None else row[2 * index:2 * index + 2]
    return moved + row[2 * len(position):]


def _organisations_with_counts(organisations, year: AcademicYear) -> list[tuple]:
    """(pk, short name, municipality, stored row or None) per organisation, in their order, in one query.

    The row is read from the organisation's summary (``monitoring.summaries``) when it was computed from
    the organisation's data as it is now: it does not depend on the date, only on the data, and every write
    to a pair, a programme, a participant or a form makes the summary stale (its ``generation``). The row
    has its own column (``OrganisationSummary.statistics``), never the dashboard's JSON (a look into that
    decompresses all of it per organisation); its shape is checked here, on its own ``version``."""
    from monitoring.models import OrganisationSummary

    listed = None
    if not isinstance(organisations, models.QuerySet):
        listed = [getattr(o, "pk", o) for o in organisations]
        organisations = Organisation.objects.filter(pk__in=listed)
    summary = (OrganisationSummary.objects.filter(organisation=OuterRef("pk"), academic_year=year,
                                                  computed_generation=F("generation"))
               .values("statistics")[:1])
    # As text: the JSON is decoded below.
    rows = list(organisations.annotate(stored=Subquery(summary, output_field=TextField()))
                .values_list("pk", "short_name", "municipality__name", "stored"))
    # The rows' JSON decoded in one call: a call per row cost more than the parsing itself.
    decoded = json.loads(f"[{','.join(row[3] or 'null' for row in rows)}]")
    rows = [(*row[:3], stored) for row, stored in zip(rows, decoded)]
    if listed is not None:
        position = {pk: index for index, pk in enumerate(listed)}
        rows.sort(key=lambda row: position[row[0]])
    return rows


def statistics_rows(organisations, year: AcademicYear, *, progress: Progress | None = None,
                    chunk_size: int | None = None) -> Iterator[list]:
    """The header, one row per organisation, and a TOTAL row that is the sum of the rows above it.

    ``organisations`` is a queryset or a list. Two queries whatever their number when the organisations'
    summaries are fresh (the forms; the organisations with their municipalities and stored rows), a
    third counting those whose summary is stale or missing, grouped in the database. Progress is reported
    every ``chunk_size`` rows.
    """
    from monitoring.summaries import VERSION

    chunk_size = chunk_size or STATISTICS_CHUNK
    forms = statistics_forms(year)
    form_ids = [form.pk for form in forms]
    yield statistics_header(forms)
    listed = _organisations_with_counts(organisations, year)
    stale = [pk for pk, _name, _municipality, stored in listed
             if stored is None or stored.get("version") != VERSION]
    counted = _statistics_counts(stale, year) if stale else {}
    stale = set(stale)
    form_keys = _form_keys(form_ids)
    count = len(listed)
    empty = ({}, {}, {})
    totals = [0] * (len(forms) * 2 + 7)
    for done, (pk, name, municipality, stored) in enumerate(listed, start=1):
        if pk in stale:
            numbers = _statistics_counts_row(counted.get(pk, empty), form_keys)
        else:
            numbers = stored["row"] if stored["forms"] == form_ids else _in_columns(stored, form_ids)
        totals = list(map(add, totals, numbers))
        yield [name, municipality, *numbers]
        if progress and (done % chunk_size == 0 or done == count):
            progress(done, count)
    yield xlsx.TotalRow([total_label(), ""] + totals)


def statistics_sheet(organisations, year: AcademicYear, progress: Progress | None = None) -> xlsx.Sheet:
    return xlsx.Sheet(title=_("Статистика %(year)s") % {"year": str(year).replace("/", "-")},
                      rows=statistics_rows(organisations, year, progress=progress),
                      widths=lambda header: [40, 26] + [14] * (len(header) - 2), freeze="B2")


def write_statistics(file, *, organisations, year: AcademicYear, progress: Progress | None = None) -> None:
    """The statistics workbook into ``file`` (a path or a binary file object)."""
    xlsx.write(file, [statistics_sheet(organisations, year, progress)])


@register
class StatisticsExport(Exporter):
    identifier = "statistics"
    formats = ("xlsx", "csv")
    position = 10
    verbose_name = gettext_lazy("Статистика участников по категориям и формам (до 30 декабря)")
    description = gettext_lazy("Статистика участников программы наставничества направляется в региональный "
                               "наставнический центр ежегодно, не позднее 30 декабря.")
    file_title = gettext_lazy("Статистика участников")
    form_class = YearForm

    def sheets(self, progress: Progress | None = None):
        yield statistics_sheet(self.organisations(), self.year(), progress)
