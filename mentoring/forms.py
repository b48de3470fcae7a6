from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from mentoring.models import MatchingWeights, Meeting, MentoringForm, Pair, PlanItem, Preference, Programme, Support
from registry.forms import CrispyMixin
from registry.models import MenteeProfile, MentorProfile, Participant, User


class MentoringFormForm(CrispyMixin, forms.ModelForm):
    mentor_categories = forms.MultipleChoiceField(label=_("Кто может быть наставником"),
                                                  choices=Participant.Category.choices,
                                                  widget=forms.CheckboxSelectMultiple)
    mentee_categories = forms.MultipleChoiceField(label=_("Кто может быть наставляемым"),
                                                  choices=Participant.Category.choices,
                                                  widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = MentoringForm
        fields = ["name", "mentor_categories", "mentee_categories", "description", "position", "is_active"]


class ProgrammeForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Programme
        fields = ["organisation", "academic_year", "form", "title", "starts_on", "ends_on", "goals", "tasks",
                  "expected_results", "responsible"]
        widgets = {"goals": forms.Textarea(attrs={"rows": 3}), "tasks": forms.Textarea(attrs={"rows": 3}),
                   "expected_results": forms.Textarea(attrs={"rows": 3}),
                   "responsible": forms.CheckboxSelectMultiple}

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["form"].queryset = MentoringForm.objects.filter(is_active=True)
        organisation = self.instance.organisation if self.instance.pk else organisations.first()
        if self.instance.pk or organisations.count() == 1:
            self.fields["organisation"].disabled = True
            self.fields["academic_year"].disabled = bool(self.instance.pk)
            self.fields["form"].disabled = bool(self.instance.pk)
            if not self.instance.pk:
                self.initial["organisation"] = organisation
        # Responsible people come from the organisation's staff and working group.
        self.fields["responsible"].queryset = User.objects.filter(
            role_assignments__organisation__in=organisations, role_assignments__is_active=True
        ).distinct().order_by("last_name")

    def clean(self):
        cleaned = super().clean()
        organisation, year, form = cleaned.get("organisation"), cleaned.get("academic_year"), cleaned.get("form")
        if organisation and year and form and not self.instance.pk:
            if Programme.objects.filter(organisation=organisation, academic_year=year, form=form).exists():
                raise forms.ValidationError(
                    _("Программа по форме «%(form)s» на %(year)s учебный год уже есть.") % {"form": form, "year": year}
                )
        return cleaned


class WeightsForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = MatchingWeights
        fields = list(MatchingWeights.FIELDS)

    def clean(self):
        cleaned = super().clean()
        for name in MatchingWeights.FIELDS:
            value = cleaned.get(name)
            if value is not None and not 0 <= value <= 10:
                self.add_error(name, _("Вес — число от 0 до 10."))
        return cleaned


class PreferenceForm(CrispyMixin, forms.ModelForm):
    # The table allows places 1–5 only; said on the field, not as the database constraint's name.
    rank = forms.IntegerField(label=_("Место в списке"), min_value=1, max_value=5, initial=1)

    class Meta:
        model = Preference
        fields = ["side", "mentee", "mentor", "rank"]
        # The model's foreign keys carry no verbose names: the form showed «Mentee» and «Mentor».
        labels = {"mentee": _("Наставляемый"), "mentor": _("Наставник")}

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.programme = programme
        org = programme.organisation_id
        self.fields["mentee"].queryset = MenteeProfile.objects.filter(
            participant__organisation_id=org, participant__is_archived=False
        ).select_related("participant").order_by("participant__last_name")
        self.fields["mentor"].queryset = MentorProfile.objects.filter(
            participant__organisation_id=org, participant__is_archived=False
        ).select_related("participant").order_by("participant__last_name")
        self.fields["rank"].help_text = _("1 — самый желанный.")

    def validate_unique(self):
        try:
            self.instance.validate_unique()
        except forms.ValidationError:
            self.add_error(None, _("Такое предпочтение уже записано."))


class PairCreateForm(CrispyMixin, forms.Form):
    mentor = forms.ModelChoiceField(label=_("Наставник"), queryset=MentorProfile.objects.none())
    mentees = forms.ModelMultipleChoiceField(label=_("Наставляемые"), queryset=MenteeProfile.objects.none(),
                                             help_text=_("Один — пара, несколько — группа."))
    started_on = forms.DateField(label=_("Начало работы"), initial=timezone.localdate)
    planned_end_on = forms.DateField(label=_("Плановое окончание"), required=False)

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        org = programme.organisation_id
        form = programme.form
        self.fields["mentor"].queryset = MentorProfile.objects.filter(
            participant__organisation_id=org, participant__is_archived=False,
            participant__category__in=form.mentor_categories,
        ).select_related("participant").order_by("participant__last_name")
        self.fields["mentees"].queryset = MenteeProfile.objects.filter(
            participant__organisation_id=org, participant__is_archived=False,
            participant__category__in=form.mentee_categories,
        ).select_related("participant").order_by("participant__last_name")
        self.fields["mentor"].label_from_instance = lambda m: m.participant.full_name
        self.fields["mentees"].label_from_instance = lambda m: (
            f"{m.participant.full_name}{', ' + m.participant.class_name if m.participant.class_name else ''}"
        )
        self.fields["planned_end_on"].initial = programme.ends_on


class ConfirmForm(CrispyMixin, forms.Form):
    started_on = forms.DateField(label=_("Начало работы"), initial=timezone.localdate)


class ReplaceMentorForm(CrispyMixin, forms.Form):
    mentor = forms.TypedChoiceField(label=_("Новый наставник"), coerce=int,
                                    help_text=_("Только те, кто может взять наставляемых: действующее согласие, "
                                                "свободные места, подходящая форма наставничества. Лучшие — "
                                                "первыми."))
    on = forms.DateField(label=_("С какой даты"), initial=timezone.localdate)
    reason = forms.CharField(label=_("Причина замены"), max_length=300)
    on_mentee_request = forms.BooleanField(label=_("По ходатайству наставляемого"), required=False)

    def __init__(self, *args, options, **kwargs):
        """``options``: ``eligibility.replacement_ranking(pair)``; only those who may take the mentees
        become choices, in the ranking's order."""
        super().__init__(*args, **kwargs)
        self.options = {row.mentor.pk: row for row in options if row.available}
        self.fields["mentor"].choices = [("", "---------")] + [
            (pk, _("%(name)s — оценка %(score)s, свободно мест: %(left)s") % {
                "name": row.mentor.participant.full_name, "score": formats.number_format(row.score.total, 1),
                "left": row.capacity_left})
            for pk, row in self.options.items()
        ]

    def clean_mentor(self):
        return self.options[self.cleaned_data["mentor"]].mentor


class AddMenteeForm(CrispyMixin, forms.Form):
    mentee = forms.ModelChoiceField(label=_("Наставляемый"), queryset=MenteeProfile.objects.none())
    on = forms.DateField(label=_("С какой даты"), initial=timezone.localdate)

    def __init__(self, *args, pair, **kwargs):
        super().__init__(*args, **kwargs)
        programme = pair.programme
        self.fields["mentee"].queryset = MenteeProfile.objects.filter(
            participant__organisation_id=programme.organisation_id, participant__is_archived=False,
            participant__category__in=programme.form.mentee_categories,
        ).select_related("participant").order_by("participant__last_name")
        self.fields["mentee"].label_from_instance = lambda m: m.participant.full_name


class LeaveForm(CrispyMixin, forms.Form):
    on = forms.DateField(label=_("Дата выхода"), initial=timezone.localdate)
    reason = forms.CharField(label=_("Причина"), max_length=300)


class CloseForm(CrispyMixin, forms.Form):
    status = forms.ChoiceField(label=_("Итог"), choices=[(Pair.Status.COMPLETED, _("Завершена")),
                                                         (Pair.Status.ENDED_EARLY, _("Прекращена досрочно"))])
    on = forms.DateField(label=_("Дата"), initial=timezone.localdate)
    results = forms.CharField(label=_("Результаты"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    reflection = forms.CharField(label=_("Рефлексия (личная и групповая)"), widget=forms.Textarea(attrs={"rows": 3}),
                                 required=False)
    best_practice = forms.CharField(label=_("Кейс для базы лучших практик"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}),
                                    help_text=_("Заполните, если работа пары — пример для других."))
    reason = forms.CharField(label=_("Причина досрочного прекращения"), max_length=300, required=False)


class MeetingForm(CrispyMixin, forms.ModelForm):
    attendees = forms.ModelMultipleChoiceField(label=_("Присутствовали"), queryset=Participant.objects.none(),
                                               widget=forms.CheckboxSelectMultiple, required=False)

    class Meta:
        model = Meeting
        fields = ["kind", "held_on", "format", "topic", "attendees", "note", "mentor_feedback", "mentee_feedback"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3}), "mentor_feedback": forms.Textarea(attrs={"rows": 2}),
                   "mentee_feedback": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, attendees, group=False, initial_attendees=None, **kwargs):
        """``attendees``: who may be ticked; ``initial_attendees`` (pks): who is ticked in advance, all
        of ``attendees`` by default."""
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = attendees
        self.fields["attendees"].label_from_instance = lambda p: p.full_name
        self.fields["held_on"].initial = timezone.localdate()
        if group:
            self.fields["kind"].choices = [(Meeting.Kind.GROUP_FINAL, Meeting.Kind.GROUP_FINAL.label)]
            self.fields["kind"].initial = Meeting.Kind.GROUP_FINAL
        else:
            self.fields["kind"].choices = [c for c in Meeting.Kind.choices if c[0] != Meeting.Kind.GROUP_FINAL]
        self.fields["attendees"].initial = (list(attendees.values_list("pk", flat=True)) if initial_attendees is None
                                            else list(initial_attendees))


class PlanItemForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = PlanItem
        fields = ["goal", "action", "due_on", "status", "evidence"]
        widgets = {"action": forms.Textarea(attrs={"rows": 2}), "evidence": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == PlanItem.Status.DONE and not (cleaned.get("evidence") or "").strip():
            self.add_error("evidence", _("Опишите, чем подтверждается выполнение."))
        return cleaned


class SupportForm(CrispyMixin, forms.ModelForm):
    """Support given to a mentee without a pair (mentoring.unpaired.record_support checks the rules)."""

    class Meta:
        model = Support
        fields = ["kind", "given_on", "given_by", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
