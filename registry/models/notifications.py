"""Notices in the portal: something waits for the user (a report returned, an order to sign…).

The registry keeps them because every app hands work over through them; the apps write them with
``registry.notifications.notify`` and the registry imports none of the apps. A notice belongs to one
user only: it is never scoped by organisation, every query starts from ``request.user``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    class Kind(models.TextChoices):
        REPORT_RETURNED = "report_returned", _("Отчёт возвращён")
        REPORT_SUBMITTED = "report_submitted", _("Отчёт на проверке")
        ORDER_PREPARED = "order_prepared", _("Приказ ждёт подписи")
        CONSENT_EXPIRING = "consent_expiring", _("Истекает согласие")
        PAIR_QUIET = "pair_quiet", _("Пара без встреч")
        ROADMAP_OVERDUE = "roadmap_overdue", _("Срок мероприятия прошёл")
        LATE_REMINDER = "late_reminder", _("Напоминание муниципального куратора")

    class Mail(models.TextChoices):
        NONE = "none", _("не отправляется")  # opted out, no address, or a kind that has its own letter
        PENDING = "pending", _("ждёт отправки")
        SENT = "sent", _("отправлено")
        FAILED = "failed", _("не удалось отправить")

    # No index of its own: one_notice_per_event starts with it (the daily checks insert thousands of rows).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                             db_index=False)
    kind = models.CharField(_("что"), max_length=30, choices=Kind.choices)
    text = models.TextField(_("текст"))
    url = models.CharField(_("ссылка"), max_length=500, blank=True)
    # What makes one event one notice: the same key for the same user is never recorded twice, whoever
    # runs the daily check how many times («consent-expiring:12:2026-03-15»).
    key = models.CharField(max_length=200)
    created_at = models.DateTimeField(_("когда"), auto_now_add=True)
    read_at = models.DateTimeField(_("прочитано"), null=True, blank=True)
    mail = models.CharField(_("письмо"), max_length=10, choices=Mail.choices, default=Mail.NONE)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("уведомление")
        verbose_name_plural = _("уведомления")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_notice_per_event")]
        indexes = [
            # The bell's count on every page: the user's unread notices.
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notice_unread"),
            # The sweep of letters that never left.
            models.Index(fields=["created_at"], condition=Q(mail="pending"), name="notice_mail_pending"),
        ]

    def __str__(self):
        return self.text[:80]

    def get_absolute_url(self):
        """Opening a notice marks it read and goes on to what it is about."""
        return reverse("registry:notification_open", args=[self.pk])

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
