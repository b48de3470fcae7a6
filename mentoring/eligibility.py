"""Who may mentor whom now, and how well: the database side of matching, one rule for every page.

«Подобрать пары» (``mentoring.proposals``), the candidates of one mentee, the swap of a proposed mentor
and the replacement of a mentor all ask the same question and get the same answer from ``Pool``:

* the fit and the score with its reasons are ``mentoring.matching.scoring`` (``unfit``, ``score``);
* whose data may be processed — a valid consent to mentoring, not archived — ``registry.processing``;
* capacity left: the mentor's capacity minus the mentees of their open pairs in every programme;
* the no-criminal-record certificate of an outside mentor, when a mentee is a child.

Reading only; the writes (and the final check of every rule, ``pair_rules.pair_rule_violations``) are in
``mentoring.services`` and ``mentoring.proposals``.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring import matching
from mentoring.models import Membership, Pair, Programme
from mentoring.selectors import (
    eligible_mentors,
    free_mentees,
    mentor_load,
    pairs_with_people,
    participants_with_valid_consent,
    weights_for,
)
from registry.models import MenteeProfile, MentorProfile, Topic


@dataclass
class MatchingInput:
    mentors: list[matching.MentorCandidate]
    mentees: list[matching.MenteeCandidate]
    weights: matching.Weights
    wishes: matching.Wishes
    topic_names: dict[int, str]


def mentor_candidate(profile: MentorProfile, load: dict[int, int], on: datetime.date,
                     topics: frozenset[int] | None = None) -> matching.MentorCandidate:
    """``topics``: the profile's topic ids when read otherwise than by ``prefetch_related("topics")``."""
    return matching.MentorCandidate(
        id=profile.pk, participant_id=profile.participant_id, category=profile.participant.category,
        topics=frozenset(t.pk for t in profile.topics.all()) if topics is None else topics,
        age_min=profile.mentee_age_min,
        age_max=profile.mentee_age_max, meeting_days=matching.parse_meeting_days(profile.meeting_times),
        capacity=profile.capacity, capacity_left=max(0, profile.capacity - load.get(profile.pk, 0)),
        age=profile.participant.age_on(on),
    )


def mentee_candidate(profile: MenteeProfile, on: datetime.date,
                     topics: frozenset[int] | None = None) -> matching.MenteeCandidate:
    return matching.MenteeCandidate(
        id=profile.pk, participant_id=profile.participant_id, category=profile.participant.category,
        topics=frozenset(t.pk for t in profile.topics.all()) if topics is None else topics,
        age=profile.participant.age_on(on),
        meeting_days=matching.parse_meeting_days(profile.meeting_times),
    )


def matching_context(programme: Programme):
    weights = matching.Weights.from_mapping(weights_for(programme.organisation).as_dict())
    wishes = matching.Wishes.from_rows(programme.preferences.values_list("side", "mentee_id", "mentor_id", "rank"))
    topic_names = dict(Topic.objects.values_list("pk", "name"))
    return weights, wishes, topic_names


def matching_input(programme: Programme, *, on: datetime.date) -> tuple[MatchingInput, dict, dict]:
    """Who matching may pair now: consenting, not archived, free places, not already paired.

    Outside mentors without the no-criminal-record certificate are left out: the programme's
    mentees are children.
    """
    mentor_profiles = list(
        # In the order of the profiles: the solver breaks ties by position, so the same data give the same
        # proposal whatever order the database returns rows in (and the same as matching in memory).
        eligible_mentors(programme).select_related("participant").prefetch_related("topics").order_by("pk")
    )
    unpaired = free_mentees(programme)  # their consent is read with the mentors'
    consenting = participants_with_valid_consent(
        [m.participant_id for m in mentor_profiles] + [m.participant_id for m in unpaired], on
    )
    mentor_profiles = [m for m in mentor_profiles if m.participant_id in consenting and not m.lacks_certificate]
    mentee_profiles = list(
        MenteeProfile.objects.filter(pk__in=[m.pk for m in unpaired if m.participant_id in consenting])
        .select_related("participant").prefetch_related("topics")
        .order_by("participant__last_name", "participant__first_name", "pk")
    )
    load = mentor_load([m.pk for m in mentor_profiles])
    weights, wishes, topic_names = matching_context(programme)
    data = MatchingInput(
        mentors=[mentor_candidate(m, load, on) for m in mentor_profiles],
        mentees=[mentee_candidate(m, on) for m in mentee_profiles],
        weights=weights, wishes=wishes, topic_names=topic_names,
    )
    return data, {m.pk: m for m in mentor_profiles}, {m.pk: m for m in mentee_profiles}


# --- one rule for a mentor and some mentees -----------------------------------------------------------


def unfit_label(code: str, programme: Programme) -> str:
    return {
        "mentor_category": _("категория наставника не подходит для формы «%(form)s»") % {"form": programme.form},
        "mentee_category": _("категория наставляемого не подходит для формы «%(form)s»") % {"form": programme.form},
        "same_person": _("это тот же участник"),
        "younger_peer": _("обучающийся-наставник не старше наставляемого"),
    }[code]


@dataclass
class RankedMentor:
    mentor: MentorProfile
    score: matching.Score
    problems: list[str]
    rank: int = 0  # the place in the ranking (1 is the best), kept when the list is sorted otherwise
    capacity_left: int = 0

    @property
    def available(self) -> bool:
        return not self.problems


@dataclass
class Ranking:
    rows: list[RankedMentor]
    blocked: str = ""


class Pool:
    """The mentors of a programme's form and everything their ranking needs, loaded once (a fixed
    number of queries whatever the number of mentors and mentees); ``rank`` then scores in memory.

    ``mentees`` are those the pool will rank for: their consent is read with the mentors'.
    """

    def __init__(self, programme: Programme, *, mentees=(), on: datetime.date | None = None,
                 exclude_pair: Pair | None = None):
        self.programme = programme
        self.on = on or timezone.localdate()
        self.profiles = list(eligible_mentors(programme).select_related("participant").prefetch_related("topics")
                             .order_by("participant__last_name", "participant__first_name", "pk"))
        self.load = mentor_load([m.pk for m in self.profiles], exclude_pair=exclude_pair)
        self.consenting = participants_with_valid_consent(
            [m.participant_id for m in self.profiles] + [m.participant_id for m in mentees], self.on)
        self.weights, self.wishes, self.topic_names = matching_context(programme)
        self.candidates = {m.pk: mentor_candidate(m, self.load, self.on) for m in self.profiles}
        self.by_pk = {m.pk: m for m in self.profiles}

    def problems(self, profile: MentorProfile, mentees: list[MenteeProfile],
                 mentee_candidates: list[matching.MenteeCandidate]) -> list[str]:
        """Every reason this mentor may not take these mentees now; empty when they may."""
        candidate = self.candidates[profile.pk]
        form = self.programme.form
        problems = []
        if profile.participant_id not in self.consenting:
            problems.append(_("нет действующего согласия"))
        if candidate.capacity_left < len(mentees):
            problems.append(self._no_places(profile, candidate, len(mentees)))
        if profile.lacks_certificate and any(m.participant.is_minor_on(self.on) for m in mentees):
            problems.append(_("нет справки об отсутствии судимости"))
        for code in dict.fromkeys(matching.unfit(form.mentor_categories, form.mentee_categories, candidate, mentee)
                                  for mentee in mentee_candidates):
            if code is not None:
                problems.append(unfit_label(code, self.programme))
        return problems

    def _no_places(self, profile: MentorProfile, candidate: matching.MentorCandidate, needed: int) -> str:
        """With today's numbers: a proposal's reasons keep the places free when it was made, and
        «нет свободных мест» next to «Свободно мест: 3 из 3» read as a contradiction."""
        if candidate.capacity_left:
            return _("нет свободных мест для всей группы: свободно %(left)s, нужно %(needed)s") % {
                "left": candidate.capacity_left, "needed": needed}
        return _("нет свободных мест: наставляемых уже %(load)s из %(capacity)s") % {
            "load": self.load.get(profile.pk, 0), "capacity": profile.capacity}

    def score(self, profile: MentorProfile, mentees: list[MenteeProfile],
              mentee_candidates: list[matching.MenteeCandidate]) -> matching.Score:
        """The pair's score with its reasons; for a group, the mean over its mentees, each reason
        prefixed with the mentee's name (the reasons still add up to the total)."""
        candidate = self.candidates[profile.pk]
        scores = [matching.score(candidate, m, self.weights, self.wishes, self.topic_names) for m in mentee_candidates]
        if len(scores) == 1:
            return scores[0]
        reasons = [matching.Reason(reason.code, f"{mentee.participant.short_name}: {reason.label}",
                                   reason.points / len(scores))
                   for mentee, one in zip(mentees, scores, strict=True) for reason in one.reasons]
        return matching.Score(total=math.fsum(r.points for r in reasons), reasons=reasons)

    def judge(self, mentor_id: int, mentees: list[MenteeProfile],
              mentee_candidates: list[matching.MenteeCandidate] | None = None) -> RankedMentor | None:
        """This mentor for these mentees, or None when the mentor is not of the programme's form,
        organisation or is archived (``selectors.eligible_mentors``)."""
        profile = self.by_pk.get(mentor_id)
        if profile is None:
            return None
        if mentee_candidates is None:
            mentee_candidates = [mentee_candidate(m, self.on) for m in mentees]
        return RankedMentor(profile, self.score(profile, mentees, mentee_candidates),
                            self.problems(profile, mentees, mentee_candidates),
                            capacity_left=self.candidates[profile.pk].capacity_left)

    def rank(self, mentees: list[MenteeProfile], *, exclude=()) -> list[RankedMentor]:
        """Every mentor of the form for these mentees (one, or a group), those who may take them first,
        best score first; the mentees themselves and the mentors in ``exclude`` (pks) are left out.
        ``mentees`` need their participant and topics loaded."""
        mentee_candidates = [mentee_candidate(m, self.on) for m in mentees]
        people = {m.participant_id for m in mentees}
        rows = [self.judge(profile.pk, mentees, mentee_candidates) for profile in self.profiles
                if profile.pk not in exclude and profile.participant_id not in people]
        rows.sort(key=lambda row: (not row.available, -row.score.total, row.mentor.participant.last_name))
        for rank, row in enumerate(rows, start=1):
            row.rank = rank
        return rows

    def available(self, mentees: list[MenteeProfile], *, exclude=()) -> list[RankedMentor]:
        return [row for row in self.rank(mentees, exclude=exclude) if row.available]


def with_topics(mentees) -> list[MenteeProfile]:
    return list(MenteeProfile.objects.filter(pk__in=[m.pk for m in mentees])
                .select_related("participant").prefetch_related("topics")
                .order_by("participant__last_name", "participant__first_name", "pk"))


def rank_mentors(programme: Programme, mentee: MenteeProfile, *, on: datetime.date | None = None) -> Ranking:
    """Every mentor of the programme's form for one mentee, best first, with reasons and obstacles."""
    mentee = with_topics([mentee])[0]
    pool = Pool(programme, mentees=[mentee], on=on)
    rows = pool.rank([mentee])
    blocked = ""
    current = Membership.objects.filter(mentee=mentee, left_on__isnull=True, pair__programme=programme,
                                        pair__status__in=(*Pair.HOLDING_STATUSES, Pair.Status.PROPOSED)).first()
    if current is not None:
        blocked = _("Наставляемый уже в паре № %(pair)s этой программы; новая пара — только после её завершения "
                    "или при замене наставника.") % {"pair": current.pair_id}
    elif mentee.participant_id not in pool.consenting:
        blocked = _("У наставляемого нет действующего согласия: пару сформировать нельзя, пока оно не внесено.")
    elif not programme.form.accepts_mentee(mentee.participant.category):
        blocked = _("Категория наставляемого не подходит для формы «%(form)s».") % {"form": programme.form}
    return Ranking(rows=rows, blocked=blocked)


def replacement_ranking(pair: Pair, *, on: datetime.date | None = None) -> list[RankedMentor]:
    """Mentors who could replace the pair's current one, ranked; those who may not say why.

    The pair's current mentees need a place each with the new mentor: the pair's own places belong to
    the mentor being replaced, so nobody else's load counts them.
    """
    current = pair.mentor_links.filter(ended_on__isnull=True).values_list("mentor_id", flat=True).first()
    mentees = with_topics(m.mentee for m in pair.memberships.select_related("mentee").filter(left_on__isnull=True))
    pool = Pool(pair.programme, mentees=mentees, on=on, exclude_pair=pair)
    return pool.rank(mentees, exclude={current} if current else set())


# --- the proposals of «Подобрать пары», as one table ----------------------------------------------------

ALTERNATIVES = 12  # mentors offered in a row's «swap» select: the best ones; the candidates page has all

# Reasons worth 0 points that deserve a second look before confirming (the others explain a low score).
NOTE_CODES = frozenset({"topics_no_match", "topics_none", "age_out_of_range", "days_no_match"})


@dataclass
class ProposalRow:
    pair: Pair
    mentee: MenteeProfile
    mentor: MentorProfile
    reasons: list[dict]  # the stored explanation, the lines that scored
    problems: list[str]  # what will make confirming fail now
    notes: list[str]  # what fits badly, without blocking
    alternatives: list[RankedMentor]


def proposals(programme: Programme):
    """The programme's proposed pairs with their mentor and mentee, in a fixed number of queries."""
    return pairs_with_people(programme.pairs.filter(status=Pair.Status.PROPOSED)).order_by("pk")


def proposal_mentee(pair: Pair):
    return next((m.mentee for m in pair.memberships.all() if m.left_on is None), None)


def proposal_mentor(pair: Pair):
    link = pair.current_mentor_link
    return link.mentor if link else None


def proposal_label(pair: Pair) -> str:
    """«Ласточкина Вера Павловна → Скворцов Илья Андреевич»: how a row is named in messages."""
    mentor = proposal_mentor(pair)
    names = ", ".join(m.mentee.participant.full_name for m in pair.memberships.all() if m.left_on is None)
    return f"{mentor.participant.full_name if mentor else '—'} → {names or '—'}"


def proposal_rows(programme: Programme, pairs: list[Pair], *, on: datetime.date | None = None,
                  alternatives: int = ALTERNATIVES) -> list[ProposalRow]:
    """The rows of the proposals table for ``pairs`` (one page of ``proposals(programme)``): each with
    its reasons, what would refuse it now, what fits badly and the best other mentors for its mentee."""
    mentees = with_topics(m for m in (proposal_mentee(p) for p in pairs) if m is not None)
    by_pk = {m.pk: m for m in mentees}
    pool = Pool(programme, mentees=mentees, on=on)
    # Proposals hold no places: a mentor proposed to more mentees than they have places for can take
    # only some of them.
    offered = dict(
        Pair.objects.filter(programme=programme, status=Pair.Status.PROPOSED, mentor_links__ended_on__isnull=True)
        .values_list("mentor_links__mentor_id").annotate(n=Count("pk"))
    )
    rows = []
    for pair in pairs:
        mentee, mentor = by_pk.get(getattr(proposal_mentee(pair), "pk", None)), proposal_mentor(pair)
        if mentee is None or mentor is None:
            continue
        judged = pool.judge(mentor.pk, [mentee])
        problems = judged.problems if judged else [_("наставник больше не может наставлять в этой программе")]
        if mentee.participant_id not in pool.consenting:
            problems = [*problems, _("у наставляемого нет действующего согласия")]
        if judged and judged.available and offered.get(mentor.pk, 0) > judged.capacity_left:
            problems = [*problems, _("наставнику предложено наставляемых: %(offered)s, свободных мест: %(left)s")
                        % {"offered": offered[mentor.pk], "left": judged.capacity_left}]
        stored = pair.match_reasons or []
        rows.append(ProposalRow(
            pair=pair, mentee=mentee, mentor=mentor,
            reasons=[r for r in stored if r.get("points")],
            problems=problems,
            notes=[r["label"] for r in stored if not r.get("points") and r.get("code") in NOTE_CODES],
            alternatives=pool.available([mentee], exclude={mentor.pk})[:alternatives],
        ))
    return rows
