"""The mentor and mentee bases as XLSX, with the list page's filters and the user's scope."""

from django.http import FileResponse
from django.utils import timezone

from registry import audit
from registry.exports import export_base
from registry.filters import participant_filter
from registry.models import Participant
from registry.scoping import read_only

FILENAMES = {"mentors": "База наставников", "mentees": "База наставляемых"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export(request, base):
    filterset = participant_filter(request, Participant.objects.all())
    handle = export_base(filterset.qs, base=base)
    organisation = filterset.form.cleaned_data.get("organisation") if filterset.is_valid() else None
    audit.record_export(title=FILENAMES[base], rows=filterset.qs.count(), scope=request.scope,
                        organisation_id=getattr(organisation, "pk", None))
    filename = f"{FILENAMES[base]} {timezone.localdate():%d.%m.%Y}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


@read_only
def export_mentors(request):
    return _export(request, "mentors")


@read_only
def export_mentees(request):
    return _export(request, "mentees")
