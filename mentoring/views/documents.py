# Placeholder until this module's views are written (issue 3 in progress).
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


agreement_pdf = plan_pdf = _missing
