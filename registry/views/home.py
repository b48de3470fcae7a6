from django.shortcuts import render

from registry.home_counts import district_counts
from registry.models import AcademicYear
from registry.panels import home_panels
from registry.scoping import read_only
from registry.selectors import (
    headcount,
    mentors_lacking_certificate_in,
    own_organisation,
    people_lacking_consent,
    visible_organisations,
)

ATTENTION_ROWS = 10


@read_only
def home(request):
    """One page for every role: the same figures, over whatever the user's scope reaches."""
    scope = request.scope
    year = AcademicYear.objects.current()
    context = {
        "lacking_consent": people_lacking_consent(scope, limit=ATTENTION_ROWS),
        "lacking_certificate": mentors_lacking_certificate_in(scope, limit=ATTENTION_ROWS),
        "year": year,
        "is_empty": scope.is_empty,
        # What waits for the user, from the apps that know it (the orders to sign…), first on the page.
        "panels": home_panels(request),
    }
    # The totals and each organisation's counts from one grouping of the participants, kept while the
    # tables it reads are unchanged (home_counts); a school's scope is a district of one.
    context["counts"], summaries = district_counts(visible_organisations(scope))
    if scope.is_single_organisation:
        organisation = own_organisation(scope)
        context["organisation"] = organisation
        context["headcount"] = headcount(organisation, year)
    else:
        # The weakest consent coverage first: that is where a municipal curator should look.
        context["organisations"] = sorted(
            summaries, key=lambda o: (o.consent_count / o.participant_count if o.participant_count else 1, o.short_name)
        )[:ATTENTION_ROWS]
        context["organisation_total"] = len(summaries)
    return render(request, "home.html", context)
