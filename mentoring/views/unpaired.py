"""Mentees without a pair: a programme's list with the last support of each, and one mentee's support —
the sessions, consultations and steps of the search for a mentor, and the form to record another."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mentoring import selectors, services, unpaired
from mentoring.forms import SupportForm
from mentoring.models import Programme
from registry.listing import paginate
from registry.models import Participant
from registry.scoping import Perm, get_visible_or_404, read_only, requires


def _programme(request, pk):
    return get_visible_or_404(
        Programme.objects.select_related("organisation__municipality", "form", "academic_year"), request, pk=pk)


def _person(request, programme, mentee_pk):
    """The mentee's record, through the one scoped lookup: read (the support page), it is recorded in the
    audit trail as a view; looked up to record support, it is not (the new record is)."""
    return get_visible_or_404(
        Participant.objects.filter(organisation=programme.organisation_id).select_related("mentee_profile"),
        request, mentee_profile__pk=mentee_pk)


@read_only
def unpaired_list(request, pk):
    programme = _programme(request, pk)
    listing = paginate(request, unpaired.rows(programme), sorts=unpaired.SORTS, default="name")
    return render(request, "mentoring/unpaired_list.html", {
        "programme": programme, "listing": listing,
        "can_edit": request.scope.can(Perm.EDIT_MENTORING, programme.organisation),
    })


def _page(request, programme, person, form):
    mentee = person.mentee_profile
    return render(request, "mentoring/support.html", {
        "programme": programme, "mentee": mentee, "person": person, "form": form,
        "supports": selectors.supports_of(mentee),
        "can_edit": request.scope.can(Perm.EDIT_MENTORING, programme.organisation),
    })


@read_only
def support(request, pk, mentee_pk):
    """What was done for the mentee, for everyone who sees the programme, with the form for who may add."""
    programme = _programme(request, pk)
    person = _person(request, programme, mentee_pk)
    return _page(request, programme, person, SupportForm(initial={"given_by": request.user.get_full_name()}))


@requires(Perm.EDIT_MENTORING)
@require_POST
def support_record(request, pk, mentee_pk):
    programme = _programme(request, pk)
    person = _person(request, programme, mentee_pk)
    form = SupportForm(request.POST)
    if form.is_valid():
        try:
            _record, created = services.record_support(mentee=person.mentee_profile, programme=programme,
                                                       by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Сопровождение записано.") if created else
                             _("Это сопровождение уже записано: повторная отправка не создала вторую запись."))
            return redirect("mentoring:support", pk=programme.pk, mentee_pk=person.mentee_profile.pk)
    return _page(request, programme, person, form)
