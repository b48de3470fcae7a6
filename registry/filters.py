"""The registry list's filters; the XLSX exports reuse them so a download matches the page."""

import django_filters
from django import forms
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from registry import list_counts
from registry.models import ConsentState, Organisation, Participant, Topic
from registry.models.people import normalise_class_name, normalise_name


def _choice(obj) -> tuple:
    return (obj.pk, str(obj))


class ListedModelChoiceIterator(ModelChoiceIterator):
    """The options read from the field's queryset itself: one plain query, or none while the tables it reads
    are unchanged (``list_counts.cached_rows``: a district's three hundred organisations). Django's iterator
    calls ``queryset.iterator()``, which on PostgreSQL opens a server-side cursor (three round trips) every
    time the options are read. The values are the primary keys (what the ``<option>`` shows), the labels
    ``str(obj)``."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from list_counts.cached_rows(self.queryset, _choice)


class ListedModelChoiceField(django_filters.fields.ModelChoiceField):
    iterator = ListedModelChoiceIterator


class ListedModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = ListedModelChoiceField


class ParticipantFilter(django_filters.FilterSet):
    ROLE_CHOICES = (
        ("mentor", _("Наставники")),
        ("mentee", _("Наставляемые")),
        ("none", _("Без профиля")),
    )

    q = django_filters.CharFilter(method="filter_name", label=_("Поиск по ФИО"))
    role = django_filters.ChoiceFilter(choices=ROLE_CHOICES, method="filter_role", label=_("Роль"),
                                       empty_label=_("Все"))
    category = django_filters.ChoiceFilter(choices=Participant.Category.choices, label=_("Категория"),
                                           empty_label=_("Все"))
    consent = django_filters.ChoiceFilter(choices=ConsentState.choices, method="filter_consent",
                                          label=_("Согласие"), empty_label=_("Любое"))
    class_name = django_filters.CharFilter(method="filter_class_name", label=_("Класс / группа"))
    topic = ListedModelChoiceFilter(queryset=Topic.objects.all(), method="filter_topic",
                                             label=_("Компетенция / запрос"), empty_label=_("Любая"))
    organisation = ListedModelChoiceFilter(queryset=Organisation.objects.none(), label=_("Организация"),
                                                    empty_label=_("Все"))
    archived = django_filters.BooleanFilter(method="filter_archived", label=_("Показать архив"),
                                            widget=forms.CheckboxInput)

    class Meta:
        model = Participant
        fields = ["q", "role", "category", "consent", "class_name", "topic", "organisation", "archived"]

    def __init__(self, data=None, *args, scope, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.scope = scope
        organisations = Organisation.objects.visible_to(scope)
        # The dropdown shows the short name only; a district has hundreds of organisations.
        self.filters["organisation"].queryset = organisations.only("pk", "short_name")
        self.filters["topic"].queryset = Topic.objects.usable_in(organisations.values_list("pk", flat=True))
        if scope.is_single_organisation:
            del self.filters["organisation"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        cleaned = self.form.cleaned_data
        if not cleaned.get("archived"):
            queryset = queryset.current()
        if not cleaned.get("consent"):
            queryset = queryset.with_consent_state()
        # The list page re-sorts through registry.listing; the exports keep this order.
        return queryset.order_by("last_name", "first_name", "patronymic", "pk")

    def filter_name(self, queryset, name, value):
        # search_name is lower-cased in Python: SQLite's LIKE folds the case of ASCII only.
        for word in normalise_name(value).split():
            queryset = queryset.filter(search_name__contains=word)
        return queryset

    def filter_class_name(self, queryset, name, value):
        return queryset.filter(class_name=normalise_class_name(value))

    def filter_role(self, queryset, name, value):
        if value == "mentor":
            return queryset.filter(mentor_profile__isnull=False)
        if value == "mentee":
            return queryset.filter(mentee_profile__isnull=False)
        if value == "none":
            return queryset.filter(mentor_profile__isnull=True, mentee_profile__isnull=True)
        return queryset

    def filter_consent(self, queryset, name, value):
        return queryset.with_consent_state_filter(value)

    def filter_topic(self, queryset, name, value):
        return queryset.filter(Q(mentor_profile__topics=value) | Q(mentee_profile__topics=value)).distinct()

    def filter_archived(self, queryset, name, value):
        return queryset  # applied in ``qs`` so that the default hides the archive


NAME = ("last_name", "first_name", "patronymic")
SORTS = {
    "name": NAME,
    "category": ("category", *NAME),
    "class_name": ("class_name", *NAME),
    "birth_date": ("birth_date", *NAME),
    "organisation": ("organisation__short_name", *NAME),
    "created": ("created_at",),
}


def participant_filter(request, queryset=None) -> ParticipantFilter:
    """The filter bound to the request's query string, over the participants the user may see."""
    if queryset is None:
        queryset = Participant.objects.all()
    queryset = queryset.visible_to(request.scope).select_related("organisation")
    # Always bound (an empty query string is valid), so the defaults in filter_queryset apply.
    return ParticipantFilter(request.GET, queryset=queryset, scope=request.scope)
