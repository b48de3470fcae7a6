"""Forms of the roadmap pages. Workflows (dates, history, approval) stay in ``roadmaps.services``;
a form only turns what was typed into the arguments a service takes."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.forms import CrispyMixin
from registry.models import AcademicYear
from registry.scoping import Role
from registry.validators import validate_upload
from roadmaps.deadlines import KINDS, DeadlineSpec
from roadmaps.models import (
    Level,
    Occurrence,
    Period,
    ResponsibleRole,
    Roadmap,
    RoadmapItem,
    RoadmapTemplate,
)

EVIDENCE_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "docx", "xlsx")


def validate_evidence_file(file) -> None:
    """A protocol, an order, a photo or a questionnaire table: PDF, JPEG, PNG, DOCX or XLSX, checked by
    content and size like every upload of the portal (``registry.validators``)."""
    validate_upload(file, EVIDENCE_EXTENSIONS, "PDF, JPEG, PNG, DOCX, XLSX")


MONTHS = (
    (9, _("сентябрь")), (10, _("октябрь")), (11, _("ноябрь")), (12, _("декабрь")), (1, _("январь")),
    (2, _("февраль")), (3, _("март")), (4, _("апрель")), (5, _("май")), (6, _("июнь")), (7, _("июль")),
    (8, _("август")),
)
KIND_LABELS = {
    "date": _("к дате («до 20 октября»)"),
    "months": _("месяц или месяцы («сентябрь – октябрь»)"),
    "year": _("в течение учебного года"),
    "quarterly": _("ежеквартально"),
    "per_term": _("1 раз в четверть"),
    "half_year": _("1 раз в полугодие (сроки муниципалитета)"),
    "relative": _("через N дней после другого мероприятия"),
    "schedule": _("по отдельному графику"),
}
OFFSETS = (
    (0, _("в учебном году дорожной карты")),
    (-1, _("годом раньше (подготовка весной перед запуском)")),
    (1, _("годом позже")),
)
# Which deadline fields each kind uses; the template shows only those (without JavaScript, all).
KIND_FIELDS = {
    "deadline_day": ("date",),
    "deadline_month": ("date",),
    "deadline_start_day": ("date",),
    "deadline_start_month": ("date",),
    "deadline_from": ("months", "year"),
    "deadline_to": ("months",),
    "deadline_after": ("relative",),
    "deadline_days": ("relative",),
}


# --- creating a roadmap ------------------------------------------------------------------------------


class RoadmapCreateForm(CrispyMixin, forms.Form):
    TEMPLATE, COPY = "template", "copy"

    owner = forms.ChoiceField(label=_("Чья дорожная карта"))
    academic_year = forms.TypedChoiceField(label=_("Учебный год"), coerce=int)
    source = forms.ChoiceField(label=_("Как создать"), widget=forms.RadioSelect, choices=(
        (TEMPLATE, _("По шаблону")),
        (COPY, _("Скопировать дорожную карту прошлого года (сроки пересчитываются на новый год)")),
    ))
    template = forms.ModelChoiceField(label=_("Шаблон"), queryset=RoadmapTemplate.objects.none(), required=False)
    title = forms.CharField(label=_("Название"), max_length=300, required=False,
                            help_text=_("Если оставить пустым — название шаблона или прошлогодней дорожной карты."))

    def __init__(self, *args, owners, years, **kwargs):
        """``owners``: the organisations and municipalities the user may create a roadmap for."""
        super().__init__(*args, **kwargs)
        self.owners = {self.owner_key(owner): owner for owner in owners}
        self.fields["owner"].choices = [(key, self.owner_label(owner)) for key, owner in self.owners.items()]
        self.single_owner_label = ""
        if len(self.owners) == 1:
            only = next(iter(self.owners.values()))
            self.fields["owner"].initial = self.owner_key(only)
            self.fields["owner"].widget = forms.HiddenInput()
            self.single_owner_label = self.owner_label(only)
        self.fields["academic_year"].choices = [(year, f"{year}/{year + 1}") for year in years]
        levels = {owner._meta.model_name for owner in owners}
        templates = RoadmapTemplate.objects.filter(
            level__in=[Level.ORGANISATION if level == "organisation" else Level.MUNICIPALITY for level in levels]
        ).order_by("level", "kind", "code")
        self.fields["template"].queryset = templates
        self.fields["template"].label_from_instance = self.template_label
        if len(self.owners) == 1 and "template" not in self.initial:
            # Offer the template of the owner's kind first: a school's, a college's, the district's.
            kind = getattr(only, "kind", "district")
            self.fields["template"].initial = templates.filter(kind=kind).values_list("pk", flat=True).first()

    @staticmethod
    def owner_key(owner) -> str:
        return f"{owner._meta.model_name}-{owner.pk}"

    @staticmethod
    def owner_label(owner) -> str:
        if owner._meta.model_name == "municipality":
            return _("%(name)s (дорожная карта муниципалитета)") % {"name": owner.name}
        return owner.short_name

    @staticmethod
    def template_label(template) -> str:
        if template.period == Period.CALENDAR:
            # A calendar plan belongs to the school year of its January (Roadmap.plan_year).
            return _("%(title)s (%(code)s): план на календарный год, с января того учебного года, который выбран") % {
                "title": template.title, "code": template.code}
        return f"{template.title} ({template.code})"

    def clean(self):
        cleaned = super().clean()
        owner = self.owners.get(cleaned.get("owner"))
        cleaned["owner_object"] = owner
        if cleaned.get("source") == self.TEMPLATE:
            template = cleaned.get("template")
            if template is None:
                self.add_error("template", _("Выберите шаблон."))
            elif owner is not None:
                expected = Level.MUNICIPALITY if owner._meta.model_name == "municipality" else Level.ORGANISATION
                if template.level != expected:
                    self.add_error("template", _("Этот шаблон — для уровня «%(level)s», а дорожная карта "
                                                 "создаётся для %(owner)s.") % {
                        "level": template.get_level_display(), "owner": self.owner_label(owner)})
        return cleaned

    def owner_filter(self) -> dict:
        owner = self.cleaned_data["owner_object"]
        return {owner._meta.model_name: owner}


# --- items -------------------------------------------------------------------------------------------


def staff_users(roadmap: Roadmap, *, include=()):
    """Who may be named responsible: the organisation's active staff and working group; for a district
    roadmap, the municipality's curators. Users already named stay selectable."""
    users = get_user_model().objects.filter(is_active=True)
    if roadmap.organisation_id:
        active = Q(role_assignments__organisation_id=roadmap.organisation_id, role_assignments__is_active=True)
    else:
        active = Q(role_assignments__municipality_id=roadmap.municipality_id, role_assignments__is_active=True,
                   role_assignments__role=Role.MUNICIPAL_CURATOR)
    return get_user_model().objects.filter(
        Q(pk__in=users.filter(active).values("pk")) | Q(pk__in=[user.pk for user in include])
    ).order_by("last_name", "first_name", "username")


class ItemForm(CrispyMixin, forms.ModelForm):
    """An item of a roadmap and its deadline «as a small form»: the kind and the fields it needs."""

    NEW_STAGE = "new"

    stage = forms.ChoiceField(label=_("Этап"))
    new_stage_title = forms.CharField(label=_("Название нового этапа"), max_length=500, required=False)
    number = forms.CharField(label=_("Номер"), max_length=20, required=False,
                             help_text=_("Например «2.3»; если оставить пустым — следующий номер этапа."))
    roles = forms.MultipleChoiceField(label=_("Ответственные роли"), choices=ResponsibleRole.choices,
                                      widget=forms.CheckboxSelectMultiple, required=False)
    responsible_users = forms.ModelMultipleChoiceField(label=_("Ответственные сотрудники"),
                                                       queryset=get_user_model().objects.none(),
                                                       widget=forms.CheckboxSelectMultiple, required=False,
                                                       help_text=_("Им приходят напоминания о сроках."))
    deadline_kind = forms.ChoiceField(label=_("Вид срока"), choices=[(kind, KIND_LABELS[kind]) for kind in KINDS])
    deadline_day = forms.IntegerField(label=_("Число"), min_value=1, max_value=31, required=False)
    deadline_month = forms.TypedChoiceField(label=_("Месяц"), choices=((None, "—"),) + MONTHS, coerce=int,
                                            empty_value=None, required=False)
    deadline_start_day = forms.IntegerField(label=_("Начало: число"), min_value=1, max_value=31, required=False)
    deadline_start_month = forms.TypedChoiceField(label=_("Начало: месяц"), choices=((None, "—"),) + MONTHS,
                                                  coerce=int, empty_value=None, required=False,
                                                  help_text=_("Необязательно: когда можно начинать."))
    deadline_from = forms.TypedChoiceField(label=_("С месяца"), choices=((None, "—"),) + MONTHS, coerce=int,
                                           empty_value=None, required=False)
    deadline_to = forms.TypedChoiceField(label=_("По месяц"), choices=((None, "—"),) + MONTHS, coerce=int,
                                         empty_value=None, required=False)
    deadline_after = forms.ChoiceField(label=_("После мероприятия №"), required=False)
    deadline_days = forms.IntegerField(label=_("Дней после него"), min_value=0, max_value=366, required=False)
    deadline_offset = forms.TypedChoiceField(label=_("Год"), choices=OFFSETS, coerce=int, initial=0)
    deadline_text = forms.CharField(label=_("Срок, как в документе"), max_length=200, required=False,
                                    help_text=_("Например: «сентябрь – октябрь 2025 года». Если пусто — "
                                                "составится из выбранного вида срока."))
    reason = forms.CharField(label=_("Причина изменения срока"), max_length=300, required=False,
                             help_text=_("Обязательна, если срок меняется: она останется в истории."))

    class Meta:
        model = RoadmapItem
        fields = ["title", "content", "documents", "result", "responsible", "roles", "responsible_users"]
        widgets = {
            "title": forms.Textarea(attrs={"rows": 2}),
            "content": forms.Textarea(attrs={"rows": 5}),
            "documents": forms.Textarea(attrs={"rows": 2}),
            "result": forms.Textarea(attrs={"rows": 2}),
            "responsible": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, roadmap: Roadmap, **kwargs):
        super().__init__(*args, **kwargs)
        self.roadmap = roadmap
        self.is_new = self.instance.pk is None
        if self.is_new:
            # The model's own check reads the deadline before ``clean`` has built one; the real one
            # replaces this placeholder (and the item is created by ``services.add_item``, not saved here).
            self.instance.deadline = {"kind": "year"}
        siblings = roadmap.items.filter(is_removed=False).order_by("stage_number", "position", "pk")
        if not self.is_new:
            siblings = siblings.exclude(pk=self.instance.pk)
        siblings = list(siblings.values_list("stage_number", "stage_title", "number"))
        self.stages = {}
        for stage_number, stage_title, _number in siblings:
            self.stages.setdefault(stage_number, stage_title)
        self.fields["responsible"].label = _("Ответственные (как в документе)")
        current_users = list(self.instance.responsible_users.all()) if not self.is_new else []
        self.fields["responsible_users"].queryset = staff_users(roadmap, include=current_users)
        self.fields["responsible_users"].label_from_instance = lambda user: user.display_name
        self.fields["deadline_after"].choices = [("", "—")] + [(number, number) for _s, _t, number in siblings]
        if self.is_new:
            self.fields["stage"].choices = [(str(n), f"{n}. {t}") for n, t in sorted(self.stages.items())] + [
                (self.NEW_STAGE, _("Новый этап…"))]
            del self.fields["reason"]
        else:
            del self.fields["stage"], self.fields["new_stage_title"], self.fields["number"]
            self._initial_deadline(self.instance.deadline_spec)

    def _initial_deadline(self, spec: DeadlineSpec) -> None:
        self.initial.update({
            "deadline_kind": spec.kind, "deadline_day": spec.day, "deadline_month": spec.month,
            "deadline_start_day": spec.start_day, "deadline_start_month": spec.start_month,
            "deadline_from": spec.from_month, "deadline_to": spec.to_month, "deadline_after": spec.after,
            "deadline_days": spec.days, "deadline_offset": spec.offset_years, "deadline_text": spec.text,
        })

    # The fields of the deadline block, for the template: (field, the kinds that use it).
    def deadline_fields(self):
        names = ("deadline_day", "deadline_month", "deadline_start_day", "deadline_start_month", "deadline_from",
                 "deadline_to", "deadline_after", "deadline_days")
        return [(self[name], " ".join(KIND_FIELDS[name])) for name in names]

    def clean(self):
        cleaned = super().clean()
        if self.is_new:
            stage = cleaned.get("stage")
            if stage == self.NEW_STAGE:
                if not (cleaned.get("new_stage_title") or "").strip():
                    self.add_error("new_stage_title", _("Укажите название нового этапа."))
                cleaned["stage_number"] = max(self.stages, default=0) + 1
                cleaned["stage_title"] = (cleaned.get("new_stage_title") or "").strip()
            elif stage:
                cleaned["stage_number"] = int(stage)
                cleaned["stage_title"] = self.stages[int(stage)]
            number = (cleaned.get("number") or "").strip()
            if number and self.roadmap.items.filter(number=number, is_removed=False).exists():
                self.add_error("number", _("Мероприятие № %(number)s в этой дорожной карте уже есть.")
                               % {"number": number})
        spec = self._spec(cleaned)
        if spec is not None:
            cleaned["deadline"] = spec
            if self.is_new:
                self.instance.deadline = spec.to_json()  # the model's own check sees a valid deadline
            elif self.deadline_changed and not (cleaned.get("reason") or "").strip():
                self.add_error("reason", _("Укажите причину изменения срока: она останется в истории."))
        return cleaned

    def _spec(self, cleaned) -> DeadlineSpec | None:
        kind = cleaned.get("deadline_kind")
        if not kind:
            return None
        used = {name for name, kinds in KIND_FIELDS.items() if kind in kinds}

        def value(name):
            return cleaned.get(name) if name in used else None

        start_month = value("deadline_start_month")
        spec = DeadlineSpec(
            kind=kind, text=(cleaned.get("deadline_text") or "").strip(), month=value("deadline_month"),
            day=value("deadline_day"), start_month=start_month,
            start_day=(value("deadline_start_day") or 1) if start_month else None,
            from_month=value("deadline_from"), to_month=value("deadline_to"), after=value("deadline_after") or None,
            days=value("deadline_days"), offset_years=cleaned.get("deadline_offset") or 0,
        )
        if kind == "relative" and spec.after and not self.is_new and spec.after == self.instance.number:
            self.add_error("deadline_after", _("Мероприятие не может отсчитывать срок от самого себя."))
            return None
        try:
            spec.validate()
        except ValueError as error:
            self.add_error("deadline_kind", str(error))
            return None
        return spec

    @property
    def deadline_changed(self) -> bool:
        spec = self.cleaned_data.get("deadline")
        return spec is not None and not self.is_new and spec.to_json() != self.instance.deadline_spec.to_json()


class RemoveItemForm(CrispyMixin, forms.Form):
    reason = forms.CharField(label=_("Почему мероприятие исключается"), max_length=300,
                             help_text=_("Например: «проведено в прошлом учебном году», «решение рабочей группы "
                                         "от 12.10»."))


# --- occurrences -------------------------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the field's validators."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(upload, initial) for upload in data if upload]
        return [single(data, initial)] if data else []


class OccurrenceForm(CrispyMixin, forms.Form):
    status = forms.ChoiceField(label=_("Состояние"))
    done_on = forms.DateField(label=_("Дата выполнения"), required=False,
                              help_text=_("Если не указать — сегодня."))
    evidence = forms.CharField(label=_("Чем подтверждается выполнение"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("Например: «приказ № 45 от 10.10», «протокол педсовета № 2»."))
    files = MultipleFileField(label=_("Файлы-подтверждения"), required=False, validators=[validate_evidence_file],
                              help_text=_("PDF, JPEG, PNG, DOCX или XLSX, каждый не больше 10 МБ; можно "
                                          "выбрать несколько."))

    def __init__(self, *args, occurrence: Occurrence, **kwargs):
        super().__init__(*args, **kwargs)
        statuses = [(value, label) for value, label in Occurrence.Status.choices
                    if value != Occurrence.Status.CANCELLED or occurrence.status == Occurrence.Status.CANCELLED]
        self.fields["status"].choices = statuses
        self.initial.setdefault("status", occurrence.status)
        self.initial.setdefault("done_on", occurrence.done_on)
        self.initial.setdefault("evidence", occurrence.evidence)

    def clean_done_on(self):
        done_on = self.cleaned_data.get("done_on")
        if done_on and done_on > timezone.localdate():
            raise ValidationError(_("Дата выполнения не может быть в будущем."))
        return done_on


class DeadlineForm(CrispyMixin, forms.Form):
    due_on = forms.DateField(label=_("Новый срок"))
    reason = forms.CharField(label=_("Причина переноса"), max_length=300,
                             help_text=_("Останется в истории дорожной карты вместе с прежним сроком."))


# --- approval ----------------------------------------------------------------------------------------


class ApproveForm(CrispyMixin, forms.Form):
    order_number = forms.CharField(label=_("Номер приказа"), max_length=30,
                                   help_text=_("Свободный номер в реестре приказов, например «31» или «30-9 о/д». "
                                               "Приказ «Об утверждении дорожной карты» будет внесён в реестр "
                                               "подписанным."))
    order_date = forms.DateField(label=_("Дата приказа"), initial=timezone.localdate)

    def clean_order_date(self):
        order_date = self.cleaned_data["order_date"]
        if order_date > timezone.localdate():
            raise ValidationError(_("Дата приказа не может быть в будущем."))
        return order_date


def year_choices(*, around: AcademicYear) -> list[int]:
    """Years a roadmap may be created for: the ones the portal knows from last year on, and the next."""
    known = set(AcademicYear.objects.filter(start_year__gte=around.start_year - 1).values_list("start_year", flat=True))
    known.add(around.start_year + 1)
    return sorted(known, reverse=True)
