# Placeholder until this module's views are written (issue 5 in progress).
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


report_list = report_create = district_report = report_detail = report_edit = report_submit = report_review = report_pdf = targets_edit = _missing
