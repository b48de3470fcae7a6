from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from mentoring import selectors, services
from mentoring.filters import MeetingFilter, choice_position
from mentoring.forms import MeetingForm
from mentoring.list_rows import attendee_count, people_of_pairs
from mentoring.models import Meeting, Pair, Programme
from registry.listing import paginate, sort_key
from registry.once import once
from registry.scoping import Perm, get_visible_or_404, read_only, requires

SORTS = {
    "held_on": ("held_on",),
    "programme": ("programme__form__position", "-programme__academic_year__start_year", "-held_on"),
    "organisation": ("programme__organisation__short_name", "-held_on"),
    "kind": ("kind_position", "-held_on"),
    "format": ("format", "-held_on"),
    "attendees": ("attendee_count", "-held_on"),
}


def _save_meeting(request, form, *, programme, pair):
    data = form.cleaned_data
    try:
        return services.log_meeting(
            programme=programme, pair=pair, by=request.user,
            data=services.MeetingInput(
                kind=data["kind"], held_on=data["held_on"], format=data["format"], topic=data["topic"],
                attendee_ids=[p.pk for p in data["attendees"]], note=data["note"],
                mentor_feedback=data["mentor_feedback"], mentee_feedback=data["mentee_feedback"],
            ),
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            for message in error.messages:
                form.add_error(None, message)
        return None


@requires(Perm.EDIT_MENTORING)
@once
def meeting_create(request, pk):
    pair = get_visible_or_404(
        Pair.objects.select_related("programme__organisation__municipality", "programme__form"), request, pk=pk)
    # A replaced mentor may still be ticked (a handover meeting), but is not ticked in advance.
    people, current = selectors.pair_meeting_attendees(pair)
    form = MeetingForm(request.POST or None, attendees=people, initial_attendees=current)
    if request.method == "POST" and form.is_valid():
        if _save_meeting(request, form, programme=pair.programme, pair=pair):
            messages.success(request, _("Встреча записана."))
            return redirect(pair)
    return render(request, "registry/form.html", {"form": form, "object": pair, "title": _("Новая встреча")})


@requires(Perm.EDIT_MENTORING)
@once
def group_meeting_create(request, pk):
    programme = get_visible_or_404(
        Programme.objects.select_related("organisation__municipality", "form"), request, pk=pk)
    people = selectors.programme_meeting_attendees(programme)
    form = MeetingForm(request.POST or None, attendees=people, group=True)
    if request.method == "POST" and form.is_valid():
        if _save_meeting(request, form, programme=programme, pair=None):
            messages.success(request, _("Общая итоговая встреча записана."))
            return redirect(programme)
    return render(request, "registry/form.html", {"form": form, "object": programme,
                                                  "title": _("Общая итоговая встреча всех пар")})


@read_only
def meeting_detail(request, pk):
    meeting = get_visible_or_404(
        Meeting.objects.select_related("programme__organisation", "pair").prefetch_related("attendees"),
        request, pk=pk)
    return render(request, "mentoring/meeting_detail.html", {"meeting": meeting})


def _meeting_rows(ids):
    """The page's meetings with their programme's form, year and organisation (columns, not objects), the
    names of the pair's people (one query whatever the number of rows, ``people_of_pairs``) and the number
    who attended."""
    meetings = selectors.meeting_rows(ids)
    people = people_of_pairs({meeting.pair_id for meeting in meetings if meeting.pair_id})
    for meeting in meetings:
        meeting.people = people.get(meeting.pair_id)
    return meetings


@read_only
def meeting_list(request):
    """Meetings visible to the user, newest first unless sorted otherwise, filtered by ``MeetingFilter``."""
    meetings = selectors.visible_meetings(request.scope).annotate(kind_position=choice_position("kind", Meeting.Kind))
    if sort_key(request, SORTS, "-held_on") == "attendees":
        meetings = meetings.annotate(attendee_count=attendee_count())
    filterset = MeetingFilter(request.GET, queryset=meetings, scope=request.scope)
    listing = paginate(request, filterset.qs, sorts=SORTS, default="-held_on", page_rows=_meeting_rows)
    return render(request, "mentoring/meeting_list.html", {
        "filter": filterset, "listing": listing, "pair": filterset.cleaned("pair"),
        "show_organisation": filterset.show_organisation,
    })
