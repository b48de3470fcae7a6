"""Who mentored or was mentored in an organisation's pairs by the end of a period, counted in ONE query.

``monitoring.figures`` needs, per organisation, distinct people by form and role and distinct people by
category (students aged 10 and over on 1 September apart). Counted as three grouped queries (mentors by
form, mentees by form, then the participants with an ``EXISTS`` over both), these were a fifth of an
organisation's summary; here the ORM writes the two row sources — so the joins and the conditions are its
own — and one statement groups them twice, as ``monitoring.statistics_export`` does for its table. An
organisation's summary asks the same statement for the statistics export's counts as well (its rows are
every person of a worked pair of the year; the figures' dates are a column, not a condition), so that a
summary reads the pairs' people once; a test compares them with the export's own query.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q

from mentoring.models import Membership, MentorLink, Pair
from monitoring.year_rows import started_by
from registry.models import AcademicYear, Participant

# Pairs that worked in a period; a pair suspended for a lapsed consent worked until then and is counted
# as such ("suspended"), not as active.
WORKED = (Pair.Status.FORMING, Pair.Status.ACTIVE, Pair.Status.SUSPENDED, Pair.Status.COMPLETED,
          Pair.Status.ENDED_EARLY)
STUDENT = Participant.Category.STUDENT
MIN_AGE = 10
MENTOR, MENTEE = 0, 1
BY_FORM, BY_CATEGORY = 0, 1


def _tuples(model, profile: str, worked: Q, joined: str, ends_on: datetime.date, aged_by: datetime.date):
    """(org, form id, form name, person, category, same organisation, aged 10+, counted by ``ends_on``) of
    each link or membership of a worked pair of the year; duplicates kept."""
    person = f"{profile}__participant"
    return (model.objects.filter(worked).order_by()
            .annotate(org=F("pair__programme__organisation_id"), form=F("pair__programme__form_id"),
                      form_name=F("pair__programme__form__name"),
                      person=F(f"{person}_id"), category=F(f"{person}__category"),
                      # A participant takes part in the programmes of their own organisation only.
                      same=ExpressionWrapper(Q(**{f"{person}__organisation_id": F("pair__programme__organisation_id")}),
                                             output_field=BooleanField()),
                      aged=ExpressionWrapper(Q(**{f"{person}__birth_date__lte": aged_by}), output_field=BooleanField()),
                      # The figures count the people of pairs begun, who had joined, by the end of the period.
                      counted=ExpressionWrapper(started_by("pair__", ends_on) & Q(**{f"{joined}__lte": ends_on}),
                                                output_field=BooleanField()))
            .values_list("org", "form", "form_name", "person", "category", "same", "aged", "counted"))


# The statistics export's groupings (``monitoring.statistics_export._statistics_counts``, whose rows are the
# same: every person of a worked pair of the year, whatever the dates): by form and role, role, category.
STATISTICS = ("UNION ALL SELECT 2, org, form, NULL, role, NULL, COUNT(DISTINCT person), 0 FROM people GROUP BY org, form, role "
              "UNION ALL SELECT 3, org, NULL, NULL, role, NULL, COUNT(DISTINCT person), 0 FROM people GROUP BY org, role "
              "UNION ALL SELECT 4, org, NULL, NULL, NULL, category, COUNT(DISTINCT person), 0 FROM people "
              "GROUP BY org, category")


def people_in_pairs(organisation_ids, year: AcademicYear, ends_on: datetime.date, *,
                    statistics: bool = False) -> dict[int, dict] | tuple[dict[int, dict], dict[int, tuple]]:
    """Per organisation: who mentored or was mentored this year by ``ends_on`` — distinct people by form
    (its name) and role, and by category, with the students aged 10 and over on 1 September (born
    ``MIN_AGE`` years before its start or earlier) — one grouped query for any number of organisations.

    With ``statistics``, the same query also gives the statistics export's counts (as
    ``monitoring.statistics_export._statistics_counts`` does: by (form id, role), by role, by category),
    returned second."""
    result: dict[int, dict] = defaultdict(lambda: {"mentor": {}, "mentee": {}, "category": {}, "students_aged": 0})
    counts: dict[int, tuple] = defaultdict(lambda: ({}, {}, {}))
    ids = sorted(set(organisation_ids))
    if not ids:
        return (result, counts) if statistics else result
    worked = Q(pair__programme__organisation_id__in=ids, pair__programme__academic_year=year, pair__status__in=WORKED)
    aged_by = year.starts_on.replace(year=year.starts_on.year - MIN_AGE)
    mentors_sql, mentors_params = _tuples(MentorLink, "mentor", worked, "started_on", ends_on,
                                          aged_by).query.sql_with_params()
    mentees_sql, mentees_params = _tuples(Membership, "mentee", worked, "joined_on", ends_on,
                                          aged_by).query.sql_with_params()
    columns = "form, form_name, person, category, same, aged, counted"
    # The first SELECT names each column's type for PostgreSQL's UNION (a bare NULL would be text there).
    sql = (f"WITH people AS (SELECT org, {MENTOR} AS role, {columns} FROM ({mentors_sql}) m "
           f"UNION ALL SELECT org, {MENTEE}, {columns} FROM ({mentees_sql}) e) "
           f"SELECT {BY_FORM}, org, CAST(NULL AS INTEGER), form_name, role, NULL, COUNT(DISTINCT person), 0 FROM people "
           "WHERE counted "
           "GROUP BY org, form_name, role "
           f"UNION ALL SELECT {BY_CATEGORY}, org, NULL, NULL, NULL, category, COUNT(DISTINCT person), "
           "COUNT(DISTINCT CASE WHEN aged THEN person END) FROM people WHERE counted AND same GROUP BY org, category "
           + (STATISTICS if statistics else ""))
    with connection.cursor() as cursor:
        cursor.execute(sql, (*mentors_params, *mentees_params))
        for grouping, org, form, form_name, role, category, n, aged in cursor.fetchall():
            cell = result[org]
            if grouping == BY_FORM:
                cell["mentor" if role == MENTOR else "mentee"][form_name] = n
            elif grouping == BY_CATEGORY:
                cell["category"][category] = n
                if category == STUDENT:
                    cell["students_aged"] = aged
            else:  # the statistics: keyed as ``_statistics_counts`` keys them
                counts[org][grouping - 2][(form, role) if grouping == 2 else role if grouping == 3 else category] = n
    return (result, counts) if statistics else result
