# Placeholder until this module's views are written (issue 4 in progress).
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


roadmap_list = roadmap_create = my_tasks = overdue = matrix = matrix_xlsx = roadmap_detail = _missing
roadmap_approve = roadmap_history = item_create = roadmap_pdf = roadmap_xlsx = item_edit = item_move = _missing
item_remove = occurrence_edit = occurrence_deadline = evidence_file = _missing
