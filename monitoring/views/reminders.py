"""«Напомнить опоздавшим»: the municipal curator reminds the late schools of a half with one action.

The GET is the confirmation page: the schools of the curator's district whose report of the half was not
submitted by its deadline, or whose roadmap of the year has overdue items, each with its reasons and
the curators who will be told. The POST sends the notices and letters (``monitoring.late``) to the
schools ticked. The schools are those where the user reviews reports (``Perm.REVIEW_REPORT``): a school
of another district posted by hand answers 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from monitoring import late, selectors, services
from monitoring import reports as service
from registry.listing import id_param
from registry.models import AcademicYear, Organisation
from registry.scoping import Perm, get_visible_or_404, requires

MAX_POSTED = 1000  # more organisations than any district has: the rest of a hostile post is ignored


def _year_and_half(params) -> tuple[AcademicYear, int]:
    current_year, current = service.current_half()
    year = AcademicYear.objects.from_param(params.get("year"), default=current_year)
    half = params.get("half", "")
    return year, int(half) if half in ("1", "2") else current


def _curators(schools) -> dict[int, list]:
    """Who will be told, per school: one query."""
    return selectors.school_curators(s.pk for s in schools)


@requires(Perm.REVIEW_REPORT)
def remind_late(request):
    organisations = request.scope.editable_organisations(request.required_permission)
    if not organisations.exists():
        raise PermissionDenied
    params = request.POST if request.method == "POST" else request.GET
    year, half = _year_and_half(params)
    today = timezone.localdate()
    schools = late.late_schools(organisations.select_related("municipality"), year, half, today)
    back = reverse("monitoring:report_list") + "?" + urlencode({"year": year.start_year, "half": half})
    if request.method == "POST":
        ids = {pk for pk in map(id_param, request.POST.getlist("organisation")[:MAX_POSTED]) if pk is not None}
        late_ids = {school.pk for school in schools}
        for pk in sorted(ids - late_ids):
            # Not among the late schools: 404 outside the user's reach, else simply not late (any more).
            get_visible_or_404(Organisation, request, pk=pk)
        reasons = set(request.POST.getlist("reason")) & {late.REPORT, late.ROADMAP}
        chosen = [school for school in schools if school.pk in ids]
        if not reasons or not chosen:
            messages.error(request, _("Отметьте, о чём напомнить и каким организациям."))
            return redirect(reverse("monitoring:remind_late") + "?" + urlencode(
                {"year": year.start_year, "half": half}))
        reminded = services.remind_late(chosen, reasons=reasons, by=request.user, year=year, half=half, today=today)
        messages.success(request, _("Напоминание отправлено кураторам организаций: %(count)s.") % {"count": reminded})
        return redirect(back)
    curators = _curators(schools)
    return render(request, "monitoring/reports/remind_late.html", {
        "schools": [(school, curators.get(school.pk, [])) for school in schools],
        "year": year, "half": half,
        "half_name": service.HALF_NAMES[half], "back": back, "today": today,
        "any_report": any(late.REPORT in s.reasons for s in schools),
        "any_roadmap": any(late.ROADMAP in s.reasons for s in schools),
        "REPORT": late.REPORT, "ROADMAP": late.ROADMAP,
    })
