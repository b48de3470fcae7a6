"""The registry's plain list pages, each declared as a ``ListPage`` (registry.list_pages) routed by its own ``route``."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from registry.consent_notices import EXPIRING_WITHIN
from registry.list_pages import Column, ListPage, OrganisationFilterSet
from registry.models import Consent, ConsentPurpose, ProcessingStop


class ConsentTerm(django_filters.ChoiceFilter):
    """Where a consent stands today: in force, ending within 30 days (the notices' rule), ended, revoked."""

    CHOICES = (
        ("valid", _("Действует")),
        ("expiring", _("Истекает в ближайшие 30 дней")),
        ("expired", _("Срок истёк")),
        ("revoked", _("Отозвано")),
    )

    def __init__(self, **kwargs):
        super().__init__(choices=self.CHOICES, empty_label=_("Все"), **kwargs)

    def filter(self, qs, value):
        today = timezone.localdate()
        not_revoked = Q(revoked_on__isnull=True) | Q(revoked_on__gt=today)
        return {
            "valid": lambda: qs.valid_on(today),
            "expiring": lambda: qs.filter(not_revoked, valid_until__gte=today,
                                          valid_until__lte=today + EXPIRING_WITHIN),
            "expired": lambda: qs.filter(not_revoked, valid_until__lt=today),
            "revoked": lambda: qs.filter(revoked_on__lte=today),
        }.get(value, lambda: qs)()


class ConsentFilter(OrganisationFilterSet):
    term = ConsentTerm(label=_("Состояние"))
    purpose = django_filters.ChoiceFilter(choices=ConsentPurpose.choices, label=_("Цель"), empty_label=_("Все"))


def _state(consent):
    today = timezone.localdate()
    if consent.revoked_on and consent.revoked_on <= today:
        return format_html('<span class="badge text-bg-secondary">{} {}</span>',
                           _("отозвано"), f"{consent.revoked_on:%d.%m.%Y}")
    if consent.valid_until and consent.valid_until < today:
        return format_html('<span class="badge text-bg-danger">{}</span>', _("срок истёк"))
    if consent.valid_until and consent.valid_until <= today + EXPIRING_WITHIN:
        return format_html('<span class="badge text-bg-warning">{}</span>', _("истекает"))
    return format_html('<span class="badge text-bg-success">{}</span>', _("действует"))


class ConsentListPage(ListPage):
    """Every consent of the scope's participants with where it stands today: the curator sees which
    consents end soon or have ended, and opens the person to collect a new one."""

    title = _("Согласия на обработку персональных данных")
    route, url_name, menu = "consents/", "consent_list", _("Согласия")
    intro = _("Согласие, которое истекло или отозвано, останавливает обработку сведений участника по этой цели.")
    empty_text = _("Согласий пока нет. Их вносят на странице участника.")
    search_fields = ("participant__search_name",)
    search_placeholder = _("ФИО участника")
    filterset_class = ConsentFilter
    default_sort = "-signed"  # the newest first; «Истекает в ближайшие 30 дней» is the filter for what ends soon
    sorts = {
        "participant": ("participant__last_name", "participant__first_name"),
        "organisation": ("participant__organisation__short_name",),
        "signed": ("signed_on",),
        "valid_until": ("valid_until",),
    }
    columns = (
        Column(_("Участник"), lambda c: c.participant.full_name, sort="participant",
               link=lambda c: c.get_absolute_url()),
        Column(_("Организация"), lambda c: c.participant.organisation.short_name, sort="organisation",
               across_organisations=True),
        Column(_("Цель"), lambda c: c.get_purpose_display()),
        Column(_("Кто подписал"), lambda c: c.get_signed_by_display()),
        Column(_("Подписано"), lambda c: f"{c.signed_on:%d.%m.%Y}", sort="signed", nowrap=True,
               descending_first=True),
        Column(_("Действует до"), lambda c: f"{c.valid_until:%d.%m.%Y}" if c.valid_until
               else _("до отзыва"), sort="valid_until", nowrap=True),
        Column(_("Состояние"), _state),
    )

    def rows(self, request):
        return Consent.objects.visible_to(request.scope).filter(participant__anonymised_at__isnull=True)

    def page_rows(self, ids):
        return Consent.objects.filter(pk__in=ids).select_related("participant__organisation")


class ProcessingStopFilter(OrganisationFilterSet):
    state = django_filters.ChoiceFilter(
        choices=(("open", _("Обработка остановлена")), ("resumed", _("Возобновлена"))), method="filter_state",
        label=_("Состояние"), empty_label=_("Все"))
    cause = django_filters.ChoiceFilter(choices=ProcessingStop.Cause.choices, label=_("Причина"),
                                        empty_label=_("Все"))
    purpose = django_filters.ChoiceFilter(choices=ConsentPurpose.choices, label=_("Цель"), empty_label=_("Все"))

    def filter_state(self, queryset, name, value):
        return queryset.filter(resumed_at__isnull=value == "open")


def _resumed(stop):
    if stop.resumed_at is None:
        return format_html('<span class="badge text-bg-danger">{}</span>', _("остановлена"))
    return format_html('<span class="badge text-bg-success">{} {}</span>', _("возобновлена"),
                       f"{timezone.localtime(stop.resumed_at):%d.%m.%Y}")


class ProcessingStopListPage(ListPage):
    """Whose data is not processed now, for which purpose and why: a revoked or lapsed consent stops the
    processing (registry.processing), and the curator sees at one place who waits for a new consent."""

    title = _("Остановки обработки персональных данных")
    route, url_name, menu = "processing-stops/", "processing_stop_list", _("Остановки обработки")
    intro = _("Обработка возобновляется, когда внесено новое действующее согласие на ту же цель.")
    empty_text = _("Обработка ничьих сведений не останавливалась.")
    search_fields = ("participant__search_name",)
    search_placeholder = _("ФИО участника")
    filterset_class = ProcessingStopFilter
    default_sort = "-stopped"
    sorts = {
        "participant": ("participant__last_name", "participant__first_name"),
        "organisation": ("participant__organisation__short_name",),
        "stopped": ("stopped_on",),
    }
    columns = (
        Column(_("Участник"), lambda s: s.participant.full_name, sort="participant",
               link=lambda s: s.participant.get_absolute_url()),
        Column(_("Организация"), lambda s: s.participant.organisation.short_name, sort="organisation",
               across_organisations=True),
        Column(_("Цель"), lambda s: s.get_purpose_display()),
        Column(_("Причина"), lambda s: s.get_cause_display()),
        Column(_("Что сделано"), lambda s: s.get_mode_display()),
        Column(_("Остановлено с"), lambda s: f"{s.stopped_on:%d.%m.%Y}", sort="stopped", nowrap=True,
               descending_first=True),
        Column(_("Состояние"), _resumed),
    )

    def rows(self, request):
        return ProcessingStop.objects.visible_to(request.scope).filter(participant__anonymised_at__isnull=True)

    def page_rows(self, ids):
        return ProcessingStop.objects.filter(pk__in=ids).select_related("participant__organisation")
