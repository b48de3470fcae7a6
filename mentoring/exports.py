"""The pair columns of the registry's mentor and mentee bases (registered in MentoringConfig.ready).

A region's base asks for tens of thousands of pairs, so they are read as plain values (``values()``:
only the columns a PairInfo needs, no model instances), a fixed number of queries per chunk of
participants.
"""

from collections import defaultdict

from django.db.models import BooleanField, ExpressionWrapper, F

from mentoring.models import Membership, MentorLink, Pair
from registry.exports import PairInfo, topic_names
from registry.processing import consent_lapsed
from registry.models.people import full_name

# Proposals and rejected proposals never worked: they are not in the bases.
EXPORTED_STATUSES = (Pair.Status.FORMING, Pair.Status.ACTIVE, Pair.Status.COMPLETED, Pair.Status.ENDED_EARLY)

# What both bases show of the pair itself, read alongside a membership or a mentor link.
PAIR_COLUMNS = {
    "form": F("pair__programme__form__name"),
    "place": F("pair__programme__organisation__short_name"),
    "pair_ended_on": F("pair__ended_on"),
    "results": F("pair__results"),
    "best_practice": F("pair__best_practice"),
}


def _case_url(best_practice: str) -> str:
    return best_practice[:200] if best_practice else ""


def _last_mentors(pair_ids) -> dict[int, dict]:
    """The last mentor of each pair (its mentor links by started_on, pk): name and place of work; one query."""
    links = (
        MentorLink.objects.filter(pair__in=pair_ids)
        .order_by("started_on", "pk")
        .annotate(lapsed=ExpressionWrapper(consent_lapsed("mentor__participant"), output_field=BooleanField()))
        .values(
            "pair", "lapsed",
            last_name=F("mentor__participant__last_name"),
            first_name=F("mentor__participant__first_name"),
            patronymic=F("mentor__participant__patronymic"),
            position=F("mentor__participant__position"),
            class_name=F("mentor__participant__class_name"),
            organisation=F("mentor__participant__organisation__short_name"),
            partner_id=F("mentor__partner"),
            partner=F("mentor__partner__name"),
        )
    )
    mentors = {}
    for link in links:
        place = link["partner"] if link["partner_id"] else link["organisation"]
        mentors[link["pair"]] = {  # a later link replaces an earlier one
            "name": full_name(link["last_name"], link["first_name"], link["patronymic"]),
            "place": ", ".join(part for part in (place, link["position"] or link["class_name"]) if part),
        }
        if link["lapsed"]:  # the mentor's processing is stopped: not named in a new file
            mentors[link["pair"]] = {"name": "", "place": ""}
    return mentors


def mentee_pair_info(participant_ids: list[int]) -> dict[int, list[PairInfo]]:
    """One PairInfo per pair a mentee was in (by joined_on, pk), with the mentor of that time (the last one).

    Two queries whatever the number of participants: the memberships with their pairs, then the pairs'
    mentor links.
    """
    memberships = list(
        Membership.objects.filter(mentee__participant__in=participant_ids, pair__status__in=EXPORTED_STATUSES)
        .order_by("joined_on", "pk")
        .values("pair", "joined_on", "left_on", participant=F("mentee__participant"), **PAIR_COLUMNS)
    )
    mentors = _last_mentors({membership["pair"] for membership in memberships})
    result: dict[int, list[PairInfo]] = defaultdict(list)
    for membership in memberships:
        mentor = mentors.get(membership["pair"])
        result[membership["participant"]].append(PairInfo(
            partner_name=mentor["name"] if mentor else "",
            partner_place=mentor["place"] if mentor else "",
            form=membership["form"],
            place=membership["place"],
            started_on=membership["joined_on"],
            ended_on=membership["left_on"] or membership["pair_ended_on"],
            results=membership["results"],
            case_url=_case_url(membership["best_practice"]),
        ))
    return result


def _mentees_of(pair_ids) -> dict[int, list[dict]]:
    """Each pair's memberships (by joined_on, pk) with the mentee's name, place of study and request; two
    queries (the memberships, the mentees' topics)."""
    memberships = list(
        Membership.objects.filter(pair__in=pair_ids)
        .exclude(consent_lapsed("mentee__participant"))  # processing stopped: not named in a new file
        .order_by("joined_on", "pk")
        .values(
            "pair", "joined_on", "left_on",
            participant=F("mentee__participant"),
            last_name=F("mentee__participant__last_name"),
            first_name=F("mentee__participant__first_name"),
            patronymic=F("mentee__participant__patronymic"),
            class_name=F("mentee__participant__class_name"),
            organisation=F("mentee__participant__organisation__short_name"),
            request=F("mentee__request"),
        )
    )
    topics = topic_names("mentees", list({membership["participant"] for membership in memberships}))
    mentees: dict[int, list[dict]] = defaultdict(list)
    for membership in memberships:
        request = (", ".join(topics.get(membership["participant"], [])), membership["request"])
        mentees[membership["pair"]].append({
            "name": full_name(membership["last_name"], membership["first_name"], membership["patronymic"]),
            "place": ", ".join(part for part in (membership["organisation"], membership["class_name"]) if part),
            "request": "; ".join(part for part in request if part),
            "joined_on": membership["joined_on"],
            "left_on": membership["left_on"],
        })
    return mentees


def mentor_pair_info(participant_ids: list[int]) -> dict[int, list[PairInfo]]:
    """One PairInfo per mentee a mentor mentored (per link, by started_on, pk), with the mentee's request.

    Three queries whatever the number of participants: the mentor links with their pairs, the pairs'
    memberships, the mentees' topics.
    """
    links = list(
        MentorLink.objects.filter(mentor__participant__in=participant_ids, pair__status__in=EXPORTED_STATUSES)
        .order_by("started_on", "pk")
        .values("pair", "started_on", "ended_on", participant=F("mentor__participant"), **PAIR_COLUMNS)
    )
    mentees = _mentees_of({link["pair"] for link in links})
    result: dict[int, list[PairInfo]] = defaultdict(list)
    for link in links:
        for mentee in mentees.get(link["pair"], []):
            result[link["participant"]].append(PairInfo(
                partner_name=mentee["name"],
                partner_place=mentee["place"],
                partner_request=mentee["request"],
                form=link["form"],
                place=link["place"],
                started_on=max(link["started_on"], mentee["joined_on"]),
                ended_on=link["ended_on"] or mentee["left_on"] or link["pair_ended_on"],
                results=link["results"],
                case_url=_case_url(link["best_practice"]),
            ))
    return result
