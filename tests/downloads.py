"""Downloading a registry base as a person does: request the export job, let the worker build it, take
the file. The worker is this process (``run_export``), since a test's transaction never commits."""

import io
from urllib.parse import parse_qsl

from django.urls import reverse
from openpyxl import load_workbook

from monitoring import exports
from monitoring.models import ExportJob

BASES = {"registry:export_mentors": "mentors", "registry:export_mentees": "mentees",
         "mentors": "mentors", "mentees": "mentees"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def base_response(client, name, query=""):
    """The download response of the base ``name`` (a kind or the old URL name) with the list's filters."""
    data = {"kind": BASES[name], **dict(parse_qsl(query.lstrip("?")))}
    requested = client.post(reverse("monitoring:export_list"), data)
    assert requested.status_code == 302, requested.status_code
    job = ExportJob.objects.filter(requested_by=requested.wsgi_request.user).latest("pk")
    exports.run_export(job.pk)
    response = client.get(reverse("monitoring:export_download", args=[job.pk]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX and "attachment" in response["Content-Disposition"]
    return response


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))
