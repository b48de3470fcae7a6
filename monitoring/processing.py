"""What monitoring stops when a person's data may no longer be processed (see registry.processing).

For the mentoring purpose, the person's personal questionnaire links that are still open stop working
at once. For the publication purpose (the separate consent of 152-ФЗ art. 10.1), the published cases of
the pairs the person was in are withdrawn from publication: the district and the region no longer see them.
"""

from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mentoring.models import Membership, MentorLink
from monitoring.models import Answer, BestPractice, BestPracticeFile, ExportJob, Response
from registry import audit, exporters
from registry.models import ConsentPurpose
from registry.signals import personal_data_destroyed, processing_involved, processing_stopped


def pairs_of(participant):
    return (Q(pair__mentor_links__mentor__participant=participant)
            | Q(pair__memberships__mentee__participant=participant))


def open_links(now):
    """Personal questionnaire links not yet answered that still work at ``now``."""
    return (Response.objects.filter(token__isnull=False, submitted_at__isnull=True)
            .filter(Q(token_expires_at__isnull=True) | Q(token_expires_at__gt=now)))


@receiver(processing_involved, dispatch_uid="monitoring.processing.involved")
def on_processing_involved(sender, *, participant_ids, purpose, **kwargs) -> set[int]:
    """Who of ``participant_ids`` ``on_processing_stopped`` would act on: open links, published cases."""
    ids = list(participant_ids)
    if purpose == ConsentPurpose.MENTORING:
        return set(open_links(timezone.now()).filter(participant_id__in=ids).values_list("participant_id", flat=True))
    if purpose == ConsentPurpose.PUBLICATION:
        mentors = MentorLink.objects.filter(mentor__participant_id__in=ids, pair__cases__published=True)
        mentees = Membership.objects.filter(mentee__participant_id__in=ids, pair__cases__published=True)
        return (set(mentors.values_list("mentor__participant_id", flat=True))
                | set(mentees.values_list("mentee__participant_id", flat=True)))
    return set()


@receiver(processing_stopped, dispatch_uid="monitoring.processing.stop")
def on_processing_stopped(sender, *, participant, purpose, **kwargs):
    now = timezone.now()
    effects = []
    if purpose == ConsentPurpose.MENTORING:
        closed = open_links(now).filter(participant=participant).update(token_expires_at=now)
        if closed:
            effects.append(ngettext("Закрыта %(n)s ссылка на анкету.", "Закрыто %(n)s ссылок на анкеты.", closed)
                           % {"n": closed})
    if purpose == ConsentPurpose.PUBLICATION:
        for case in BestPractice.objects.filter(pairs_of(participant), published=True).distinct():
            BestPractice.objects.filter(pk=case.pk).update(published=False)
            audit.record_update(case, {"published": [True, False]})
            effects.append(_("Кейс «%(title)s» снят с публикации.") % {"title": case.title})
    return effects


@receiver(personal_data_destroyed, dispatch_uid="monitoring.processing.destroyed")
def on_personal_data_destroyed(sender, *, participant, **kwargs):
    """Answers stay for the averages but lose their link to the person; case files and the registry
    bases and the quarterly accounting exported before go (they may hold the person)."""
    categories = []
    responses = list(Response.objects.filter(participant=participant).values_list("pk", flat=True))
    if responses:
        categories.append(_("связь ответов на анкеты с участником и текстовые ответы"))
        Answer.objects.filter(response_id__in=responses).exclude(text="").update(text="")
        Response.objects.filter(pk__in=responses).update(participant=None, membership=None, token=None,
                                                         token_expires_at=None)
    files = BestPracticeFile.objects.filter(Q(case__pair__mentor_links__mentor__participant=participant)
                                            | Q(case__pair__memberships__mentee__participant=participant)).distinct()
    removed = 0
    for stored in files:
        stored.file.storage.delete(stored.file.name)
        removed += 1
    if removed:
        BestPracticeFile.objects.filter(pk__in=[f.pk for f in files]).delete()
        categories.append(_("фото- и видеоматериалы, файлы кейсов"))
    exports = ExportJob.objects.filter(kind__in=exporters.personal()).exclude(file="")
    purged = 0
    for job in exports:
        job.file.storage.delete(job.file.name)
        purged += 1
    if purged:
        exports.update(file="")
        categories.append(_("файлы выгрузок баз наставников и наставляемых и персонифицированного учёта"))
    return categories
