# Placeholder until this module's views are written (issue 5 in progress).
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


export_list = export_detail = export_status = export_download = _missing
