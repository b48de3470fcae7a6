import functools

from crispy_forms.helper import FormHelper
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry import grammar
from registry.names import person_name_error, validate_person_name
from registry.models import (
    Consent,
    MenteeProfile,
    MentorProfile,
    Organisation,
    OrganisationHeadcount,
    Participant,
    Partner,
    ProcessingStop,
    Topic,
)


class DateInput(forms.DateInput):
    """The browser's date picker; it always submits ISO dates, whatever the display locale."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


# A typed year of 1900 or 2200 is a slip of the keyboard, not a date of mentoring: left alone it saved a
# meeting or an order dated 01.01.1900. The birth date keeps its own rule (registry.models.people: not in
# the future, at most 100 years), which names the mistake better.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def plausible_year(value):
    if value and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise forms.ValidationError(
            _("Проверьте год: допустимы даты с %(earliest)s по %(latest)s год."),
            code="implausible_year", params={"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR})


class CrispyMixin:
    """Every form renders through crispy-bootstrap5 without its own <form> tag (templates own it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        for name, field in self.fields.items():
            if isinstance(field, forms.DateField):
                field.widget = DateInput()
                field.input_formats = ["%Y-%m-%d", "%d.%m.%Y"]
                if name != "birth_date":
                    field.validators.append(plausible_year)


class ParticipantForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Participant
        fields = ["organisation", "last_name", "first_name", "patronymic", "gender", "birth_date", "category",
                  "class_name", "position", "phone", "email"]

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].help_text = _("Обязательна для обучающихся: от возраста зависит, кто подписывает согласие.")
        self.fields["organisation"].queryset = organisations
        if self.instance.pk or organisations.count() == 1:
            # A participant stays in the organisation that registered them.
            self.fields["organisation"].disabled = True
            if not self.instance.pk:
                self.initial["organisation"] = organisations.first()

    def clean(self):
        cleaned = super().clean()
        # «Сидоров😀», «<i>Смирнов</i>» or «=HYPERLINK(…)» were saved as a surname and went on into orders,
        # consents and spreadsheets. Letters of any alphabet, joined by a space, hyphen or apostrophe.
        for name in ("last_name", "first_name", "patronymic"):
            error = person_name_error(cleaned.get(name) or "")
            if error:
                self.add_error(name, error)
        return cleaned


class MentorProfileForm(CrispyMixin, forms.ModelForm):
    portfolio_url = forms.URLField(label=_("Портфолио (ссылка)"), required=False, assume_scheme="https")

    class Meta:
        model = MentorProfile
        fields = ["topics", "competencies", "interests", "mentee_age_min", "mentee_age_max", "meeting_times",
                  "capacity", "experience", "portfolio_file", "portfolio_url", "partner", "certificate_date",
                  "certificate_file", "in_long_term_base", "joined_on"]
        widgets = {"topics": forms.CheckboxSelectMultiple, "competencies": forms.Textarea(attrs={"rows": 3}),
                   "interests": forms.Textarea(attrs={"rows": 2}), "experience": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, participant, **kwargs):
        super().__init__(*args, **kwargs)
        self.participant = participant
        self.instance.participant = participant
        self.fields["topics"].queryset = topic_choices(participant, self.instance)
        self.fields["partner"].queryset = Partner.objects.filter(organisation_id=participant.organisation_id)

    def clean(self):
        cleaned = super().clean()
        needs_certificate = self.participant.is_outside_person or cleaned.get("partner")
        if needs_certificate and cleaned.get("certificate_file") and not cleaned.get("certificate_date"):
            self.add_error("certificate_date", _("Укажите дату выдачи справки."))
        return cleaned


class MenteeProfileForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = MenteeProfile
        fields = ["topics", "request", "request_source", "meeting_times", "has_disabilities", "is_gifted", "in_difficult_situation",
                  "is_rural", "is_orphan", "joined_on"]
        widgets = {"topics": forms.CheckboxSelectMultiple, "request": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, participant, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.participant = participant
        self.fields["topics"].queryset = topic_choices(participant, self.instance)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("topics") and not (cleaned.get("request") or "").strip():
            raise forms.ValidationError(_("Укажите запрос наставляемого: выберите направления или опишите его словами."))
        return cleaned


class ConsentForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Consent
        fields = ["purpose", "partner", "signed_by", "representative_name", "representative_relation", "representative_document",
                  "signed_on", "valid_until", "scan"]

    def __init__(self, *args, participant, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.participant = participant
        today = timezone.localdate()
        self.fields["signed_on"].initial = today
        self.fields["partner"].queryset = Partner.objects.filter(organisation_id=participant.organisation_id)
        allowed = Consent.required_signers(
            participant.birth_date, today, participant.category == Participant.Category.STUDENT
        )
        if len(allowed) == 1:
            self.fields["signed_by"].initial = next(iter(allowed))
        self.fields["scan"].help_text = _("PDF, JPEG или PNG, не больше 10 МБ.")

    def clean_representative_name(self):
        name = self.cleaned_data["representative_name"]
        # Set even when refused: the model's own rule would else see no name and add «Укажите ФИО…».
        self.instance.representative_name = name
        validate_person_name(name)
        return name

    def clean(self):
        cleaned = super().clean()
        # The wording signed is the current version for the purpose and the kind of signer.
        from registry.selectors import current_consent_text

        purpose, signed_by = cleaned.get("purpose"), cleaned.get("signed_by")
        if purpose and signed_by:
            text = current_consent_text(purpose=purpose, signed_by=signed_by)
            if text is None:
                raise forms.ValidationError(_("Для этой цели нет действующего текста согласия; обратитесь к администратору."))
            self.instance.text = text
        signed_on = cleaned.get("signed_on")
        if purpose and signed_by and signed_on and not self.instance.pk:
            # The same paper entered twice (a double click, a second tab) is the natural duplicate.
            same = Consent.objects.filter(participant=self.instance.participant, purpose=purpose, signed_by=signed_by,
                                          signed_on=signed_on, revoked_on__isnull=True).first()
            if same is not None:
                raise forms.ValidationError(_("Это согласие уже внесено: %(consent)s.") % {"consent": same})
        return cleaned


class ProcessingModeField(forms.ChoiceField):
    """Suspend (the default, also when nothing is chosen) or end the person's participation."""

    def clean(self, value):
        return super().clean(value) or ProcessingStop.Mode.SUSPEND


def processing_mode_field():
    return ProcessingModeField(
        required=False,
        label=_("Что сделать с участием в парах и группах"), choices=ProcessingStop.Mode.choices,
        initial=ProcessingStop.Mode.SUSPEND, widget=forms.RadioSelect,
        help_text=_("Приостановленное участие возобновится, когда будет внесено новое согласие; прекращённое "
                    "закрывается с указанной причиной."),
    )


class ConsentRevokeForm(CrispyMixin, forms.Form):
    revoked_on = forms.DateField(label=_("Дата отзыва"), initial=timezone.localdate)
    reason = forms.CharField(label=_("Причина отзыва"), max_length=300,
                             help_text=_("Например: «заявление законного представителя от 12.03.2025»."))
    mode = processing_mode_field()


class ArchiveForm(CrispyMixin, forms.Form):
    reason = forms.CharField(label=_("Причина"), max_length=300,
                             help_text=_("Например: «выбыл из школы», «окончил обучение»."))
    mode = processing_mode_field()


class PartnerForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Partner
        fields = ["organisation", "name", "address", "contact_person", "phone", "email", "agreement_number", "agreement_date",
                  "agreement_file", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if self.instance.pk or organisations.count() == 1:
            self.fields["organisation"].disabled = True
            if not self.instance.pk:
                self.initial["organisation"] = organisations.first()

    def clean(self):
        cleaned = super().clean()
        organisation, name = cleaned.get("organisation"), cleaned.get("name")
        if organisation and name:
            duplicate = Partner.objects.filter(organisation=organisation, name__iexact=name.strip())
            if duplicate.exclude(pk=self.instance.pk).exists():
                self.add_error("name", _("Такой партнёр уже есть в списке организации."))
        return cleaned


class OrganisationForm(CrispyMixin, forms.ModelForm):
    """The card of an organisation, with its full name in the five other cases for the documents.

    The forms are generated from the full name (registry.grammar); whoever corrects one by hand keeps
    the correction through later changes of the full name; clearing a form generates it again.
    """

    CASE_FIELDS = [f"name_{case}" for case in grammar.STORED_CASES]

    class Meta:
        model = Organisation
        fields = ["kind", "full_name", "short_name", "address", "inn", "ogrn", "website", "locality",
                  "director_position", "director_name", "director_gender", "name_gent", "name_datv", "name_accs",
                  "name_ablt", "name_loct"]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in
                   ("full_name", "name_gent", "name_datv", "name_accs", "name_ablt", "name_loct")}
        # A school types «school1.ru»: the site is printed in the publication consent as https://…
        field_classes = {"website": functools.partial(forms.URLField, assume_scheme="https")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["director_name"].help_text = _(
            "Как в подписи приказа: «Г. А. Шабаева»; можно полностью: «Шабаева Галина Александровна».")
        for name in self.CASE_FIELDS:
            self.fields[name].help_text = _("%(case)s. Пусто — сформировать заново из полного наименования.") % {
                "case": str(self.fields[name].help_text).capitalize()}

    def save(self, commit=True):
        organisation = self.instance
        edited = [name for name in self.CASE_FIELDS if name in self.changed_data]
        if edited:
            # Corrected by hand: kept even when the full name changes later. Clearing every form
            # hands them back to the generator.
            typed = any(self.cleaned_data[name] for name in edited)
            organisation.case_forms_by_hand = (typed or organisation.case_forms_by_hand) and any(
                self.cleaned_data[name] for name in self.CASE_FIELDS)
        return super().save(commit)


class HeadcountForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = OrganisationHeadcount
        fields = ["students_total", "students_aged_10_plus", "teachers_total", "young_specialists"]


class TopicForm(CrispyMixin, forms.ModelForm):
    """A new entry: portal-wide (for whom keeps the shared vocabulary) or one organisation's own."""

    SHARED = ""

    owner = forms.ChoiceField(label=_("Для кого"), required=False)

    class Meta:
        model = Topic
        fields = ["name"]

    def __init__(self, *args, organisations, shared: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {str(o.pk): o for o in organisations}
        choices = [(self.SHARED, _("Для всего портала"))] if shared else []
        choices += [(pk, _("Только для %(name)s") % {"name": o.short_name}) for pk, o in self.organisations.items()]
        self.fields["owner"].choices = choices
        self.fields["owner"].initial = choices[0][0] if choices else None
        if len(choices) == 1:
            self.fields["owner"].widget = forms.HiddenInput()

    def clean_owner(self):
        owner = self.cleaned_data.get("owner") or self.SHARED
        if owner not in {value for value, _label in self.fields["owner"].choices}:
            raise forms.ValidationError(_("Выберите, для кого направление."))
        return self.organisations.get(owner)

    def clean(self):
        cleaned = super().clean()
        name = " ".join((cleaned.get("name") or "").split())
        cleaned["name"] = name
        owner = cleaned.get("owner")
        clash = Topic.objects.filter(name__iexact=name).filter(
            Q(organisation__isnull=True) | Q(organisation=owner) if owner else Q())
        if name and clash.exclude(pk=self.instance.pk).exists():
            self.add_error("name", _("Такое направление уже есть в справочнике."))
        return cleaned

    def save(self, commit=True):
        self.instance.name = self.cleaned_data["name"]
        self.instance.organisation = self.cleaned_data.get("owner")
        return super().save(commit=commit)


def topic_choices(participant, profile):
    """The entries a person's profile may use: the shared and their organisation's, active, plus those already chosen."""
    usable = Topic.objects.usable_in([participant.organisation_id]).filter(is_active=True)
    if profile.pk:
        usable = usable | Topic.objects.filter(pk__in=profile.topics.all())
    return usable.distinct()

