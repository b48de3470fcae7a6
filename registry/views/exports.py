"""The mentor and mentee bases as XLSX, with the list page's filters and the user's scope."""

from django.http import FileResponse
from django.utils import timezone

from registry.exports import export_base
from registry.filters import participant_filter
from registry.models import Participant

FILENAMES = {"mentors": "База наставников", "mentees": "База наставляемых"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export(request, base):
    filterset = participant_filter(request, Participant.objects.all())
    handle = export_base(filterset.qs, base=base)
    filename = f"{FILENAMES[base]} {timezone.localdate():%d.%m.%Y}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


def export_mentors(request):
    return _export(request, "mentors")


def export_mentees(request):
    return _export(request, "mentees")
