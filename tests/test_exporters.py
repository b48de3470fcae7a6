"""The exporter registry (registry.exporters): every job kind is a registered class; a new export is one
class; its permission and organisation go through the scoping rule; CSV where offered; the one writer."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext_lazy

from monitoring import exports, summaries
from mentoring.models import MentoringForm
from monitoring.models import ExportJob, OrganisationSummary
from monitoring.statistics_export import statistics_rows
from registry import exporters, xlsx
from registry.exporters import Exporter, ExportError, YearForm
from registry.models import AcademicYear, Organisation
from registry.scoping import Perm
from tests.test_export_jobs import pair, read


def test_every_kind_is_a_registered_exporter_with_a_russian_title():
    kinds = exporters.identifiers()
    assert kinds[:7] == ["statistics", "district_monitoring", "mentors", "mentees", "roadmap_matrix", "accounting",
                         "statistics_form"]
    for cls in exporters.exporters():
        assert str(cls.verbose_name) and not str(cls.verbose_name).isascii(), cls
    assert [value for value, _label in ExportJob._meta.get_field("kind").choices] == kinds
    assert exporters.personal()[:3] == ["mentors", "mentees", "accounting"]


def test_a_second_exporter_under_a_taken_name_is_refused():
    with pytest.raises(ValueError):
        exporters.register(type("Copy", (Exporter,), {"identifier": "statistics"}))
    with pytest.raises(ExportError):
        exports.request_export(user=None, kind="nonexistent", params={})


class OrganisationsExport(Exporter):
    """A small export, as a new one is written: a class and its registration, nothing else."""

    identifier = "test_organisations"
    verbose_name = gettext_lazy("Список организаций")
    form_class = YearForm
    formats = ("xlsx", "csv")

    def sheets(self, progress=None):
        rows = ([organisation.short_name, organisation.municipality.name]
                for organisation in self.organisations().select_related("municipality"))
        yield xlsx.Sheet(title="Организации", rows=[["Организация", "Муниципалитет"], *rows], widths=[40, 30])


@pytest.fixture
def registered():
    exporters.register(OrganisationsExport)
    yield OrganisationsExport
    exporters._registry.pop(OrganisationsExport.identifier)


def test_a_new_export_is_one_class(registered, district, client_for, django_capture_on_commit_callbacks):
    client = client_for(district.municipal)
    page = client.get(reverse("monitoring:export_list")).content.decode()
    assert 'value="test_organisations"' in page and "Список организаций" in page
    year = str(AcademicYear.objects.current().start_year)
    response = client.post(reverse("monitoring:export_list"), {"kind": "test_organisations", "year": year})
    job = ExportJob.objects.get(requested_by=district.municipal, kind="test_organisations")
    assert response.status_code == 302 and job.params == {"year": int(year)}
    exports.run_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    assert [row[0] for row in read(job.file)] == ["Организация", "ГБПОУ НСТ", "МБОУ СОШ № 1", "МБОУ СОШ № 2"]
    assert sorted(job.covered) == sorted(Organisation.objects.filter(
        municipality=district.municipality).values_list("pk", flat=True))
    download = client.get(reverse("monitoring:export_download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == xlsx.XLSX


def test_csv_where_offered(registered, district, client_for):
    Organisation.objects.filter(pk=district.school1.pk).update(short_name="=1+1")
    client = client_for(district.municipal)
    year = str(AcademicYear.objects.current().start_year)
    client.post(reverse("monitoring:export_list"), {"kind": "test_organisations", "year": year, "format": "csv"})
    job = ExportJob.objects.get(requested_by=district.municipal)
    assert job.params == {"year": int(year), "format": "csv"}
    exports.run_export(job.pk)
    response = client.get(reverse("monitoring:export_download", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].endswith(".csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Организация", "Муниципалитет"]
    assert ["'=1+1", "Селивановский район"] in rows  # a formula stays text, as in the XLSX


def test_csv_is_not_offered_where_it_is_not(district, client_for):
    """The accounting is XLSX only: a forged «format» is ignored."""
    client = client_for(district.municipal)
    client.post(reverse("monitoring:export_list"), {"kind": "accounting", "format": "csv"})
    job = ExportJob.objects.get(requested_by=district.municipal)
    assert "format" not in job.params and exports.download_name(job).endswith(".xlsx")


class PreparedExport(OrganisationsExport):
    identifier = "test_prepared"
    permission = Perm.PREPARE_REPORT
    form_class = None

    @classmethod
    def requested_organisation(cls, params):
        return params.get("organisation")


@pytest.mark.parametrize("who, expected", [("curator1", None), ("municipal", 403), ("foreign_municipal", 404)])
def test_the_permission_and_the_scope_decide_a_request(district, rf, who, expected):
    """An organisation outside the scope is a 404, one seen without the permission a 403 — the answers of
    ``get_visible_or_404`` (registry.scoping)."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from registry.scoping import Scope

    request = rf.post("/")
    request.user = getattr(district, who)
    request.scope = Scope.for_user(request.user)
    params = {"organisation": district.school1.pk}
    if expected is None:
        PreparedExport.authorise(request, params)
        return
    with pytest.raises({403: PermissionDenied, 404: Http404}[expected]):
        PreparedExport.authorise(request, params)


def test_the_build_keeps_to_the_organisations_with_the_permission(district):
    from registry.scoping import Scope

    exporter = PreparedExport(Scope.for_user(district.municipal), {"organisation": district.school1.pk})
    assert not exporter.organisations().exists()  # the municipal curator prepares no school's report
    with pytest.raises(ExportError):
        exporter.organisation()
    own = PreparedExport(Scope.for_user(district.curator1), {"organisation": district.school1.pk})
    assert own.organisation() == district.school1


def test_an_organisation_outside_the_scope_is_a_404_on_the_export_page(roles):
    # Those outside the school get a 404 (the one without any role a 403: no permission anywhere); the owner
    # and the municipality would really request it, so they are not asked.
    roles.expect(reverse("monitoring:export_list"), method="post", data={
        "kind": "accounting", "accounting-organisation": roles.organisation.pk},
        owner=None, municipal=None, stranger=403)
    assert not ExportJob.objects.exists()


# --- the statistics read from the organisations' summaries ----------------------------------------------


def test_statistics_from_fresh_summaries_are_the_counted_ones_in_two_queries(district):
    year = AcademicYear.objects.current()
    for school in (district.school1, district.school2):
        pair(school)
        pair(school, form="учитель – учитель")
    organisations = Organisation.objects.filter(municipality=district.municipality).order_by("short_name")
    counted = list(statistics_rows(organisations, year))  # no summary yet: counted in the database
    summaries.refresh(year)
    with CaptureQueriesContext(connection) as captured:
        stored = list(statistics_rows(organisations, year))
    assert stored == counted and stored[-1][-1] == 8
    assert len(captured) == 2  # the forms; the organisations with their stored counts
    # A write makes that organisation's summary stale: it is counted again, the other is still read back.
    pair(district.school2)
    with CaptureQueriesContext(connection) as captured:
        after = list(statistics_rows(organisations, year))
    assert len(captured) == 3 and after[-1][-1] == 10
    assert after == list(statistics_rows(list(organisations), year))


def counted_rows(organisations, year):
    """The rows with every summary stale: counted in the database, nothing read back."""
    summaries.invalidate()
    return list(statistics_rows(organisations, year))


def test_a_stored_row_follows_a_retired_form_back_into_the_columns(district):
    """The summaries store each organisation's row in the columns of the day. A retired form brought back
    into use by one school's programme adds columns (first, by its position) without touching the other
    school's summary: its stored row is moved into the new columns, zeros in the form's."""
    year = AcademicYear.objects.current()
    for school in (district.school1, district.school2):
        pair(school)
        pair(school, form="учитель – учитель")
    retired = MentoringForm.objects.create(name="Старая форма", position=0, is_active=False)
    organisations = Organisation.objects.filter(municipality=district.municipality).order_by("short_name")
    summaries.refresh(year)
    pair(district.school2, form=retired.name)
    stored = OrganisationSummary.objects.get(organisation=district.school1, academic_year=year)
    assert stored.computed_generation == stored.generation and retired.pk not in stored.statistics["forms"]
    with CaptureQueriesContext(connection) as captured:
        rows = list(statistics_rows(organisations, year))
    assert len(captured) == 3  # the school with the new programme is counted, the other read back
    assert rows[0][2:4] == ["«Старая форма»: наставники", "«Старая форма»: наставляемые"]
    by_name = {row[0]: row for row in rows}
    assert by_name[district.school1.short_name][2:4] == [0, 0] and by_name[district.school2.short_name][2:4] == [1, 1]
    assert rows == counted_rows(organisations, year)


def test_a_stored_row_of_another_shape_is_counted_again(district):
    year = AcademicYear.objects.current()
    pair(district.school1)
    organisations = Organisation.objects.filter(municipality=district.municipality).order_by("short_name")
    summaries.refresh(year)
    expected = list(statistics_rows(organisations, year))
    # A summary written by an older version, still fresh for its generation: its row is not read.
    summary = OrganisationSummary.objects.get(organisation=district.school1, academic_year=year)
    old = {**summary.statistics, "version": summaries.VERSION - 1, "row": [99] * len(summary.statistics["row"])}
    OrganisationSummary.objects.filter(pk=summary.pk).update(statistics=old)
    with CaptureQueriesContext(connection) as captured:
        assert list(statistics_rows(organisations, year)) == expected
    assert len(captured) == 3


def test_the_organisations_reference_holds_the_scope_only(district, client_for):
    """The example export (registry.export_organisations): no parameters, the organisations one sees."""
    Organisation.objects.filter(pk=district.school1.pk).update(inn="3300000001", director_name="Иванова Анна Петровна")
    client = client_for(district.municipal)
    assert client.post(reverse("monitoring:export_list"), {"kind": "organisations"}).status_code == 302
    job = ExportJob.objects.get(requested_by=district.municipal, kind="organisations")
    assert job.params == {}
    exports.run_export(job.pk)
    job.refresh_from_db()
    rows = read(job.file)
    assert rows[0][:3] == ["Краткое наименование", "Полное наименование", "Муниципалитет"]
    assert [row[0] for row in rows[1:]] == ["ГБПОУ НСТ", "МБОУ СОШ № 1", "МБОУ СОШ № 2"]
    school = rows[2]
    assert school[4] == "3300000001" and school[6] == "Иванова Анна Петровна"
    assert exports.download_name(job).startswith("Организации ")
