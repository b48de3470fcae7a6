"""The list a curator hands personal links out from, and the printed sheets of those links.

The list holds the people a questionnaire is for in one organisation (``questionnaires.answering``),
filtered by ``?q=`` (a name), ``?class_name=``, ``?programme=``, ``?form=`` and ``?pair=`` (a current
place in this year's pairs), ``?role=`` (mentees or mentors) and ``?stage=`` (``entry``: no entry
assessment yet; ``exit``: an entry assessment and no exit one). An unknown value is no filter, silently,
like a bad page number; a programme or pair of another organisation is unknown here. The same filters
choose whom «issue to everyone found» reaches and whose links the sheets print, one sheet per class,
each link as a QR code with its text.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

import segno
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from mentoring.models import MentoringForm, MentorLink, Membership, Pair, Programme
from mentoring.selectors import pairs_with_people
from monitoring.links import Audience, Target, audience_for, evaluable_pairs, evaluated
from monitoring.models import Questionnaire, Response
from monitoring.questionnaires import answering
from registry.listing import id_param, search_param
from registry.models import AcademicYear, Participant
from registry.models.people import normalise_class_name, normalise_name
from registry.processing import allowed_among, states

STAGES = (("entry", _("входную оценку ещё не проходили")), ("exit", _("входную прошли, итоговую ещё нет")))
ROLES = ((Audience.MENTEES, _("наставляемые")), (Audience.MENTORS, _("наставники")))
NAME = ("last_name", "first_name", "patronymic")
SORTS = {"name": NAME, "class_name": ("class_name", *NAME), "link": ("link_until", *NAME)}
# The class filter's value for people without a class or group (teachers, parents, partners).
NO_CLASS = "-"
# One file is rendered while the curator waits (about 3 s per hundred links): beyond this, one per class.
MAX_SHEET_LINKS = 150


@dataclass(frozen=True)
class LinkFilter:
    """The filters as understood (unknown values dropped), with what the page offers to choose."""

    q: str = ""
    class_name: str = ""
    programme: Programme | None = None
    form: MentoringForm | None = None
    pair: Pair | None = None
    role: str = ""
    stage: str = ""
    choices: dict = field(default_factory=dict, compare=False)

    def params(self) -> dict[str, str]:
        """The filters as a query string's values: for the sheet's address and the page's fields."""
        values = {"q": self.q, "class_name": self.class_name, "role": self.role, "stage": self.stage,
                  "programme": self.programme.pk if self.programme else "", "form": self.form.pk if self.form else "",
                  "pair": self.pair.pk if self.pair else ""}
        return {key: str(value) for key, value in values.items() if value}

    @property
    def narrows_to_pairs(self) -> bool:
        return bool(self.programme or self.form or self.pair)

    def pairs(self, questionnaire: Questionnaire, organisation):
        """The evaluable pairs of the organisation the filters leave (all of them without a filter)."""
        pairs = evaluable_pairs(questionnaire, organisation_ids=[organisation.pk], programme=self.programme)
        if self.form is not None:
            pairs = pairs.filter(programme__form=self.form)
        if self.pair is not None:
            pairs = pairs.filter(pk=self.pair.pk)
        return pairs


def _pair_label(pair: Pair) -> str:
    link = pair.current_mentor_link
    mentor = link.mentor.participant.short_name if link else "—"
    mentees = ", ".join(m.mentee.participant.short_name for m in pair.current_memberships)
    return f"{pair} («{pair.programme.form}»): {mentor} — {mentees}"


def read_filter(params, questionnaire: Questionnaire, organisation) -> LinkFilter:
    """The filters of ``params`` over this organisation's people, and the choices of each."""
    programmes = list(Programme.objects.filter(organisation=organisation, academic_year=AcademicYear.objects.current())
                      .filter(**({"form_id": questionnaire.form_id} if questionnaire.form_id else {}))
                      .select_related("form").order_by("form__position", "form__name"))
    programme = next((p for p in programmes if p.pk == id_param(params.get("programme"))), None)
    forms = list(dict.fromkeys(p.form for p in programmes))
    form = next((f for f in forms if f.pk == id_param(params.get("form"))), None)
    pair_rows = list(pairs_with_people(LinkFilter(programme=programme, form=form).pairs(questionnaire, organisation))
                     .order_by("pk"))
    pair = next((p for p in pair_rows if p.pk == id_param(params.get("pair"))), None)
    classes = list(answering(questionnaire, [organisation.pk]).exclude(class_name="")
                   .order_by("class_name").values_list("class_name", flat=True).distinct())
    class_name = normalise_class_name(search_param(params, "class_name"))
    if class_name != NO_CLASS and class_name not in classes:
        class_name = ""
    roles = ROLES if audience_for(questionnaire) == Audience.ALL else ()
    return LinkFilter(
        q=search_param(params), class_name=class_name, programme=programme,
        form=form, pair=pair, role=params.get("role", "") if params.get("role") in dict(roles) else "",
        stage=params.get("stage", "") if params.get("stage") in dict(STAGES) else "",
        choices={"programmes": programmes, "forms": forms, "pairs": [(p.pk, _pair_label(p)) for p in pair_rows],
                 "classes": classes, "roles": roles, "stages": STAGES},
    )


def _done(kind: str):
    return Exists(Response.objects.filter(participant=OuterRef("pk"), questionnaire__kind=kind,
                                          submitted_at__isnull=False))


def candidates(questionnaire: Questionnaire, organisation, chosen: LinkFilter):
    """The people the filters find, with their consent state and the expiry of their unused link."""
    people = answering(questionnaire, [organisation.pk]).with_consent_state()
    for word in normalise_name(chosen.q).split():
        # search_name is lower-cased in Python: SQLite's LIKE folds the case of ASCII only.
        people = people.filter(search_name__contains=word)
    if chosen.class_name:
        people = people.filter(class_name="" if chosen.class_name == NO_CLASS else chosen.class_name)
    role = audience_for(questionnaire, chosen.role)
    if chosen.narrows_to_pairs:
        pairs = chosen.pairs(questionnaire, organisation)
        # Suspended places count: those people are listed, and told why they get no link.
        as_mentee = Exists(Membership.objects.filter(mentee__participant=OuterRef("pk"), pair__in=pairs,
                                                     left_on__isnull=True))
        as_mentor = Exists(MentorLink.objects.filter(mentor__participant=OuterRef("pk"), pair__in=pairs,
                                                     ended_on__isnull=True))
        people = people.filter({Audience.MENTEES: as_mentee, Audience.MENTORS: as_mentor}.get(role,
                                                                                             as_mentee | as_mentor))
    elif role == Audience.MENTEES:
        people = people.filter(mentee_profile__isnull=False)
    elif role == Audience.MENTORS:
        people = people.filter(mentor_profile__isnull=False)
    if chosen.stage == "entry":
        people = people.filter(~_done(Questionnaire.Kind.ENTRY))
    elif chosen.stage == "exit":
        people = people.filter(_done(Questionnaire.Kind.ENTRY) & ~_done(Questionnaire.Kind.EXIT))
    unused = Response.objects.filter(questionnaire=questionnaire, participant=OuterRef("pk"), token__isnull=False,
                                     submitted_at__isnull=True)
    return people.annotate(
        link_until=Subquery(unused.order_by("-token_expires_at").values("token_expires_at")[:1]),
        answered=Exists(Response.objects.filter(questionnaire=questionnaire, participant=OuterRef("pk"),
                                                submitted_at__isnull=False)),
    )


@dataclass(frozen=True)
class Row:
    participant: Participant
    target: Target
    programme: Programme | None  # what the link evaluates, with ``target.pair_id`` when one pair
    stopped: str  # why the person gets no link; "" when they may get one


def rows(questionnaire: Questionnaire, organisation, people, chosen: LinkFilter) -> list[Row]:
    """A page of the list with what each link would evaluate and why someone gets none. Three queries."""
    people = list(people)
    allowed = states(people)
    targets = evaluated(questionnaire, people, pairs=chosen.pairs(questionnaire, organisation), role=chosen.role)
    programmes = {p.pk: p for p in chosen.choices.get("programmes", ())}
    return [Row(t.participant, t, programmes.get(t.programme_id),
                "" if allowed[t.participant.pk].allowed else allowed[t.participant.pk].reason) for t in targets]


def issuable(people) -> int:
    """How many of ``people`` (the filtered queryset) «issue to everyone found» gives a link: the others'
    data may not be processed. One query whatever their number; only the ids go into it."""
    return allowed_among(Participant.objects.filter(pk__in=people.order_by().values("pk"))).count()


def id_list(values) -> list[int]:
    """The ids of a repeated query parameter (``?participant=1&participant=2``); anything else dropped."""
    return sorted({pk for pk in map(id_param, values) if pk})


# --- the printed sheets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    response: Response
    url: str
    qr: str  # a data: URL of the QR code's PNG, one pixel per module


@dataclass(frozen=True)
class Sheet:
    class_name: str  # "" for people without a class or group
    cards: list[Card]

    @property
    def rows(self) -> list[list[Card]]:
        """Two cards a row: the printed table's rows."""
        return [self.cards[i:i + 2] for i in range(0, len(self.cards), 2)]


def qr_png(url: str) -> str:
    """The QR code of ``url`` as a PNG data URL, one pixel per module with the 4-module quiet zone: the
    sheet scales it up without smoothing, so a phone reads it from paper."""
    return segno.make(url, error="m", micro=False).png_data_uri(scale=1, border=4)


def class_order(name: str) -> tuple:
    # «5А» before «10Б»; the people without a class last.
    match = re.match(r"(\d+)(.*)", name)
    return (not name, int(match.group(1)) if match else 0, match.group(2) if match else name)


def printable(questionnaire: Questionnaire, people, *, programme: Programme | None, now: datetime.datetime):
    """The usable links of ``people`` (a queryset): handed out, not answered, not expired."""
    links = (Response.objects.filter(questionnaire=questionnaire, participant__in=people.values("pk"),
                                     token__isnull=False, submitted_at__isnull=True)
             .filter(Q(token_expires_at__isnull=True) | Q(token_expires_at__gt=now)))
    return links.filter(programme=programme) if programme is not None else links


def classes(links) -> list[tuple[str, int]]:
    """(class, its filter value, how many of ``links``) in class order: the choice when one file would be
    too long."""
    counts = {row["participant__class_name"]: row["n"]
              for row in links.order_by().values("participant__class_name").annotate(n=Count("pk"))}
    return [(name, name or NO_CLASS, counts[name]) for name in sorted(counts, key=class_order)]


def sheets(links, *, url_for) -> list[Sheet]:
    """``links`` one sheet per class in class order, by name within. A link of someone whose data may no
    longer be processed is not printed."""
    links = list(links.select_related("participant", "programme__form")
                 .order_by("participant__last_name", "participant__first_name", "participant__patronymic", "pk"))
    allowed = states([r.participant for r in links])
    by_class: dict[str, list[Card]] = {}
    for response in links:
        if allowed[response.participant_id].allowed:
            url = url_for(response)
            by_class.setdefault(response.participant.class_name, []).append(Card(response, url, qr_png(url)))
    return [Sheet(name, by_class[name]) for name in sorted(by_class, key=class_order)]
