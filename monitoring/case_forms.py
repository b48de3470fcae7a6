"""The form of a case (кейс) for the best-practice base, with its attached files."""

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mentoring.models import MentoringForm
from monitoring.models import BestPractice, BestPracticeFile
from registry.forms import CrispyMixin
from registry.validators import validate_document_file

MAX_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); each is checked on its own."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, (list, tuple)) else [data]
        return [cleaned for cleaned in (single(item, initial) for item in files) if cleaned]


class CaseForm(CrispyMixin, forms.ModelForm):
    files = MultipleFileField(
        label=_("Файлы"), required=False, validators=[validate_document_file],
        help_text=_("PDF, JPEG, PNG или DOCX: презентация, фотоотчёт, отзывы, методические материалы."),
    )
    remove_files = forms.ModelMultipleChoiceField(label=_("Удалить файлы"), required=False,
                                                  queryset=BestPracticeFile.objects.none(),
                                                  widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = BestPractice
        fields = ["organisation", "title", "form", "description", "results", "published"]
        widgets = {"description": forms.Textarea(attrs={"rows": 8}), "results": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].label = _("Организация")  # the model field has no verbose name
        if self.instance.pk or organisations.count() == 1:
            # A case stays with the organisation that wrote it.
            self.fields["organisation"].disabled = True
            if not self.instance.pk:
                self.initial["organisation"] = organisations.first()
        forms_in_use = MentoringForm.objects.filter(is_active=True)
        if self.instance.form_id:
            forms_in_use = forms_in_use | MentoringForm.objects.filter(pk=self.instance.form_id)
        self.fields["form"].queryset = forms_in_use.distinct()
        self.fields["published"].help_text = _(
            "Опубликованный кейс видят муниципальный куратор и региональный наставнический центр. Перед "
            "публикацией уберите из текста фамилии детей и другие персональные данные.")
        if self.instance.pk:
            self.fields["remove_files"].queryset = self.instance.files.all()
            self.fields["remove_files"].label_from_instance = lambda f: f.title or f.file.name.rsplit("/", 1)[-1]
        else:
            del self.fields["remove_files"]

    def clean(self):
        cleaned = super().clean()
        removed = len(cleaned.get("remove_files") or [])
        kept = self.instance.files.count() - removed if self.instance.pk else 0
        if kept + len(cleaned.get("files") or []) > MAX_FILES:
            self.add_error("files", _("К кейсу можно приложить не больше %(max)s файлов.") % {"max": MAX_FILES})
        organisation, title = cleaned.get("organisation"), " ".join((cleaned.get("title") or "").split())
        if organisation and title:
            # The same case written twice (a double click, a second tab): one title per organisation's base.
            same = (BestPractice.objects.filter(organisation=organisation, title__iexact=title)
                    .exclude(pk=self.instance.pk).first())
            if same is not None:
                self.add_error("title", _("Кейс «%(title)s» уже есть в базе организации (запись № %(pk)s).")
                               % {"title": same.title, "pk": same.pk})
        return cleaned

    def save(self, commit=True):
        case = super().save(commit=commit)
        if commit:
            self.save_files()
        return case

    def save_files(self):
        for stored in self.cleaned_data.get("remove_files") or []:
            name, storage = stored.file.name, stored.file.storage
            stored.delete()
            # The file goes only once the row is gone for good.
            transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
        for upload in self.cleaned_data.get("files") or []:
            BestPracticeFile.objects.create(case=self.instance, file=upload,
                                            title=upload.name.rsplit(".", 1)[0][:200])
