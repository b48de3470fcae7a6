"""The participant import's work: checking a stored file once, off the request, and committing its
stored preview.

``parse_stored_import`` (run by a Celery task, ``registry.tasks``) claims a pending import, reads its
file (``registry.imports.reader``) and stores the preview in the import row as JSON; the page shows it
from there. ``commit_import`` locks the import, takes the stored rows, checks them again against the
registry as it is now, and creates the participants only if no row has a problem — once per import,
and once per file (by its SHA-256) per organisation. Views only call these functions.
"""

from __future__ import annotations

import contextlib
import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import audit
from registry.imports import matching
from registry.imports.checks import check_rows
from registry.imports.columns import ROLE_MENTEE, ROLE_MENTOR
from registry.imports.preview import NEW, CHANGED, ImportAlreadyCommitted, ImportPreview, ImportRejected, ImportRow
from registry.imports.reader import parse_participant_workbook
from registry.models import MenteeProfile, MentorProfile, Participant, ParticipantImport
from registry.models.imports import PARSE_STALLED_AFTER, file_sha256
from registry.signals import announce_change

logger = logging.getLogger(__name__)

#: A pending import younger than this has its message on the way; the sweep leaves it alone.
NOT_SENT_GRACE = datetime.timedelta(seconds=30)

def read_import(participant_import: ParticipantImport) -> ImportPreview:
    """Parse the stored file of an import against its organisation's registry."""
    try:
        handle = participant_import.file.open("rb")
    except (FileNotFoundError, ValueError):
        return ImportPreview(errors=[_("Загруженный файл не найден на сервере. Загрузите его заново.")])
    with handle:
        return parse_participant_workbook(handle, organisation=participant_import.organisation)


def stored_preview(participant_import: ParticipantImport) -> ImportPreview | None:
    """The preview as it was parsed (None before the file has been checked)."""
    if participant_import.preview is None:
        return None
    return ImportPreview.from_stored(participant_import.preview)


# --- checking, off the request -----------------------------------------------------------------


class ParseTimedOut(Exception):
    """Raised by the caller (the Celery task's soft time limit) to say the check ran out of time."""


PARSE_TIMED_OUT = gettext_lazy("Проверка файла заняла слишком много времени и была остановлена. Проверьте, что в "
                               "файле только участники (без лишних листов, формул и оформления на тысячи строк), "
                               "и загрузите его снова.")
PARSE_FAILED = gettext_lazy("Файл не удалось проверить из-за ошибки на сервере. Загрузите его снова; если ошибка "
                            "повторится, сообщите администратору портала.")


PARSE_OUT_OF_MEMORY = gettext_lazy("Файл слишком большой: для его проверки не хватило отведённой памяти. Скопируйте "
                                   "только строки с участниками в чистый шаблон и загрузите его.")


def parse_stored_import(import_id: int, *, timed_out: type[BaseException] = ParseTimedOut,
                        memory_ceiling=contextlib.nullcontext):
    """Check a pending import once: PARSING, then CHECKED with the preview stored — or FAILED with the
    reason. Returns the import, or None when it was not pending (a redelivered or repeated task).

    The import is claimed with a conditional update, so two workers never read the same file.
    ``timed_out`` is the exception that means «out of time» (Celery's ``SoftTimeLimitExceeded``);
    ``memory_ceiling()`` wraps the reading (``registry.imports.memory.budget`` in a worker).
    """
    now = timezone.now()
    claimed = ParticipantImport.objects.filter(pk=import_id, status=ParticipantImport.Status.PENDING).update(
        status=ParticipantImport.Status.PARSING, parse_started_at=now, parse_error="")
    if claimed != 1:
        logger.info("Participant import %s is not pending any more; not checked again.", import_id)
        return None
    participant_import = ParticipantImport.objects.select_related("organisation").defer("preview").get(pk=import_id)
    failed = {"status": ParticipantImport.Status.FAILED}
    try:
        with translation.override(settings.LANGUAGE_CODE):
            with memory_ceiling():
                stored = read_import(participant_import).to_stored()
            fields = {"status": ParticipantImport.Status.CHECKED, "preview": stored}
            if not participant_import.sha256:
                try:
                    with participant_import.file.open("rb") as handle:
                        fields["sha256"] = file_sha256(handle)
                except (FileNotFoundError, ValueError):
                    pass
    except timed_out:
        logger.warning("Participant import %s: the check ran out of time.", import_id)
        fields = {**failed, "parse_error": str(PARSE_TIMED_OUT)}
    except MemoryError:
        logger.warning("Participant import %s: the check ran out of memory.", import_id)
        fields = {**failed, "parse_error": str(PARSE_OUT_OF_MEMORY)}
    except Exception:
        logger.exception("Participant import %s: the check failed.", import_id)
        fields = {**failed, "parse_error": str(PARSE_FAILED)}
    fields["parsed_at"] = timezone.now()
    ParticipantImport.objects.filter(pk=import_id, status=ParticipantImport.Status.PARSING).update(**fields)
    participant_import.refresh_from_db()
    return participant_import


def stalled_checks_failed() -> int:
    """Checks whose worker was killed (the hard time limit, the memory ceiling's last resort) are marked
    FAILED, with the reason the page has shown since they stalled."""
    stalled = ParticipantImport.objects.filter(status=ParticipantImport.Status.PARSING,
                                               parse_started_at__lt=timezone.now() - PARSE_STALLED_AFTER)
    return stalled.update(status=ParticipantImport.Status.FAILED, parse_error=str(PARSE_TIMED_OUT),
                          parsed_at=timezone.now())


def unsent_checks() -> list[int]:
    """Pending imports whose check was not sent (the broker was down) or never arrived: to send again.
    A fresh upload is left alone for ``NOT_SENT_GRACE``; a duplicate message is harmless anyway."""
    before = timezone.now() - NOT_SENT_GRACE
    return list(ParticipantImport.objects.waiting().filter(created_at__lt=before).values_list("pk", flat=True)[:100])


# --- committing --------------------------------------------------------------------------------


class ImportFileAlreadyCommitted(ImportRejected):
    """This very file (by its bytes) is already in the organisation's registry, by another import."""

    def __init__(self, earlier: ParticipantImport):
        super().__init__(already_committed_message(earlier))
        self.earlier = earlier


def already_committed_message(earlier: ParticipantImport) -> str:
    """«Этот файл уже загружен в реестр … 12.03.2026 в 10:15, загрузил(а) …»: the earlier import, named."""
    who = earlier.committed_by or earlier.uploaded_by
    when = timezone.localtime(earlier.committed_at) if earlier.committed_at else None
    return _("Этот файл уже загружен в реестр организации «%(organisation)s»%(when)s%(who)s: «%(name)s», добавлено "
             "участников — %(created)s%(updated)s. Повторно его загружать не нужно; если в файле что-то изменилось, загрузите "
             "исправленный файл.") % {
        "organisation": earlier.organisation.short_name,
        "when": _(" %(date)s в %(time)s") % {"date": f"{when:%d.%m.%Y}", "time": f"{when:%H:%M}"} if when else "",
        "who": _(" (загрузил(а) %(name)s)") % {"name": who.display_name} if who else "",
        "name": earlier.original_name, "created": earlier.rows_created,
        "updated": _(", обновлено — %(count)s") % {"count": earlier.rows_updated} if earlier.rows_updated else "",
    }


CHANGED_MEANWHILE = gettext_lazy(
    "Пока файл ждал подтверждения, реестр организации изменился, и теперь файл изменит его иначе. Ничего не "
    "загружено: проверьте изменения ещё раз и подтвердите загрузку.")


def commit_import(participant_import: ParticipantImport, *, by) -> int:
    """Add the import's new people and update those already in the registry, all or nothing. Returns how
    many were created (``participant_import.rows_updated`` says how many were updated).

    The stored preview is committed, not the file read again: its rows are checked once more against
    the registry as it is now, and what they would do to it must be what the preview showed (someone
    may have typed a person in meanwhile, edited one, or hidden a topic); if it is not, nothing is
    written and the page shows the new preview. The import row is locked (``select_for_update``) and
    claimed with a conditional update inside the same transaction: a second commit, concurrent or
    later, waits for the first and then finds it committed (``ImportAlreadyCommitted``). The same file
    committed by another import of the organisation is refused (``ImportFileAlreadyCommitted``), by a
    unique constraint when two race. The people to update are locked too, so that an edit by hand waits.
    """
    sha256 = participant_import.sha256
    try:
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            locked = (ParticipantImport.objects.select_for_update(of=("self",)).select_related("organisation")
                      .get(pk=participant_import.pk))
            sha256 = locked.sha256
            if locked.status == ParticipantImport.Status.COMMITTED:
                raise ImportAlreadyCommitted(_("Этот файл уже загружен в реестр; повторно ничего не добавлено."))
            if locked.status != ParticipantImport.Status.CHECKED or locked.preview is None:
                raise ImportRejected(_("Файл ещё не проверен: дождитесь окончания проверки."))
            earlier = ParticipantImport.objects.committed_copy(locked.organisation_id, locked.sha256,
                                                               exclude_pk=locked.pk)
            if earlier is not None:
                raise ImportFileAlreadyCommitted(earlier)
            now = timezone.now()
            claimed = ParticipantImport.objects.filter(
                pk=locked.pk, status=ParticipantImport.Status.CHECKED
            ).update(status=ParticipantImport.Status.COMMITTED, committed_at=now, committed_by=by)
            if claimed != 1:
                raise ImportAlreadyCommitted(_("Этот файл уже загружен в реестр; повторно ничего не добавлено."))
            shown = ImportPreview.from_stored(locked.preview)
            preview = ImportPreview.from_stored(locked.preview, checked=False)
            if preview.errors or not preview.rows:
                raise ImportRejected(str(HAS_ERRORS), shown)
            matched = [row.match_id for row in shown.rows if row.match_id is not None]
            list(Participant.objects.select_for_update().filter(pk__in=matched).values_list("pk", flat=True))
            check_rows(preview, locked.organisation)
            if preview.has_errors:
                raise ImportRejected(str(HAS_ERRORS), preview)
            if preview.plan() != shown.plan():
                raise ImportRejected(str(CHANGED_MEANWHILE), preview)
            if preview.nothing_to_do:
                raise ImportRejected(str(NOTHING_TO_DO), preview)
            created, updated = _apply(preview.rows, locked.organisation, by)
            ParticipantImport.objects.filter(pk=locked.pk).update(rows_created=created, rows_updated=updated)
            announce_change(Participant, locked.organisation_id)
    except IntegrityError:
        # Another import of the same file was committed between the check above and the claim.
        earlier = ParticipantImport.objects.committed_copy(participant_import.organisation_id, sha256,
                                                           exclude_pk=participant_import.pk)
        if earlier is None:
            raise
        raise ImportFileAlreadyCommitted(earlier) from None
    except ImportRejected as refusal:
        if refusal.preview is not None and not isinstance(refusal, ImportAlreadyCommitted):
            # What the check found now is what the page shows from now on.
            ParticipantImport.objects.filter(pk=participant_import.pk, status=ParticipantImport.Status.CHECKED
                                             ).update(preview=refusal.preview.to_stored())
        raise
    participant_import.status = ParticipantImport.Status.COMMITTED
    participant_import.committed_at = now
    participant_import.committed_by = by
    participant_import.rows_created = created
    participant_import.rows_updated = updated
    participant_import.preview = locked.preview
    return created


HAS_ERRORS = gettext_lazy("В файле есть ошибки: ничего не загружено. Исправьте файл и загрузите его снова.")
NOTHING_TO_DO = gettext_lazy("Все люди из файла уже есть в реестре организации, и в файле нет ничего нового: "
                             "загружать нечего.")


def _apply(rows: list[ImportRow], organisation, by) -> tuple[int, int]:
    """Create the NEW rows' people, change the CHANGED rows' ones; (created, updated). A consent the
    consent service refuses (its rules may have moved since the check) refuses the whole import."""
    new = [row for row in rows if row.status == NEW]
    changed = [row for row in rows if row.status == CHANGED]
    _create_participants(new, organisation, by)
    people = Participant.objects.select_related("mentor_profile", "mentee_profile").in_bulk(
        [row.match_id for row in changed])
    for row in [*new, *changed]:
        try:
            if row.status == NEW:
                if row.consent is not None:
                    matching.record_row_consent(row, row.participant, by=by)
            else:
                matching.apply_changes(row, people[row.match_id], by=by)
        except ValidationError as invalid:
            raise ImportRejected(_("Строка %(row)s: %(problem)s Ничего не загружено.") % {
                "row": row.number, "problem": " ".join(invalid.messages)}) from None
    return len(new), len(changed)


def _create_participants(rows: list[ImportRow], organisation, by) -> None:
    participants = []
    for row in rows:
        participant = row.participant
        participant.organisation = organisation
        participant.created_by = by
        participant.fill_search_name()
        participants.append(participant)
    Participant.objects.bulk_create(participants, batch_size=500)
    audit.record_created(participants, actor=by)  # each person's «История» starts with the import

    mentors = [(MentorProfile(participant=row.participant, **({"capacity": row.capacity} if row.capacity else {})), row)
               for row in rows if ROLE_MENTOR in row.roles]
    mentees = [(MenteeProfile(participant=row.participant), row) for row in rows if ROLE_MENTEE in row.roles]
    MentorProfile.objects.bulk_create([profile for profile, _row in mentors], batch_size=500)
    MenteeProfile.objects.bulk_create([profile for profile, _row in mentees], batch_size=500)
    for model, pairs in ((MentorProfile, mentors), (MenteeProfile, mentees)):
        through = model.topics.through
        owner = f"{model._meta.model_name}_id"
        through.objects.bulk_create(
            [through(**{owner: profile.pk, "topic_id": topic.pk}) for profile, row in pairs for topic in row.topics],
            batch_size=1000,
        )


