"""The user's own deadline reminders (in the portal) and their e-mail opt-out.

Every query here starts from ``request.user``: a reminder of someone else is never shown, and its id
in a mark-read request changes nothing.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry import services as registry_services
from registry.forms import CrispyMixin
from registry.listing import id_param, paginate
from registry.models import User
from registry.scoping import own_records, read_only
from roadmaps import lists, selectors, services


@read_only
def notification_list(request):
    filterset = lists.reminder_filter(request)
    listing = paginate(request, filterset.qs, sorts=lists.REMINDER_SORTS, default="-day")
    return render(request, "roadmaps/notifications.html", {
        "filter": filterset,
        "listing": listing,
        "unread_only": filterset.unread_only,
        "unread_count": selectors.my_reminders(request).filter(read_at__isnull=True).count(),
        "today": timezone.localdate(),
        "filtered": bool(getattr(filterset.form, "cleaned_data", {}).get("kind")),
    })


@own_records
@require_POST
def mark_read(request):
    """Marks the posted reminders (``reminder`` ids), or all of the user's (``all``), as read."""
    mine = selectors.my_reminders(request).filter(read_at__isnull=True)
    if request.POST.get("all"):
        services.mark_reminders_read(mine, by=request.user)
    else:
        ids = [pk for pk in map(id_param, request.POST.getlist("reminder")) if pk is not None]
        services.mark_reminders_read(mine.filter(pk__in=ids), by=request.user)
    target = request.POST.get("next", "")
    # Only a path of this site: anything else (a view name, «abc», another host) goes to the list.
    if not (target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure())):
        target = reverse("roadmaps:notification_list")
    return redirect(target)


class ReminderSettingsForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["email_reminders"]


@own_records
def reminder_settings(request):
    # An unticked box posts nothing at all: the form is bound on POST even when request.POST is empty.
    form = ReminderSettingsForm(request.POST if request.method == "POST" else None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        registry_services.save_settings(form.instance, fields=["email_reminders"], by=request.user)
        if form.instance.email_reminders:
            messages.success(request, _("Письма о сроках будут приходить на почту."))
        else:
            messages.success(request, _("Письма о сроках отключены. Напоминания в портале остаются."))
        return redirect("roadmaps:reminder_settings")
    return render(request, "roadmaps/reminder_settings.html", {"form": form, "list_url": reverse("roadmaps:notification_list")})
