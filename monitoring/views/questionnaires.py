# Placeholder until this module's views are written (issue 5 in progress).
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


questionnaire_list = questionnaire_detail = questionnaire_edit = response_create = links_create = response_detail = _missing
public_answer = _missing
