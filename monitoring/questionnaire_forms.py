"""Forms of the questionnaire pages. Answers are checked by ``monitoring.questionnaires``; these forms
only carry them and put its messages next to the right question."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mentoring.models import Pair
from mentoring.selectors import pairs_with_people
from monitoring import link_lists, links, questionnaires
from monitoring.figures import WORKED
from monitoring.models import Question, Questionnaire
from registry.forms import CrispyMixin
from registry.models import AcademicYear

# The largest position every database holds (a positive small integer): after any numbered question.
LAST_POSITION = 32_767


class AnswersMixin:
    """One field ``q<pk>`` per question; the values go to the service as {question pk: value}."""

    def add_question_fields(self, questions):
        self.questions = list(questions)
        for question in self.questions:
            # Plain text fields: the templates draw scales and options, the service checks them.
            self.fields[self.answer_field(question)] = forms.CharField(required=False, label=question.text)

    @staticmethod
    def answer_field(question) -> str:
        return f"q{question.pk}"

    def answers(self) -> dict[int, str]:
        return {question.pk: self.cleaned_data.get(self.answer_field(question), "") for question in self.questions}

    def question_rows(self) -> list[dict]:
        """What the template draws for each question: its number, the field, the scale's points."""
        rows = []
        for number, question in enumerate(self.questions, start=1):
            field = self[self.answer_field(question)]
            rows.append({"number": number, "question": question, "field": field,
                         "value": "" if field.value() is None else str(field.value()),
                         "scale": range(1, question.scale_max + 1) if question.scale_max else None})
        return rows

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the service's errors (keyed by question pk or by field name) on the form's fields."""
        by_pk = {question.pk: self.answer_field(question) for question in self.questions}
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, messages in error.error_dict.items():
            field = by_pk.get(key, key if key in self.fields else None)
            for message in messages:
                self.add_error(field, message)


class PublicAnswerForm(AnswersMixin, forms.Form):
    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_question_fields(questions)


class ParticipantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        detail = obj.class_name or obj.position
        return f"{obj.full_name}, {detail}" if detail else obj.full_name


class PairChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, pair):
        link = pair.current_mentor_link
        mentor = link.mentor.participant.short_name if link else "—"
        mentees = ", ".join(m.mentee.participant.short_name for m in pair.memberships.all())
        return f"{pair} («{pair.programme.form}»): {mentor} — {mentees}"


class ResponseEntryForm(CrispyMixin, AnswersMixin, forms.Form):
    # Not required here: the service says what is missing together with the answers' errors.
    participant = ParticipantChoiceField(label=_("Кто отвечает"), queryset=None, required=False)
    pair = PairChoiceField(
        label=_("Пара или группа"), queryset=None, required=False,
        help_text=_("Необязательно: если ответы относятся к работе в конкретной паре."),
    )

    def __init__(self, *args, questionnaire, organisation, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = questionnaires.respondents(questionnaire, [organisation.pk])
        if questionnaire.kind == Questionnaire.Kind.CURATOR:
            # The curator answers their own questionnaire: nobody else to choose.
            del self.fields["participant"], self.fields["pair"]
        else:
            pairs = Pair.objects.filter(programme__organisation=organisation, status__in=WORKED,
                                        programme__academic_year=AcademicYear.objects.current())
            if questionnaire.form_id:
                pairs = pairs.filter(programme__form_id=questionnaire.form_id)
            self.fields["pair"].queryset = pairs_with_people(pairs).order_by("pk")
        self.add_question_fields(questions)


class IssueLinksForm(CrispyMixin, forms.Form):
    """Issue links to the people ticked on the page (``participant``) or to everyone the filters found
    (``everyone``); the view keeps the ids to those the filters found."""

    everyone = forms.BooleanField(required=False, widget=forms.HiddenInput)
    days = forms.IntegerField(label=_("Ссылка действует, дней"), min_value=1, max_value=links.MAX_LINK_DAYS,
                              initial=links.LINK_DAYS)

    def clean(self):
        cleaned = super().clean()
        cleaned["participants"] = link_lists.id_list(self.data.getlist("participant"))
        if not cleaned.get("everyone") and not cleaned["participants"]:
            raise ValidationError(_("Никто не выбран: отметьте участников или выдайте ссылки всем отобранным."))
        return cleaned


class NewQuestionnaireForm(CrispyMixin, forms.ModelForm):
    """A new question set: shared (for whom keeps the shared sets) or one organisation's own."""

    SHARED = ""

    owner = forms.ChoiceField(label=_("Для кого"), required=False)

    class Meta:
        model = Questionnaire
        fields = ["owner", "title", "kind", "form", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, organisations, shared: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {str(o.pk): o for o in organisations}
        choices = [(self.SHARED, _("Общая анкета для всех организаций"))] if shared else []
        choices += [(pk, _("Своя анкета: %(name)s") % {"name": o.short_name}) for pk, o in self.organisations.items()]
        self.fields["owner"].choices = choices
        self.fields["owner"].initial = choices[-1][0] if choices else None
        if len(choices) == 1:
            self.fields["owner"].widget = forms.HiddenInput()
        self.fields["form"].queryset = self.fields["form"].queryset.filter(is_active=True)
        self.fields["kind"].initial = Questionnaire.Kind.INTAKE

    def clean_owner(self):
        owner = self.cleaned_data.get("owner") or self.SHARED
        values = [value for value, _label in self.fields["owner"].choices]
        if owner == self.SHARED and len(values) == 1:
            owner = values[0]  # the only choice (a school's own), whatever the hidden field lost
        if owner not in values:
            raise ValidationError(_("Выберите, для кого анкета."))
        return self.organisations.get(owner)

    def save(self, commit=True):
        self.instance.organisation = self.cleaned_data.get("owner")
        return super().save(commit)


class QuestionnaireForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Questionnaire
        fields = ["title", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class QuestionForm(forms.ModelForm):
    """One row of the question editor. A question that has answers keeps its type and chosen options."""

    choices_text = forms.CharField(
        label=_("Варианты"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Для выбора варианта: каждый вариант с новой строки."),
    )

    class Meta:
        model = Question
        fields = ["position", "text", "type", "dimension", "required"]
        labels = {"position": _("№")}

    def __init__(self, *args, answered=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        self.is_answered = self.instance.pk in answered
        if self.instance.pk:
            self.initial["choices_text"] = "\n".join(self.instance.choices)
        else:
            # A new question goes last unless numbered.
            self.initial.pop("position", None)
            self.fields["position"].initial = None
        if self.is_answered:
            # Old answers keep their meaning (checked again in questionnaires.check_question_change).
            self.fields["type"].disabled = True
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select form-select-sm"
            else:
                widget.attrs["class"] = "form-control form-control-sm"

    def clean(self):
        cleaned = super().clean()
        type_ = cleaned.get("type")
        options = [line.strip() for line in (cleaned.get("choices_text") or "").splitlines() if line.strip()]
        if type_ == Question.Type.CHOICE:
            if len(options) < 2:
                self.add_error("choices_text", _("Укажите хотя бы два варианта ответа, каждый с новой строки."))
            elif len(set(options)) != len(options):
                self.add_error("choices_text", _("Варианты повторяются."))
        else:
            options = []
        if cleaned.get("dimension") and type_ not in (Question.Type.SCALE_5, Question.Type.SCALE_10):
            self.add_error("dimension", _("Направление роста измеряют только вопросы со шкалой."))
        if type_ and not self.errors:
            try:
                questionnaires.check_question_change(self.instance, type=type_, choices=options)
            except ValidationError as error:
                for field, messages in error.error_dict.items():
                    self.add_error("choices_text" if field == "choices" else field, messages)
        self.instance.choices = options
        if cleaned.get("position") is None:
            # A new question without a number goes last; renumbering closes the gap.
            cleaned["position"] = LAST_POSITION
        return cleaned


QuestionFormSet = forms.modelformset_factory(Question, form=QuestionForm, extra=2, can_delete=True)
