from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mentoring import eligibility, selectors, services
from mentoring.filters import CandidateFilter, PairFilter, listed_pairs
from mentoring.forms import AddMenteeForm, CloseForm, ConfirmForm, LeaveForm, PairCreateForm, ReplaceMentorForm
from mentoring.list_rows import last_meeting_date, people_of_pairs
from mentoring.models import Membership, Pair, Programme
from registry.listing import paginate, sort_key
from registry.models import MenteeProfile
from registry.once import once
from registry.scoping import Perm, get_visible_or_404, read_only, requires

# ``?sort=-started`` and ``?sort=-created`` of older links keep their meaning.
SORTS = {
    "created": ("created_at",),
    "started": ("started_on",),
    "last_meeting": ("last_meeting_on",),
    "status": ("status_position", "-started_on"),  # annotated by PairFilter: the lifecycle's order
    "form": ("programme__form__position", "-started_on"),
    "organisation": ("programme__organisation__short_name", "-started_on"),
}


# The candidates page sorts in memory: the ranking is computed for every mentor of the form anyway.
CANDIDATE_SORTS = {
    "rank": lambda row: row.rank,
    "name": lambda row: row.mentor.participant.search_name,
    "score": lambda row: row.score.total,
}


def _programme(request, pk):
    return get_visible_or_404(
        Programme.objects.select_related("organisation__municipality", "form", "academic_year"), request, pk=pk)


def _pair(request, pk):
    return get_visible_or_404(
        Pair.objects.select_related("programme__organisation__municipality", "programme__form",
                                    "programme__academic_year"), request, pk=pk)


def _errors(request, error: ValidationError):
    for message in error.messages:
        messages.error(request, message)


@read_only
def pair_list(request):
    """Pairs and groups visible to the user, filtered by ``PairFilter`` (``?programme=…&status=…&q=…``)."""
    filterset = PairFilter(request.GET, queryset=listed_pairs(selectors.visible_pairs(request.scope)),
                           scope=request.scope)
    pairs = filterset.qs
    if sort_key(request, SORTS, "-created") == "last_meeting" and "last_meeting_on" not in pairs.query.annotations:
        pairs = pairs.annotate(last_meeting_on=last_meeting_date())  # (the quiet filter has annotated it)
    listing = paginate(request, pairs, sorts=SORTS, default="-created", page_rows=_pair_rows)
    return render(request, "mentoring/pair_list.html", {
        "filter": filterset, "listing": listing, "show_organisation": filterset.show_organisation,
    })


def _pair_rows(ids):
    """The page's pairs with the names of their people (one query, ``people_of_pairs``), the date of their
    last meeting and the names of their form and organisation (columns, not three more objects a row)."""
    pairs = selectors.pair_rows(ids)
    people = people_of_pairs(ids)
    for pair in pairs:
        pair.people = people[pair.pk]
    return pairs


@read_only
def pair_detail(request, pk):
    pair = _pair(request, pk)
    links, memberships, meetings = selectors.pair_history(pair)
    timeline = sorted(
        [(link.started_on, "mentor", link) for link in links]
        + [(link.ended_on, "mentor_end", link) for link in links if link.ended_on]
        + [(m.joined_on, "joined", m) for m in memberships]
        + [(m.left_on, "left", m) for m in memberships if m.left_on]
        + [(meeting.held_on, "meeting", meeting) for meeting in meetings]
        + ([(pair.ended_on, "closed", pair)] if pair.ended_on else []),
        key=lambda row: row[0],
    )
    return render(request, "mentoring/pair_detail.html", {
        "pair": pair,
        "links": links,
        "memberships": memberships,
        "meetings": meetings,
        "timeline": timeline,
        "orders": selectors.signed_orders_of(pair),
        "can_edit": request.scope.can(Perm.EDIT_MENTORING, pair.programme.organisation),
        "confirm_form": ConfirmForm() if pair.status == Pair.Status.PROPOSED else None,
        "is_quiet": selectors.is_quiet(pair),
    })


@requires(Perm.EDIT_MENTORING)
@once
def pair_create(request, pk):
    programme = _programme(request, pk)
    initial = {}
    if request.GET.get("mentor"):
        initial["mentor"] = request.GET["mentor"]
    if request.GET.get("mentee"):
        initial["mentees"] = [request.GET["mentee"]]
    form = PairCreateForm(request.POST or None, programme=programme, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            pair = services.form_pair(
                programme=programme, mentor=form.cleaned_data["mentor"], mentees=list(form.cleaned_data["mentees"]),
                started_on=form.cleaned_data["started_on"], planned_end_on=form.cleaned_data["planned_end_on"],
                by=request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Пара сформирована."))
            return redirect(pair)
    return render(request, "registry/form.html", {
        "form": form, "object": programme, "title": _("Новая пара или группа: %(p)s") % {"p": programme},
        "lead": _("Согласия, свободные места наставника и соответствие форме наставничества проверяются при сохранении."),
    })


@requires(Perm.EDIT_MENTORING)
@require_POST
def propose(request, pk):
    programme = _programme(request, pk)
    result = services.propose_pairs(programme, by=request.user)
    messages.success(
        request,
        _("Подбор предложил пар: %(pairs)s; без пары остались: %(left)s. Проверьте предложения и подтвердите их.")
        % {"pairs": len(result.pairs), "left": len(result.unmatched)},
    )
    return redirect("mentoring:proposals", pk=programme.pk)


@read_only
def candidates(request, pk, mentee_pk):
    """Mentors for one mentee, best first, each with the reasons of its score."""
    programme = _programme(request, pk)
    # Only a mentee of the programme's own school: a municipal curator sees both schools, but mentors of
    # one school ranked for another's child is a page nobody should be able to open.
    mentee = get_visible_or_404(
        MenteeProfile.objects.select_related("participant").filter(participant__organisation=programme.organisation),
        request, pk=mentee_pk)
    ranking = eligibility.rank_mentors(programme, mentee)
    filterform = CandidateFilter(request.GET)
    listing = paginate(request, filterform.filter(ranking.rows), sorts=CANDIDATE_SORTS, default="rank")
    return render(request, "mentoring/candidates.html", {
        "programme": programme, "mentee": mentee, "ranking": ranking, "filter": filterform, "listing": listing,
        "weights": selectors.weights_for(programme.organisation),
        "can_edit": request.scope.can(Perm.EDIT_MENTORING, programme.organisation),
    })


@requires(Perm.EDIT_MENTORING)
@require_POST
def pair_confirm(request, pk):
    pair = _pair(request, pk)
    form = ConfirmForm(request.POST)
    started_on = form.cleaned_data["started_on"] if form.is_valid() else timezone.localdate()
    try:
        services.confirm_proposal(pair, started_on=started_on, by=request.user)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Пара подтверждена и формируется."))
    return redirect(pair)


@requires(Perm.EDIT_MENTORING)
@require_POST
def pair_reject(request, pk):
    pair = _pair(request, pk)
    try:
        services.reject_proposal(pair, by=request.user)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Предложение отклонено; наставляемый снова ждёт подбора."))
    return redirect(pair.programme)


@requires(Perm.EDIT_MENTORING)
@require_POST
def pair_activate(request, pk):
    pair = _pair(request, pk)
    try:
        services.activate(pair, by=request.user)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Пара приступила к работе."))
    return redirect(pair)


def _pair_form_page(request, pair, form, title, lead=""):
    return render(request, "registry/form.html", {"form": form, "object": pair, "title": title, "lead": lead})


@requires(Perm.EDIT_MENTORING)
@once
def replace_mentor(request, pk):
    """Only mentors who may take the pair's mentees are offered, best first, each with the reasons of
    its score; the others are listed with what stands in their way (``eligibility.replacement_ranking``)."""
    pair = _pair(request, pk)
    ranking = eligibility.replacement_ranking(pair)
    form = ReplaceMentorForm(request.POST or None, options=ranking)
    if request.method == "POST" and form.is_valid():
        try:
            services.replace_mentor(pair, new_mentor=form.cleaned_data["mentor"], on=form.cleaned_data["on"],
                                    reason=form.cleaned_data["reason"],
                                    on_mentee_request=form.cleaned_data["on_mentee_request"], by=request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Наставник заменён; прежний наставник остался в истории пары."))
            return redirect(pair)
    return render(request, "mentoring/replace_mentor.html", {
        "form": form, "object": pair, "title": _("Замена наставника"),
        "lead": _("Прежний наставник и причина замены сохранятся в истории пары."),
        "available": [row for row in ranking if row.available],
        "unavailable": [row for row in ranking if not row.available],
    })


@requires(Perm.EDIT_MENTORING)
@once
def add_mentee(request, pk):
    pair = _pair(request, pk)
    form = AddMenteeForm(request.POST or None, pair=pair)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_mentee(pair, mentee=form.cleaned_data["mentee"], on=form.cleaned_data["on"],
                                by=request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Наставляемый добавлен в группу."))
            return redirect(pair)
    return _pair_form_page(request, pair, form, _("Добавить наставляемого"))


def _membership(request, pk):
    return get_visible_or_404(
        Membership.objects.select_related("pair__programme__organisation__municipality",
                                          "mentee__participant"), request, pk=pk)


@requires(Perm.EDIT_MENTORING)
def membership_leave(request, pk):
    membership = _membership(request, pk)
    pair = membership.pair
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_mentee(membership, on=form.cleaned_data["on"], reason=form.cleaned_data["reason"],
                                   by=request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Наставляемый вышел из группы; запись сохранена."))
            return redirect(pair)
    return _pair_form_page(request, pair, form,
                           _("Выход из группы: %(name)s") % {"name": membership.mentee.participant.full_name})


@requires(Perm.EDIT_MENTORING)
def pair_close(request, pk):
    pair = _pair(request, pk)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.close_pair(pair, status=data["status"], on=data["on"], results=data["results"],
                                reflection=data["reflection"], best_practice=data["best_practice"],
                                reason=data["reason"], by=request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Работа пары завершена. Можно предложить наставляемым войти в базу наставников."))
            return redirect(pair)
    return _pair_form_page(request, pair, form, _("Завершение наставничества"),
                           _("Итоги, рефлексия и кейс войдут в отчёты и в базу лучших практик."))


@requires(Perm.EDIT_REGISTRY)
@require_POST
def long_term_base(request, pk):
    membership = _membership(request, pk)
    try:
        profile = services.add_to_long_term_base(membership, by=request.user)
    except ValidationError as error:
        _errors(request, error)
        return redirect(membership.pair)
    messages.success(request, _("%(name)s включён(а) в долгосрочную базу наставников.")
                     % {"name": membership.mentee.participant.full_name})
    return redirect(profile.participant)

