"""Mentoring's plain list pages, each declared as a ``ListPage`` (registry.list_pages) and routed by its own ``route``."""

from __future__ import annotations

import django_filters
from django.db.models import F
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from mentoring.selectors import mentor_load, mentor_load_expression
from registry.list_pages import Column, ListPage, OrganisationFilterSet
from registry.models import MentorProfile


class MentorLoadFilter(OrganisationFilterSet):
    places = django_filters.ChoiceFilter(
        choices=(("free", _("Есть свободные места")), ("full", _("Мест нет"))), method="filter_places",
        label=_("Свободные места"), empty_label=_("Все"))

    def filter_places(self, queryset, name, value):
        loaded = queryset.annotate(load=mentor_load_expression())
        return loaded.filter(load__lt=F("capacity")) if value == "free" else loaded.filter(load__gte=F("capacity"))


def _free(profile):
    free = max(0, profile.capacity - profile.page_load)
    style = "text-bg-success" if free else "text-bg-secondary"
    return format_html('<span class="badge {}">{}</span>', style, free)


class MentorLoadPage(ListPage):
    """The mentor base with each mentor's load: how many mentees they agreed to take, how many they have
    in open pairs now (every programme, the rule of matching) and how many places are free."""

    title = _("Загрузка наставников")
    route, url_name, menu = "mentors/", "mentor_load", _("Загрузка наставников")
    intro = _("Наставляемые считаются в открытых парах всех программ, как при подборе пар.")
    empty_text = _("В базе наставников пока никого нет.")
    search_fields = ("participant__search_name",)
    search_placeholder = _("ФИО наставника")
    filterset_class = MentorLoadFilter
    default_sort = "name"
    sorts = {
        "name": ("participant__last_name", "participant__first_name", "participant__patronymic"),
        "organisation": ("participant__organisation__short_name",),
        "capacity": ("capacity",),
    }
    columns = (
        Column(_("Наставник"), lambda m: m.participant.full_name, sort="name",
               link=lambda m: m.participant.get_absolute_url()),
        Column(_("Организация"), lambda m: m.participant.organisation.short_name, sort="organisation",
               across_organisations=True),
        Column(_("Категория"), lambda m: m.participant.get_category_display()),
        Column(_("Может взять"), lambda m: m.capacity, sort="capacity", descending_first=True),
        Column(_("Сейчас в парах"), lambda m: m.page_load),
        Column(_("Свободно"), _free),
    )

    def rows(self, request):
        return MentorProfile.objects.visible_to(request.scope).filter(participant__is_archived=False)

    def page_rows(self, ids):
        profiles = list(MentorProfile.objects.filter(pk__in=ids).select_related("participant__organisation"))
        load = mentor_load(ids)
        for profile in profiles:
            profile.page_load = load.get(profile.pk, 0)
        return profiles
