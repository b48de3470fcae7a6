"""Reminders about roadmap deadlines, the daily digests and the runs that sent them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roadmaps.models.roadmaps import Occurrence


class Reminder(models.Model):
    """A reminder about one occurrence, for one user, of one kind, on one day: the unique key is what
    makes the daily scan safe to run twice or on two workers at once."""

    class Kind(models.TextChoices):
        WEEK_BEFORE = "week", _("Через неделю срок")
        DAY_BEFORE = "day", _("Завтра срок")
        OVERDUE = "overdue", _("Срок прошёл")

    # No index of its own: reminder_once_a_day starts with it (a daily scan inserts thousands of rows and
    # marks them e-mailed, each write one index fewer).
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="reminders", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("напоминание")
        verbose_name_plural = _("напоминания")
        ordering = ["-day", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "user", "kind", "day"], name="reminder_once_a_day")
        ]


class ReminderDigest(models.Model):
    """One e-mail per user and day, as an outbox row: written by the daily scan with what the letter
    says, delivered later by the sending step (``roadmaps.outbox.send_pending_digests``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Ждёт отправки")
        SENDING = "sending", _("Отправляется")
        SENT = "sent", _("Отправлено")
        FAILED = "failed", _("Не отправлено")
        CANCELLED = "cancelled", _("Отменено")

    # No index of its own: one_digest_per_user_and_day starts with it.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("пользователь"), db_index=False)
    day = models.DateField(_("день"))
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # What the letter says, fixed by the scan: {"name": …, "lines": [{kind, due_on, number, title, owner,
    # roadmap_title, url}, …], "reminders": [ids]}. A retry or a duplicate is then the same letter.
    content = models.JSONField(_("содержание"), default=dict, blank=True)
    queued_at = models.DateTimeField(_("поставлено в очередь"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("следующая попытка"), default=timezone.now)
    # When a sending worker claimed the row (status "sending"): its lease runs from here.
    claimed_at = models.DateTimeField(_("взято в отправку"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("попыток"), default=0)
    last_error = models.TextField(_("последняя ошибка"), blank=True)
    sent_at = models.DateTimeField(_("отправлено"), null=True, blank=True)

    class Meta:
        verbose_name = _("письмо с напоминаниями")
        verbose_name_plural = _("письма с напоминаниями")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_digest_per_user_and_day")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="reminder_digest_outbox")]

    def __str__(self):
        return f"{self.user_id} {self.day.isoformat()} {self.status}"

    @property
    def message_id(self) -> str:
        """The letter's Message-ID: the same for every attempt to send this row, so that a mail system
        can recognise a second copy (the outbox delivers at least once)."""
        from urllib.parse import urlsplit

        host = urlsplit(settings.SITE_URL).hostname or "localhost"
        return f"<digest-{self.pk}-{self.day.isoformat()}@{host}>"


class ReminderRun(models.Model):
    """A day the daily scan completed: the next scan catches up every day missed since the last one."""

    day = models.DateField(_("день"), unique=True)
    completed_at = models.DateTimeField(_("завершено"), default=timezone.now)

    class Meta:
        verbose_name = _("проход напоминаний")
        verbose_name_plural = _("проходы напоминаний")
        ordering = ["-day"]

    def __str__(self):
        return self.day.isoformat()
