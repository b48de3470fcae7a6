"""The demo's matching, one organisation at a time: its people read once, each programme's input built in
memory (``OrganisationPool``).

``eligibility.matching_input`` reads a programme's mentors, mentees, consents, load, weights and wishes in
about a dozen queries; the demo runs it for 1,200 programmes of a 300-school district, so the loader spent
most of its time there. Here every mentor and mentee of the organisation is read once with their topics,
consents on the two days the demo asks about, and the mentors' load; each programme then takes its
form's people from those lists, and the pool follows what the demo writes (confirmed pairs take places, a
replaced mentor frees one, an ended pair frees its mentor's) so that the next programme sees the same load
the database would show. The input is the same as ``matching_input`` would read from the database:
``tests/test_demo_pairs.py`` compares them programme by programme, and ``tests/test_demo_fingerprint.py``
the whole district.

What the pool assumes, true of the demo's step: the programmes are new (no pair of theirs exists yet, no
proposal was rejected), and consents and archiving do not change while the step runs.
"""

from __future__ import annotations

import dataclasses
import datetime

from mentoring import eligibility, matching
from mentoring.models import Programme
from mentoring.selectors import mentor_load, weights_for
from registry.models import Consent, MenteeProfile, MentorProfile, Organisation


def _topics(model, profiles) -> dict[int, frozenset[int]]:
    through = model.topics.through
    owner = model.topics.field.m2m_field_name() + "_id"
    topics: dict[int, set[int]] = {}
    for profile_id, topic_id in through.objects.filter(**{f"{owner}__in": [p.pk for p in profiles]}).values_list(
            owner, "topic_id"):
        topics.setdefault(profile_id, set()).add(topic_id)
    return {pk: frozenset(ids) for pk, ids in topics.items()}


def _registered(profile) -> tuple[str, int]:
    return profile.participant.category, profile.participant_id


class OrganisationPool:
    """An organisation's mentors and mentees with what matching needs of them, read in a fixed number of
    queries, and the mentors' load kept up to date by the caller (``take``, ``release``)."""

    def __init__(self, organisation: Organisation, *, on: datetime.date, history_on: datetime.date,
                 topic_names: dict[int, str]):
        self.on = on
        # The order of ``matching_input``: mentors by pk, mentees by name (the database's collation) and pk.
        self.mentors = list(
            MentorProfile.objects.filter(participant__organisation_id=organisation.pk, participant__is_archived=False)
            .select_related("participant").order_by("pk"))
        self.mentees = list(
            MenteeProfile.objects.filter(participant__organisation_id=organisation.pk, participant__is_archived=False)
            .select_related("participant").order_by("participant__last_name", "participant__first_name", "pk"))
        # The demo once took «the first» mentors and mentees of a form from queries without an order; SQLite
        # gives them by category, then as registered (the index on organisation and category), PostgreSQL
        # as its plan happens to read them. That order, made explicit, keeps the demo of the golden file
        # and makes PostgreSQL's the same from run to run.
        self.registered = {
            "mentors": sorted(self.mentors, key=_registered), "mentees": sorted(self.mentees, key=_registered)}
        self._mentee = {m.pk: m for m in self.mentees}
        people = [m.participant_id for m in self.mentors] + [m.participant_id for m in self.mentees]
        # ``selectors.participants_with_valid_consent`` on both days, from one read: nobody here is archived,
        # so it is whoever holds a consent to mentoring valid that day (``Consent.is_valid_on``).
        consents = list(Consent.objects.filter(purpose=Consent.Purpose.MENTORING, participant_id__in=people)
                        .only("participant_id", "signed_on", "revoked_on", "valid_until"))
        self.consenting_on = {day: {c.participant_id for c in consents if c.is_valid_on(day)}
                              for day in (on, history_on)}
        self.consenting = self.consenting_on[on]
        self.load = mentor_load([m.pk for m in self.mentors])
        self.weights = matching.Weights.from_mapping(weights_for(organisation).as_dict())
        self.topic_names = topic_names
        # The latest consent not revoked, by when it was signed: a pair starts after it.
        self.latest_consent = {}
        for c in consents:
            if c.revoked_on is None and c.signed_on > self.latest_consent.get(c.participant_id, datetime.date.min):
                self.latest_consent[c.participant_id] = c.signed_on
        # Topic ids from the link tables: no Topic instance per profile and topic.
        mentor_topics, mentee_topics = _topics(MentorProfile, self.mentors), _topics(MenteeProfile, self.mentees)
        self._mentor_candidates = {m.pk: eligibility.mentor_candidate(m, {}, on, mentor_topics.get(m.pk, frozenset()))
                                   for m in self.mentors}
        self._mentee_candidates = {m.pk: eligibility.mentee_candidate(m, on, mentee_topics.get(m.pk, frozenset()))
                                   for m in self.mentees}

    def mentee(self, pk: int) -> MenteeProfile:
        return self._mentee[pk]

    # --- who a programme may take -------------------------------------------------------------------

    def form_mentors(self, programme: Programme, *, registered: bool = False) -> list[MentorProfile]:
        """``selectors.eligible_mentors(programme)`` by pk, or by category and registration."""
        categories = programme.form.mentor_categories
        return [m for m in (self.registered["mentors"] if registered else self.mentors)
                if m.participant.category in categories]

    def form_mentees(self, programme: Programme, *, registered: bool = False) -> list[MenteeProfile]:
        """``selectors.eligible_mentees(programme)`` by name, or by category and registration."""
        categories = programme.form.mentee_categories
        return [m for m in (self.registered["mentees"] if registered else self.mentees)
                if m.participant.category in categories]

    def matching_input(self, programme: Programme, wishes: matching.Wishes) -> eligibility.MatchingInput:
        """What ``eligibility.matching_input`` reads for a new programme with these wishes: consenting
        mentors with the certificate they need and a load as the database has it now, every consenting
        mentee of the form (a new programme has no pair yet)."""
        mentors = [m for m in self.form_mentors(programme)
                   if m.participant_id in self.consenting and not m.lacks_certificate]
        mentees = [m for m in self.form_mentees(programme) if m.participant_id in self.consenting]
        return eligibility.MatchingInput(
            mentors=[self._with_load(m) for m in mentors],
            mentees=[self._mentee_candidates[m.pk] for m in mentees],
            weights=self.weights, wishes=wishes, topic_names=self.topic_names,
        )

    def proposal(self, programme: Programme, wishes: matching.Wishes) -> tuple[matching.Proposal,
                                                                                  eligibility.MatchingInput]:
        """``proposals.proposal_for`` of a new programme, from the pool."""
        data = self.matching_input(programme, wishes)
        proposal = matching.propose(
            data.mentors, data.mentees, mentor_categories=programme.form.mentor_categories,
            mentee_categories=programme.form.mentee_categories, weights=data.weights, wishes=data.wishes,
            topic_names=data.topic_names, forbidden_pairs=set(),
        )
        return proposal, data

    def _with_load(self, profile: MentorProfile) -> matching.MentorCandidate:
        candidate = self._mentor_candidates[profile.pk]
        left = max(0, profile.capacity - self.load.get(profile.pk, 0))
        if candidate.capacity_left == left:
            return candidate
        candidate = self._mentor_candidates[profile.pk] = dataclasses.replace(candidate, capacity_left=left)
        return candidate

    # --- what the demo writes -----------------------------------------------------------------------

    def take(self, mentor_id: int, places: int = 1) -> None:
        """A pair holding places was written (confirmed, or a mentor took over a pair)."""
        self.load[mentor_id] = self.load.get(mentor_id, 0) + places

    def release(self, mentor_id: int, places: int = 1) -> None:
        """A pair stopped holding the mentor's places (it ended, or the mentor was replaced)."""
        self.load[mentor_id] = self.load.get(mentor_id, 0) - places
