"""The reminder outbox in the admin: what was sent, what waits and why a letter failed."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roadmaps.models import ReminderDigest, ReminderRun


@admin.register(ReminderDigest)
class ReminderDigestAdmin(admin.ModelAdmin):
    list_display = ("user", "day", "status", "attempts", "next_attempt_at", "sent_at", "last_error")
    list_filter = ("status", "day")
    search_fields = ("user__username", "user__email", "last_error")
    date_hierarchy = "day"
    readonly_fields = [field.name for field in ReminderDigest._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False  # rows are written by the daily scan only

    @admin.action(description=_("Отправить снова (не отправленные и отменённые)"))
    def send_again(self, request, queryset):
        count = queryset.filter(status__in=(ReminderDigest.Status.FAILED, ReminderDigest.Status.CANCELLED)).update(
            status=ReminderDigest.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_at=None)
        self.message_user(request, _("Снова в очереди: %(count)s.") % {"count": count})


@admin.register(ReminderRun)
class ReminderRunAdmin(admin.ModelAdmin):
    list_display = ("day", "completed_at")
    readonly_fields = ("day", "completed_at")

    def has_add_permission(self, request):
        return False
