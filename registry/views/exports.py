"""The mentor and mentee bases are export jobs (monitoring's exports), never built inside a request.

The participant list's buttons post the list's filters to the export page, which requests the job; these
two addresses stay for old bookmarks and hand the filters over to that page.
"""

from django.shortcuts import redirect
from django.urls import reverse

from registry.scoping import read_only


def _hand_over(request, base):
    query = request.GET.copy()
    for name in ("page", "per_page", "sort"):
        query.pop(name, None)
    query["kind"] = base
    return redirect(f"{reverse('monitoring:export_list')}?{query.urlencode()}")


@read_only
def export_mentors(request):
    return _hand_over(request, "mentors")


@read_only
def export_mentees(request):
    return _hand_over(request, "mentees")
