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

from monitoring.models import BestPractice, Response
from registry import audit
from registry.models import ConsentPurpose
from registry.signals import processing_stopped


def pairs_of(participant):
    return (Q(pair__mentor_links__mentor__participant=participant)
            | Q(pair__memberships__mentee__participant=participant))


@receiver(processing_stopped, dispatch_uid="monitoring.processing.stop")
def on_processing_stopped(sender, *, participant, purpose, **kwargs):
    now = timezone.now()
    effects = []
    if purpose == ConsentPurpose.MENTORING:
        closed = (Response.objects.filter(participant=participant, token__isnull=False, submitted_at__isnull=True)
                  .filter(Q(token_expires_at__isnull=True) | Q(token_expires_at__gt=now))
                  .update(token_expires_at=now))
        if closed:
            effects.append(ngettext("Закрыта %(n)s ссылка на анкету.", "Закрыто %(n)s ссылок на анкеты.", closed)
                           % {"n": closed})
    if purpose == ConsentPurpose.PUBLICATION:
        for case in BestPractice.objects.filter(pairs_of(participant), published=True).distinct():
            BestPractice.objects.filter(pk=case.pk).update(published=False)
            audit.record_update(case, {"published": [True, False]})
            effects.append(_("Кейс «%(title)s» снят с публикации.") % {"title": case.title})
    return effects
