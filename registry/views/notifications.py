"""The user's own notices (the bell's «Уведомления»), opening one, marking them read, and the letters'
settings.

Every query starts from ``request.user``: another user's notice answers 404, and its id in a mark-read
request changes nothing. The notices themselves are made by ``registry.notifications``.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from registry import services
from registry.forms import CrispyMixin
from registry.listing import id_param, paginate
from registry.models import Notification, User
from registry.scoping import own_records, read_only
from registry.selectors import unread_notices, user_notice, user_notices

SORTS = {
    "created": ("created_at",),
    "kind": ("kind", "-created_at"),
}


def _local_path(request, target: str) -> str | None:
    """``target`` if it is a path of this site; anything else (another host, «abc») is None."""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return None


@read_only
def notification_list(request):
    unread_count = unread_notices(request.user).count()
    kind = request.GET.get("kind", "")
    if kind not in Notification.Kind.values:
        kind = ""
    unread_only = request.GET.get("unread") == "1"
    listing = paginate(request, user_notices(request.user, kind=kind, unread_only=unread_only), sorts=SORTS,
                       default="-created")
    return render(request, "registry/notifications.html", {
        "listing": listing, "unread_only": unread_only, "unread_count": unread_count, "kind": kind,
        "filtered": bool(kind), "kinds": Notification.Kind.choices,
    })


@own_records
def notification_open(request, pk):
    """Marks the user's notice read and goes on to what it is about (the bell's and the letter's link)."""
    notice = user_notice(request.user, pk)
    if notice is None:
        raise Http404
    if notice.read_at is None:
        services.mark_notices_read(unread_notices(request.user, ids=[notice.pk]), by=request.user)
    return redirect(_local_path(request, notice.url) or reverse("registry:notification_list"))


@own_records
@require_POST
def mark_read(request):
    """Marks the posted notices (``notice`` ids), or all of the user's (``all``), as read."""
    if request.POST.get("all"):
        services.mark_notices_read(unread_notices(request.user), by=request.user)
    else:
        ids = [pk for pk in map(id_param, request.POST.getlist("notice")) if pk is not None]
        services.mark_notices_read(unread_notices(request.user, ids=ids), by=request.user)
    return redirect(_local_path(request, request.POST.get("next", "")) or reverse("registry:notification_list"))


class NotificationSettingsForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["email_notices", "email_reminders"]
        labels = {"email_reminders": gettext_lazy("присылать письмо о сроках мероприятий дорожной карты")}
        help_texts = {"email_reminders": gettext_lazy("Одно письмо в день, в 7:00 по московскому времени: за "
                                                      "неделю и за день до срока и когда срок прошёл.")}


@own_records
def notification_settings(request):
    # An unticked box posts nothing at all: the form is bound on POST even when request.POST is empty.
    form = NotificationSettingsForm(request.POST if request.method == "POST" else None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.save_settings(form.instance, fields=["email_notices", "email_reminders"], by=request.user)
        messages.success(request, _("Настройки писем сохранены. Уведомления в портале приходят всегда."))
        return redirect("registry:notification_settings")
    return render(request, "registry/notification_settings.html", {"form": form, "list_url": reverse("registry:notification_list")})
