"""The pair columns of the registry's mentor and mentee bases (registered in MentoringConfig.ready)."""

from collections import defaultdict

from django.db.models import Prefetch

from mentoring.models import Membership, MentorLink, Pair
from registry.exports import PairInfo

# Proposals and rejected proposals never worked: they are not in the bases.
EXPORTED_STATUSES = (Pair.Status.FORMING, Pair.Status.ACTIVE, Pair.Status.COMPLETED, Pair.Status.ENDED_EARLY)


def _place_of_mentor(mentor) -> str:
    person = mentor.participant
    place = mentor.partner.name if mentor.partner_id else person.organisation.short_name
    return ", ".join(part for part in (place, person.position or person.class_name) if part)


def _place_of_mentee(mentee) -> str:
    person = mentee.participant
    return ", ".join(part for part in (person.organisation.short_name, person.class_name) if part)


def _request(mentee) -> str:
    topics = ", ".join(topic.name for topic in mentee.topics.all())
    return "; ".join(part for part in (topics, mentee.request) if part)


def mentee_pair_info(participant_ids: list[int]) -> dict[int, list[PairInfo]]:
    """One PairInfo per pair a mentee was in, with the mentor of that time (the last one)."""
    memberships = (
        Membership.objects.filter(mentee__participant_id__in=participant_ids, pair__status__in=EXPORTED_STATUSES)
        .select_related("mentee", "pair__programme__form", "pair__programme__organisation")
        .prefetch_related(Prefetch(
            "pair__mentor_links",
            queryset=MentorLink.objects.select_related("mentor__participant__organisation", "mentor__partner")
            .order_by("started_on", "pk"),
        ))
        .order_by("joined_on", "pk")
    )
    result: dict[int, list[PairInfo]] = defaultdict(list)
    for membership in memberships:
        pair = membership.pair
        links = list(pair.mentor_links.all())
        mentor = links[-1].mentor if links else None
        result[membership.mentee.participant_id].append(PairInfo(
            partner_name=mentor.participant.full_name if mentor else "",
            partner_place=_place_of_mentor(mentor) if mentor else "",
            form=pair.programme.form.name,
            place=pair.programme.organisation.short_name,
            started_on=membership.joined_on,
            ended_on=membership.left_on or pair.ended_on,
            results=pair.results,
            case_url=pair.best_practice[:200] if pair.best_practice else "",
        ))
    return result


def mentor_pair_info(participant_ids: list[int]) -> dict[int, list[PairInfo]]:
    """One PairInfo per mentee a mentor mentored (per link), with the mentee's request."""
    links = (
        MentorLink.objects.filter(mentor__participant_id__in=participant_ids, pair__status__in=EXPORTED_STATUSES)
        .select_related("mentor", "pair__programme__form", "pair__programme__organisation")
        .prefetch_related(Prefetch(
            "pair__memberships",
            queryset=Membership.objects.select_related("mentee__participant__organisation")
            .prefetch_related("mentee__topics").order_by("joined_on", "pk"),
        ))
        .order_by("started_on", "pk")
    )
    result: dict[int, list[PairInfo]] = defaultdict(list)
    for link in links:
        pair = link.pair
        for membership in pair.memberships.all():
            result[link.mentor.participant_id].append(PairInfo(
                partner_name=membership.mentee.participant.full_name,
                partner_place=_place_of_mentee(membership.mentee),
                partner_request=_request(membership.mentee),
                form=pair.programme.form.name,
                place=pair.programme.organisation.short_name,
                started_on=max(link.started_on, membership.joined_on),
                ended_on=link.ended_on or membership.left_on or pair.ended_on,
                results=pair.results,
                case_url=pair.best_practice[:200] if pair.best_practice else "",
            ))
    return result
