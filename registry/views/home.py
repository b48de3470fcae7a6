from django.shortcuts import render

from registry.home_counts import district_counts
from registry.models import AcademicYear, MentorProfile, Organisation, OrganisationHeadcount, Participant
from registry.panels import home_panels
from registry.scoping import read_only
from registry.selectors import (
    mentors_lacking_certificate,
    participants_lacking_consent,
    registry_counts,
)

ATTENTION_ROWS = 10


@read_only
def home(request):
    """One page for every role: the same figures, over whatever the user's scope reaches."""
    scope = request.scope
    participants = Participant.objects.visible_to(scope)
    lacking = participants_lacking_consent(participants).select_related("organisation")
    year = AcademicYear.objects.current()
    context = {
        "lacking_consent": lacking.order_by("last_name", "first_name")[:ATTENTION_ROWS],
        "lacking_certificate": mentors_lacking_certificate(MentorProfile.objects.visible_to(scope))
        .select_related("participant")[:ATTENTION_ROWS],
        "year": year,
        "is_empty": scope.is_empty,
        # What waits for the user, from the apps that know it (the orders to sign…), first on the page.
        "panels": home_panels(request),
    }
    if scope.is_single_organisation:
        context["counts"] = registry_counts(participants)
        organisation = Organisation.objects.get(pk=next(iter(scope.organisation_ids)))
        context["organisation"] = organisation
        context["headcount"] = OrganisationHeadcount.objects.filter(organisation=organisation, academic_year=year).first()
    else:
        # The weakest consent coverage first: that is where a municipal curator should look.
        # The totals and each organisation's counts from one grouping of the participants (home_counts).
        context["counts"], summaries = district_counts(Organisation.objects.visible_to(scope))
        context["organisations"] = sorted(
            summaries, key=lambda o: (o.consent_count / o.participant_count if o.participant_count else 1, o.short_name)
        )[:ATTENTION_ROWS]
        context["organisation_total"] = len(summaries)
    return render(request, "home.html", context)
