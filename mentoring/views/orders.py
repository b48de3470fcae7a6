# Placeholder until this module's views are written (issue 3 in progress).
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


order_list = order_create = order_detail = order_edit = order_sign = order_pdf = _missing
