# Placeholder until this module's views are written (issue 2 in progress).
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


export_mentors = export_mentees = _missing
