"""The rules of questionnaires, as plain functions that views and tests call.

Answers are validated here (a scale within 1..max, a choice among the options, required questions
present) and stored all or nothing: entered by a curator on behalf of a participant, where a double
submit stores one response, or submitted by the participant through a personal link that works once
and expires. Re-issuing a link to someone whose link is still unused extends that link.

The question sets are shared by every organisation, and answers point at their questions: a question
that has answers is never deleted, it is retired — taken off the questionnaire, made optional, and
kept with its answers (``Question.retired_at`` set). The rest are the active set.
"""

from __future__ import annotations

import datetime
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, Max, ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentoring.models import Membership, MentorLink, Pair, Programme
from monitoring.figures import WORKED
from monitoring.models import Answer, Question, Questionnaire, Response, new_token
from registry.processing import refusals, require_processing
from registry.models import Participant
from registry.signals import announce_change

LINK_DAYS = 14
MAX_LINK_DAYS = 90
MAX_TEXT = 5000
# The same answers for the same person entered by the same user this soon again are a double submit.
DUPLICATE_WINDOW = datetime.timedelta(minutes=10)
# What new_token() produces (URL-safe base64); anything else is not looked up at all.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32,64}")


class Audience:
    """Whom of a programme's people a link goes to."""

    MENTEES, MENTORS, ALL = "mentees", "mentors", "all"
    CHOICES = ((MENTEES, gettext_lazy("наставляемым")), (MENTORS, gettext_lazy("наставникам")),
               (ALL, gettext_lazy("наставникам и наставляемым")))


def _lock(queryset) -> None:
    """SELECT … FOR UPDATE on the rows (a no-op on SQLite, which serialises writers anyway)."""
    list(queryset.select_for_update().values_list("pk", flat=True))


# --- the question set --------------------------------------------------------------------------------


def active_questions(questionnaire: Questionnaire):
    return questionnaire.questions.filter(retired_at__isnull=True).order_by("position", "pk")


def retired_questions(questionnaire: Questionnaire):
    """In the order they were retired; each keeps the position it had on the questionnaire."""
    return questionnaire.questions.filter(retired_at__isnull=False).order_by("retired_at", "position", "pk")


def check_question_change(question: Question, *, type: str, choices: list[str]) -> None:
    """A question that has answers keeps its type and every option someone chose: old answers keep their
    meaning. Rewording it is allowed."""
    if question.pk is None:
        return
    answers = Answer.objects.filter(question=question)
    if type != question.type and answers.exists():
        raise ValidationError({"type": _("На этот вопрос уже отвечали: тип ответа изменить нельзя. "
                                         "Снимите вопрос с анкеты и добавьте новый.")})
    if type == Question.Type.CHOICE:
        chosen = set(answers.exclude(text="").values_list("text", flat=True).distinct())
        missing = sorted(chosen - set(choices))
        if missing:
            raise ValidationError({"choices": _("Эти варианты уже выбирали в ответах, их нельзя убрать: %(options)s.")
                                   % {"options": "; ".join(f"«{option}»" for option in missing)}})


def remove_question(question: Question) -> bool:
    """Delete a question nobody answered; retire one that has answers. True if it was deleted."""
    try:
        with transaction.atomic():
            question.delete()
        return True
    except ProtectedError:
        # Conditional: a second submit of the same form leaves the first retirement (and its time) alone.
        Question.objects.filter(pk=question.pk, retired_at__isnull=True).update(
            required=False, retired_at=timezone.now()
        )
        return False


def restore_question(question: Question) -> None:
    """A retired question back at the end of the active set (optional until made required again)."""
    last = active_questions(question.questionnaire).aggregate(last=Max("position"))["last"] or 0
    Question.objects.filter(pk=question.pk, retired_at__isnull=False).update(retired_at=None, position=last + 1)


def renumber(questionnaire: Questionnaire) -> None:
    """Active questions numbered 1, 2, 3… in their current order."""
    questions = list(active_questions(questionnaire))
    for number, question in enumerate(questions, start=1):
        question.position = number
    Question.objects.bulk_update(questions, ["position"])


def summary(questionnaire: Questionnaire, submitted) -> tuple[list[dict], list[dict]]:
    """Per question of the active set and of the retired one: the number of answers among the
    ``submitted`` responses, the average of a scale, the count and share of each option. Three queries."""
    answers = Answer.objects.filter(response__in=submitted)
    stats = {row["question_id"]: row for row in (
        answers.values("question_id").annotate(avg=Avg("number"), n=Count("pk"))  # avg: None but for scales
    )}
    options: dict[int, dict[str, int]] = {}
    for row in (answers.filter(question__type=Question.Type.CHOICE).values("question_id", "text")
                .annotate(n=Count("pk"))):
        options.setdefault(row["question_id"], {})[row["text"]] = row["n"]
    active, retired = [], []
    for question in questionnaire.questions.all():
        stat, counts = stats.get(question.pk, {}), options.get(question.pk, {})
        total = sum(counts.values())
        (retired if question.is_retired else active).append({
            "question": question, "avg": stat.get("avg"), "n": stat.get("n", 0),
            "options": [(option, counts.get(option, 0), round(100 * counts.get(option, 0) / total) if total else 0)
                        for option in question.choices],
        })
    return active, retired


# --- answers -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanAnswer:
    question: Question
    number: int | None = None
    text: str = ""


def validate_answers(questions: Iterable[Question], raw: Mapping[int, object]) -> list[CleanAnswer]:
    """The answers to ``questions`` from ``raw`` (question pk → submitted value), or a ValidationError
    whose keys are question pks and whose messages are Russian. Values for other questions are ignored;
    an optional question left empty gets no answer."""
    errors: dict[int, str] = {}
    cleaned: list[CleanAnswer] = []
    for question in questions:
        value = raw.get(question.pk)
        value = "" if value is None else str(value).strip()
        if not value:
            if question.required:
                errors[question.pk] = _("Ответьте на этот вопрос.")
            continue
        if question.scale_max:
            number = int(value) if value.isascii() and value.isdigit() else None
            if number is None or not 1 <= number <= question.scale_max:
                errors[question.pk] = _("Выберите оценку от 1 до %(max)s.") % {"max": question.scale_max}
            else:
                cleaned.append(CleanAnswer(question, number=number))
        elif question.type == Question.Type.CHOICE:
            if value not in question.choices:
                errors[question.pk] = _("Выберите один из предложенных вариантов.")
            else:
                cleaned.append(CleanAnswer(question, text=value))
        elif len(value) > MAX_TEXT:
            errors[question.pk] = _("Ответ слишком длинный: не больше %(max)s знаков.") % {"max": MAX_TEXT}
        else:
            cleaned.append(CleanAnswer(question, text=value))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _store(response: Response, answers: list[CleanAnswer]) -> None:
    Answer.objects.bulk_create(
        Answer(response=response, question=a.question, number=a.number, text=a.text) for a in answers
    )
    announce_change(Answer, response.organisation_id)


def respondents(questionnaire: Questionnaire, organisation_ids):
    """Who may answer: mentors for a mentor's questionnaire, mentees for a mentee's, anyone otherwise;
    for a questionnaire of one form, only the categories that form accepts on that side; only people
    whose data may be processed (a valid consent: registry.processing)."""
    people = (Participant.objects.filter(organisation_id__in=organisation_ids, is_archived=False)
              .with_consent_state().filter(has_valid_consent=True))
    form = questionnaire.form
    if questionnaire.kind == Questionnaire.Kind.MENTOR_SATISFACTION:
        people = people.filter(mentor_profile__isnull=False)
        if form is not None:
            people = people.filter(category__in=form.mentor_categories)
    elif questionnaire.kind == Questionnaire.Kind.MENTEE_SATISFACTION:
        people = people.filter(mentee_profile__isnull=False)
        if form is not None:
            people = people.filter(category__in=form.mentee_categories)
    return people


def _place_in_pair(pair: Pair, participant: Participant) -> tuple[bool, Membership | None]:
    """Whether the participant was in the pair, and their membership if they were its mentee."""
    membership = (Membership.objects.filter(pair=pair, mentee__participant=participant)
                  .order_by("-joined_on", "-pk").first())
    if membership is not None:
        return True, membership
    return MentorLink.objects.filter(pair=pair, mentor__participant=participant).exists(), None


def _same_answers(response: Response, answers: list[CleanAnswer]) -> bool:
    stored = {(a.question_id, a.number, a.text) for a in response.answers.all()}
    return stored == {(a.question.pk, a.number, a.text) for a in answers}


def enter_response(*, questionnaire: Questionnaire, organisation, participant: Participant | None = None,
                   pair: Pair | None = None, answers: Mapping[int, object], by,
                   now: datetime.datetime | None = None) -> tuple[Response, bool]:
    """A curator enters someone's answers. All or nothing; the response and whether it was created
    (False: the same answers were just stored by the same user — a double submit)."""
    now = now or timezone.now()
    errors: dict = {}
    if participant is None:
        if questionnaire.kind != Questionnaire.Kind.CURATOR:
            errors["participant"] = _("Выберите, кто отвечает.")
    elif participant.organisation_id != organisation.pk or participant.is_archived:
        errors["participant"] = _("Отвечать может только участник этой организации, не перенесённый в архив.")
    else:
        stopped = refusals([participant])
        if stopped:
            errors["participant"] = stopped
    membership = None
    if pair is not None and "participant" not in errors:
        in_pair = False
        if pair.programme.organisation_id == organisation.pk and participant is not None:
            in_pair, membership = _place_in_pair(pair, participant)
        if not in_pair:
            errors["pair"] = _("Этот участник не состоит в выбранной паре.")
    try:
        cleaned = validate_answers(active_questions(questionnaire), answers)
    except ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        # Two submits of one form wait for each other here, so the second sees the first's response.
        _lock(Questionnaire.objects.filter(pk=questionnaire.pk))
        recent = (Response.objects.filter(questionnaire=questionnaire, organisation=organisation,
                                          participant=participant, pair=pair, entered_by=by,
                                          submitted_at__gte=now - DUPLICATE_WINDOW)
                  .prefetch_related("answers"))
        for response in recent:
            if _same_answers(response, cleaned):
                return response, False
        response = Response.objects.create(
            questionnaire=questionnaire, organisation=organisation, participant=participant, pair=pair,
            membership=membership, created_by=by, entered_by=by, submitted_at=now,
        )
        _store(response, cleaned)
    return response, True


# --- personal links ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedLink:
    response: Response
    created: bool  # False: the person's unused link, re-issued with a later expiry


def programme_people(programme: Programme, role: str) -> dict[Participant, tuple[int | None, int | None]]:
    """A programme's mentees and/or mentors (not archived), each with their pair and membership when
    it is unambiguous."""
    people: dict[Participant, tuple[int | None, int | None]] = {}
    worked = Q(pair__programme=programme, pair__status__in=WORKED)
    if role in (Audience.MENTORS, Audience.ALL):
        # Suspended people (their consent lapsed) get no link: their processing is stopped.
        links = (MentorLink.objects.filter(worked, ended_on__isnull=True, suspended_on__isnull=True,
                                           mentor__participant__is_archived=False)
                 .select_related("mentor__participant").order_by("pair_id"))
        for link in links:
            person = link.mentor.participant
            # A mentor of several pairs answers once, for no pair in particular.
            people[person] = (None, None) if person in people else (link.pair_id, None)
    if role in (Audience.MENTEES, Audience.ALL):
        memberships = (Membership.objects.filter(worked, suspended_on__isnull=True,
                                                 mentee__participant__is_archived=False)
                       .select_related("mentee__participant").order_by("joined_on", "pk"))
        for membership in memberships:
            people[membership.mentee.participant] = (membership.pair_id, membership.pk)
    return people


def issue_links(*, questionnaire: Questionnaire, participants: Iterable[Participant] = (),
                programme: Programme | None = None, role: str = Audience.ALL, days: int = LINK_DAYS, by=None,
                now: datetime.datetime | None = None) -> list[IssuedLink]:
    """Personal links for the participants and/or a programme's people (by ``role``), valid ``days``
    days. Someone whose link is still unused gets that link again, valid at least as long."""
    if not 1 <= days <= MAX_LINK_DAYS:
        raise ValidationError({"days": _("Срок действия ссылки — от 1 до %(max)s дней.") % {"max": MAX_LINK_DAYS}})
    people = {participant: (None, None) for participant in participants}
    if programme is not None:
        people.update(programme_people(programme, role))
    archived = sorted(p.full_name for p in people if p.is_archived)
    if archived:
        raise ValidationError(_("Участники в архиве не получают ссылок: %(names)s.") % {"names": ", ".join(archived)})
    if not people:
        raise ValidationError(_("Выберите участников или программу."))
    require_processing(people)
    now = now or timezone.now()
    expires = now + datetime.timedelta(days=days)
    with transaction.atomic():
        # Two curators issuing links to the same people at once wait for each other: one link each.
        _lock(Participant.objects.filter(pk__in=[p.pk for p in people]))
        unused = {
            response.participant_id: response
            for response in Response.objects.filter(questionnaire=questionnaire, participant__in=[p.pk for p in people],
                                                    token__isnull=False, submitted_at__isnull=True)
            .order_by("created_at", "pk")
        }
        issued, extended, created = [], [], []
        for participant, (pair_id, membership_id) in people.items():
            response = unused.get(participant.pk)
            is_new = response is None
            if not is_new:
                if response.token_expires_at is not None:
                    response.token_expires_at = max(response.token_expires_at, expires)
                if pair_id and not response.pair_id:
                    response.pair_id, response.membership_id = pair_id, membership_id
                extended.append(response)
            else:
                response = Response(questionnaire=questionnaire, organisation_id=participant.organisation_id,
                                    participant=participant, pair_id=pair_id, membership_id=membership_id,
                                    token=new_token(), token_expires_at=expires, created_by=by)
                created.append(response)
            response.participant = participant
            issued.append(IssuedLink(response, created=is_new))
        Response.objects.bulk_update(extended, ["token_expires_at", "pair", "membership"])
        Response.objects.bulk_create(created)
    return issued


def pending_links(questionnaire: Questionnaire, organisation_ids):
    """Links handed out and not yet answered (expired ones too), by the participant's name."""
    return (Response.objects.filter(questionnaire=questionnaire, organisation_id__in=organisation_ids,
                                    token__isnull=False, submitted_at__isnull=True)
            .select_related("participant").order_by("participant__last_name", "participant__first_name", "pk"))


class LinkRefused(Exception):
    """A personal link that cannot take answers any more."""

    USED, EXPIRED = "used", "expired"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def find_link(token: object) -> Response | None:
    """The response behind a personal link, or None for anything malformed or unknown."""
    if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
        return None
    response = (Response.objects.select_related("questionnaire", "organisation", "participant")
                .filter(token=token).first())
    # The lookup is by a unique column; the exact, constant-time comparison guards against a database
    # collation that would match a differently-cased token.
    if response is None or not hmac.compare_digest(response.token.encode(), token.encode()):
        return None
    return response


def refusal(response: Response, now: datetime.datetime | None = None) -> str | None:
    """Why the link cannot take answers (LinkRefused.USED or EXPIRED), or None if it can."""
    if response.is_submitted:
        return LinkRefused.USED
    if not response.link_is_usable(now):
        return LinkRefused.EXPIRED
    if response.participant_id is not None and refusals([response.participant]):
        # The person's consent lapsed (or they were archived): the link stops working at once, even before
        # the daily run closes it; the page does not tell a child why.
        return LinkRefused.EXPIRED
    return None


def submit_by_link(response: Response, answers: Mapping[int, object], *,
                   now: datetime.datetime | None = None) -> Response:
    """Store the answers sent through a personal link. The link works once: the response is claimed
    by a conditional update, so of two simultaneous submits exactly one stores its answers."""
    now = now or timezone.now()
    reason = refusal(response, now)
    if reason:
        raise LinkRefused(reason)
    cleaned = validate_answers(active_questions(response.questionnaire), answers)
    with transaction.atomic():
        claimed = (Response.objects.filter(pk=response.pk, token=response.token, submitted_at__isnull=True)
                   .filter(Q(token_expires_at__isnull=True) | Q(token_expires_at__gt=now))
                   .update(submitted_at=now))
        if claimed != 1:
            response.refresh_from_db(fields=["submitted_at", "token_expires_at"])
            raise LinkRefused(refusal(response, now) or LinkRefused.USED)
        _store(response, cleaned)
    response.submitted_at = now
    return response
