"""The rules of questionnaires, as plain functions that views and tests call.

Answers are validated here (a scale within 1..max, a choice among the options, required questions
present) and stored all or nothing: entered by a curator on behalf of a participant, where a double
submit stores one response, or submitted by the participant through a personal link
(``monitoring.links``).

The question sets are shared by every organisation or kept by one for its own people
(``Questionnaire.organisation``), and answers point at their questions: a question
that has answers is never deleted, it is retired — taken off the questionnaire, made optional, and
kept with its answers (``Question.retired_at`` set). The rest are the active set.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, Max, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring.models import Membership, MentorLink, Pair
from monitoring.models import Answer, Question, Questionnaire, Response
from registry.processing import refusals
from registry.models import Participant
from registry.signals import announce_change

MAX_TEXT = 5000
# The same answers for the same person entered by the same user this soon again are a double submit.
DUPLICATE_WINDOW = datetime.timedelta(minutes=10)


def lock_rows(queryset) -> None:
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


def remove_question(question: Question, *, by=None) -> bool:
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


def restore_question(question: Question, *, by=None) -> None:
    """A retired question back at the end of the active set (optional until made required again)."""
    last = active_questions(question.questionnaire).aggregate(last=Max("position"))["last"] or 0
    Question.objects.filter(pk=question.pk, retired_at__isnull=False).update(retired_at=None, position=last + 1)


def renumber(questionnaire: Questionnaire) -> None:
    """Active questions numbered 1, 2, 3… in their current order."""
    questions = list(active_questions(questionnaire))
    for number, question in enumerate(questions, start=1):
        question.position = number
    Question.objects.bulk_update(questions, ["position"])


def save_questionnaire(form, *, by=None) -> Questionnaire:
    """A new or changed question set from its form (the form has checked who may own it)."""
    return form.save()


@transaction.atomic
def save_questions(questionnaire: Questionnaire, *, form, formset, by=None) -> int:
    """The set's own fields and its questions as edited together; returns how many removed questions
    were retired rather than deleted (they had answers)."""
    form.save()
    changed = formset.save(commit=False)
    retired = sum(not remove_question(q, by=by) for q in formset.deleted_objects)
    for question in changed:
        question.questionnaire = questionnaire
        question.save()
    renumber(questionnaire)
    return retired


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


def store_answers(response: Response, answers: list[CleanAnswer]) -> None:
    Answer.objects.bulk_create(
        Answer(response=response, question=a.question, number=a.number, text=a.text) for a in answers
    )
    announce_change(Answer, response.organisation_id)


def answering(questionnaire: Questionnaire, organisation_ids):
    """Who the questionnaire is for, whatever their consent: mentors for a mentor's questionnaire,
    mentees for a mentee's, anyone otherwise; for a questionnaire of one form, only the categories that
    form accepts on that side; never the archive."""
    people = Participant.objects.filter(organisation_id__in=list(organisation_ids), is_archived=False)
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


def respondents(questionnaire: Questionnaire, organisation_ids):
    """Who may answer now: those the questionnaire is for whose data may be processed (a valid consent:
    registry.processing)."""
    return answering(questionnaire, organisation_ids).with_consent_state().filter(has_valid_consent=True)


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
        lock_rows(Questionnaire.objects.filter(pk=questionnaire.pk))
        recent = (Response.objects.filter(questionnaire=questionnaire, organisation=organisation,
                                          participant=participant, pair=pair, entered_by=by,
                                          submitted_at__gte=now - DUPLICATE_WINDOW)
                  .prefetch_related("answers"))
        for response in recent:
            if _same_answers(response, cleaned):
                return response, False
        response = Response.objects.create(
            questionnaire=questionnaire, organisation=organisation, participant=participant, pair=pair,
            programme_id=pair.programme_id if pair else None, membership=membership, created_by=by, entered_by=by,
            submitted_at=now,
        )
        store_answers(response, cleaned)
    return response, True
