# Placeholder until this module's views are written (issue 4 in progress).
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


notification_list = mark_read = reminder_settings = _missing
