"""Filters of the mentoring lists (django-filter, like ``registry.filters``): pairs, meetings, programmes
and the candidates of one mentee.

The pair list and the meeting list reach their rows through ``programme``, so one base class holds
the filters they share: organisation, academic year (``?year=2025`` is 2025/2026, the convention of the monitoring pages),
form of mentoring and programme. The choices are loaded once per request in a fixed number of
queries (visible organisations, forms, the programmes and their years) and checked in memory, so a
filtered page costs no more queries than an unfiltered one. Where the scope has several organisations
the programme dropdown holds only the chosen organisation's programmes (and a programme named in the
query string): a district's thousand programmes made the page heavy. A value that is
not a valid choice (``?programme=abc``, another school's organisation) is a form error and is
ignored, as django-filter does; the rows themselves are always ``visible_to(scope)`` first, so no
value can reach outside the scope.
"""

import django_filters
from django import forms
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mentoring import selectors
from mentoring.models import Meeting, MentoringForm, Pair, Programme
from registry.forms import DateInput
from registry.list_counts import cached_rows
from registry.listing import id_param
from registry.models import Organisation
from registry.models.people import normalise_name

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


def choice_position(field: str, choices) -> Case:
    """The place of ``field``'s value among ``choices`` (declared in the order of the lifecycle).

    Sorting a list by ``status`` or ``kind`` sorts by what the user reads in that order, not by the
    stored English value.
    """
    return Case(*(When(**{field: value}, then=Value(position)) for position, value in enumerate(choices.values)),
                default=Value(len(choices.values)), output_field=IntegerField())


def year_label(start_year: int) -> str:
    return f"{start_year}/{start_year + 1}"


class YearField(forms.IntegerField):
    """``?year=2025``: any four-digit start year is valid (a year without programmes lists nothing)."""

    widget = forms.Select

    def __init__(self, *args, choices=(), **kwargs):
        kwargs.setdefault("min_value", 1000)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)
        self.widget.choices = choices


class YearFilter(django_filters.NumberFilter):
    field_class = YearField


class ProgrammeFilterSet(django_filters.FilterSet):
    """Organisation, year, form and programme of rows that have a ``programme`` foreign key."""

    organisation = django_filters.ChoiceFilter(field_name="programme__organisation", label=_("Организация"),
                                               empty_label=_("Все"))
    year = YearFilter(field_name="programme__academic_year__start_year", label=_("Учебный год"))
    form = django_filters.ChoiceFilter(field_name="programme__form", label=_("Форма наставничества"),
                                       empty_label=_("Все"))
    programme = django_filters.ChoiceFilter(field_name="programme", label=_("Программа"), empty_label=_("Все"))

    def __init__(self, data=None, *args, scope, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.scope = scope
        self.show_organisation = not scope.is_single_organisation
        if self.show_organisation:
            organisations = Organisation.objects.visible_to(scope).order_by("short_name").values_list("pk", "short_name")
            self.filters["organisation"].extra["choices"] = cached_rows(organisations)
        else:
            del self.filters["organisation"]
        # The options from the cache while their tables are unchanged (no query: registry.list_counts).
        self.filters["form"].extra["choices"] = cached_rows(MentoringForm.objects.values_list("pk", "name"))
        visible = Programme.objects.visible_to(scope)
        programmes = visible.select_related("organisation", "form", "academic_year").order_by(
            "-academic_year__start_year", "organisation__short_name", "form__position", "pk")
        if self.show_organisation:
            # A district holds over a thousand programmes: the dropdown offers those of the chosen
            # organisation, and the chosen programme itself (a link may name one without its school).
            organisation_id = id_param((data or {}).get("organisation"))
            programme_id = id_param((data or {}).get("programme"))
            programmes = programmes.filter(Q(organisation_id=organisation_id or 0) | Q(pk=programme_id or 0))
            if not organisation_id and not programme_id:
                programmes = programmes.none()  # nothing chosen: no query
            self.filters["programme"].extra["help_text"] = _("Программы выбранной организации.")
            years = set(cached_rows(visible.order_by().values_list("academic_year__start_year", flat=True).distinct()))
        programmes = list(programmes)
        self.filters["programme"].extra["choices"] = [(p.pk, self.programme_label(p)) for p in programmes]
        if not self.show_organisation:
            years = {p.academic_year.start_year for p in programmes}
        requested = str((data or {}).get("year") or "")
        if requested.isdigit() and len(requested) == 4:
            years.add(int(requested))  # shown as selected even when no programme has that year
        self.filters["year"].extra["choices"] = [("", gettext("Все"))] + [
            (year, year_label(year)) for year in sorted(years, reverse=True)
        ]

    def programme_label(self, programme) -> str:
        label = f"«{programme.form.name}», {programme.academic_year}"
        if self.show_organisation:
            label = f"{programme.organisation.short_name}: {label}"
        return label

    def cleaned(self, name):
        """A filter's valid value, or None (unbound, empty or invalid: invalid values are ignored)."""
        if not self.is_bound:
            return None
        self.form.is_valid()
        return self.form.cleaned_data.get(name) or None


# The pair list's own definitions, shared with every number that links to it (the district dashboard
# counts pairs with these very functions, so a number and the list it opens cannot disagree).
QUIET = "quiet"
WORKING = "working"


def listed_pairs(queryset=None):
    """What the pair list lists before any filter: every pair but a rejected proposal."""
    queryset = Pair.objects.all() if queryset is None else queryset
    return queryset.exclude(status=Pair.Status.REJECTED)


def of_programme_year(queryset, start_year: int):
    """``?year=2025`` of the pair and meeting lists: rows of the programmes of 2025/2026."""
    return ProgrammeFilterSet.base_filters["year"].filter(queryset, start_year)


def pairs_in_state(queryset, value: str, *, today=None):
    """``?status=``: a pair status, ``working`` (forming or active) or ``quiet`` (no meeting for a month)."""
    if value == QUIET:
        return selectors.quiet_pairs(queryset, today=today)
    if value == WORKING:
        return queryset.filter(status__in=Pair.OPEN_STATUSES)
    return queryset.filter(status=value)


class PairFilter(ProgrammeFilterSet):
    QUIET = QUIET
    WORKING = WORKING

    status = django_filters.ChoiceFilter(method="filter_status", label=_("Состояние"), empty_label=_("Все"))
    q = django_filters.CharFilter(method="filter_name", label=_("Поиск по ФИО"))

    class Meta:
        model = Pair
        fields = ["q", "status", "organisation", "year", "form", "programme"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["status"].extra["choices"] = [
            (value, label) for value, label in Pair.Status.choices if value != Pair.Status.REJECTED
        ] + [(self.WORKING, gettext("В работе (формируются и действуют)")), (self.QUIET, gettext("Нет встреч больше %(quiet_days)s дней") % {"quiet_days": selectors.QUIET_DAYS})]

    def filter_status(self, queryset, name, value):
        return pairs_in_state(queryset, value)

    def filter_name(self, queryset, name, value):
        # search_name is lower-cased in Python (ё as е): SQLite's LIKE folds the case of ASCII only.
        words = normalise_name(value).split()
        for word in words:
            queryset = queryset.filter(
                Q(mentor_links__mentor__participant__search_name__contains=word)
                | Q(memberships__mentee__participant__search_name__contains=word)
            )
        return queryset.distinct() if words else queryset

    def filter_queryset(self, queryset):
        # The last meeting's date is annotated by the list on its page's rows (and on the whole scope only
        # for its own sort): grouping every meeting of a district here made the list take seconds.
        queryset = super().filter_queryset(queryset)
        return queryset.annotate(status_position=choice_position("status", Pair.Status))


class MeetingFilter(ProgrammeFilterSet):
    date_from = django_filters.DateFilter(field_name="held_on", lookup_expr="gte", label=_("С даты"),
                                          widget=DateInput, input_formats=DATE_INPUT_FORMATS)
    date_to = django_filters.DateFilter(field_name="held_on", lookup_expr="lte", label=_("По дату"),
                                        widget=DateInput, input_formats=DATE_INPUT_FORMATS)
    kind = django_filters.ChoiceFilter(choices=Meeting.Kind.choices, label=_("Вид встречи"), empty_label=_("Любой"))
    pair = django_filters.ModelChoiceFilter(queryset=Pair.objects.none(), label=_("Пара / группа"),
                                            widget=forms.HiddenInput)

    class Meta:
        model = Meeting
        fields = ["organisation", "year", "form", "programme", "date_from", "date_to", "kind", "pair"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Looked up (one query) only when ?pair= is given; another school's pair is an invalid choice.
        self.filters["pair"].queryset = Pair.objects.visible_to(self.scope)


class ProgrammeListFilter(django_filters.FilterSet):
    """Organisation and form of the programme list (the year is chosen apart: the list shows one year).

    The choices cost two queries whatever the number of programmes; a value outside them (another
    district's school, ``?form=abc``) is a form error and is ignored.
    """

    organisation = django_filters.ChoiceFilter(field_name="organisation", label=_("Организация"),
                                               empty_label=_("Все"))
    form = django_filters.ChoiceFilter(field_name="form", label=_("Форма наставничества"), empty_label=_("Все"))

    class Meta:
        model = Programme
        fields = ["organisation", "form"]

    def __init__(self, data=None, *args, scope, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.show_organisation = not scope.is_single_organisation
        if self.show_organisation:
            organisations = Organisation.objects.visible_to(scope).order_by("short_name").values_list("pk", "short_name")
            self.filters["organisation"].extra["choices"] = list(organisations)
        else:
            del self.filters["organisation"]
        self.filters["form"].extra["choices"] = list(MentoringForm.objects.values_list("pk", "name"))


class CandidateFilter(forms.Form):
    """The candidates page (mentors ranked for one mentee, in memory): a name and «only those who can».

    ``?q=`` matches every word of the name, ё as е, like the pair list; ``?available=on`` keeps the
    mentors a pair can be formed with now (consent, free places, certificate, age).
    """

    q = forms.CharField(label=_("Поиск по ФИО"), required=False)
    available = forms.BooleanField(label=_("Только доступные для пары"), required=False)

    def filter(self, rows):
        if not self.is_valid():
            return rows
        words = normalise_name(self.cleaned_data["q"]).split()
        if words:
            rows = [row for row in rows if all(word in row.mentor.participant.search_name for word in words)]
        if self.cleaned_data["available"]:
            rows = [row for row in rows if row.available]
        return rows
