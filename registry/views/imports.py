# Placeholder until this module's views are written (issue 2 in progress).
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


import_upload = import_template = import_preview = _missing
