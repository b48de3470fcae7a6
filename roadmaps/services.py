"""Roadmap writes, each with the actor as ``by=``: a roadmap from a template or last year's, approval,
progress, reminders read. Editing items and deadlines lives in ``roadmaps.item_changes``, loading the
shipped templates in ``roadmaps.template_copies``; both are re-exported here, the entry point of the
views. Reads are in ``roadmaps.selectors``."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import approvals
from registry.models import AcademicYear
from roadmaps.dating import half_year_dates, materialize, record
from roadmaps.item_changes import (
    add_item,
    change_deadline,
    change_item_deadline,
    move_item,
    record_item_edit,
    remove_item,
    redate_followers,
)
from roadmaps.models import EvidenceFile, Occurrence, Roadmap, RoadmapChange, RoadmapItem, RoadmapTemplate
from roadmaps.selectors import staff_for_roles, staff_of
from roadmaps.template_copies import TEMPLATES_DIR, item_copy, sync_templates  # noqa: F401

__all__ = [
    "TEMPLATES_DIR", "add_item", "change_deadline", "change_item_deadline", "move_item", "record_item_edit",
    "remove_item", "sync_templates",
]


# --- people ------------------------------------------------------------------------------------------


def _assign_responsible(roadmap: Roadmap) -> int:
    """Pre-fill each item's responsible users from its roles; the curator edits them afterwards."""
    through = RoadmapItem.responsible_users.through
    staff = staff_of(roadmap)  # once for all items
    links = []
    for item in roadmap.items.filter(is_removed=False):
        links.extend(through(roadmapitem_id=item.pk, user_id=user.pk)
                     for user in staff_for_roles(roadmap, item.roles, assignments=staff))
    through.objects.bulk_create(links, ignore_conflicts=True)
    return len(links)


# --- creating ----------------------------------------------------------------------------------------


def _duplicate_roadmap(academic_year) -> ValidationError:
    return ValidationError(_("Дорожная карта на %(year)s учебный год уже есть.") % {"year": academic_year})


def _check_unique(*, organisation, municipality, academic_year) -> None:
    owner = {"organisation": organisation} if organisation else {"municipality": municipality}
    if Roadmap.objects.filter(academic_year=academic_year, **owner).exists():
        raise _duplicate_roadmap(academic_year)


def _create_roadmap(**fields) -> Roadmap:
    """The new row; the owner's roadmap of the year created by someone else since ``_check_unique``
    (the unique constraint) is the same refusal, never a 500."""
    try:
        with transaction.atomic():
            return Roadmap.objects.create(**fields)
    except IntegrityError:
        raise _duplicate_roadmap(fields["academic_year"]) from None


@transaction.atomic
def create_from_template(*, template: RoadmapTemplate, academic_year, organisation=None, municipality=None,
                         title: str = "", by=None) -> Roadmap:
    if (organisation is None) == (municipality is None):
        raise ValueError("A roadmap belongs to an organisation or to a municipality.")
    expected = "organisation" if organisation else "municipality"
    if template.level != expected:
        raise ValidationError(_("Этот шаблон — для другого уровня (организация или муниципалитет)."))
    _check_unique(organisation=organisation, municipality=municipality, academic_year=academic_year)
    owner = organisation.short_name if organisation else municipality.name
    roadmap = _create_roadmap(
        organisation=organisation, municipality=municipality, academic_year=academic_year, template=template,
        period=template.period,
        # The template's own title names the school of the seed document; this one names its owner.
        title=title or _("Дорожная карта внедрения целевой модели наставничества: %(owner)s") % {"owner": owner},
        created_by=by,
    )
    half_year = half_year_dates(roadmap)
    items = RoadmapItem.objects.bulk_create(item_copy(roadmap, t, half_year) for t in template.items.all())
    materialize(roadmap, items)
    _assign_responsible(roadmap)
    record(roadmap, RoadmapChange.Kind.CREATED,
            _("Создана по шаблону «%(template)s»") % {"template": template.title}, by=by)
    return roadmap


@transaction.atomic
def copy_to_year(source: Roadmap, *, academic_year, by=None) -> Roadmap:
    """Next year's roadmap is last year's, copied and re-dated; statuses start afresh."""
    _check_unique(organisation=source.organisation, municipality=source.municipality, academic_year=academic_year)
    roadmap = _create_roadmap(
        organisation=source.organisation, municipality=source.municipality, academic_year=academic_year,
        template=source.template, copied_from=source, title=source.title, created_by=by, period=source.period,
    )
    originals = list(source.items.filter(is_removed=False).prefetch_related("responsible_users"))
    half_year = half_year_dates(roadmap)
    by_number = {t.number: t for t in source.template.items.all()} if source.template_id else {}
    items = RoadmapItem.objects.bulk_create(
        item_copy(roadmap, item, half_year, template_item=by_number.get(item.number), source_roadmap=source)
        for item in originals)
    through = RoadmapItem.responsible_users.through
    through.objects.bulk_create(
        through(roadmapitem_id=new.pk, user_id=user.pk)
        for old, new in zip(originals, items) for user in old.responsible_users.all()
    )
    materialize(roadmap, items)
    record(roadmap, RoadmapChange.Kind.CREATED,
            _("Скопирована с дорожной карты на %(year)s учебный год") % {"year": source.academic_year}, by=by)
    return roadmap


@transaction.atomic
def create_roadmap(*, start_year: int, from_template: bool, template: RoadmapTemplate | None = None, title: str = "",
                   organisation=None, municipality=None, by) -> Roadmap:
    """The owner's roadmap of an academic year (made if the portal has no such year yet): from a
    template, or a copy of the owner's roadmap of the year before, under ``title`` when one is given."""
    title = title.strip()
    year, _created = AcademicYear.objects.get_or_create(start_year=start_year)
    owner = {"organisation": organisation} if organisation is not None else {"municipality": municipality}
    if from_template:
        return create_from_template(template=template, academic_year=year, title=title, by=by, **owner)
    source = Roadmap.objects.filter(academic_year__start_year=year.start_year - 1, **owner).first()
    if source is None:
        raise ValidationError(
            _("На %(year)s учебный год дорожной карты нет — копировать нечего. Создайте "
              "дорожную карту по шаблону.")
            % {"year": f"{year.start_year - 1}/{year.start_year}"})
    roadmap = copy_to_year(source, academic_year=year, by=by)
    if title:
        Roadmap.objects.filter(pk=roadmap.pk).update(title=title)
        roadmap.title = title
    return roadmap


@transaction.atomic
def save_item(form, *, by) -> RoadmapItem:
    """An item edited in its form: the change into the history and, when its deadline changed, the
    occurrences re-dated with the reason."""
    item = form.save()
    record_item_edit(item, changed_fields=form.changed_data, by=by)
    if form.deadline_changed:
        change_item_deadline(item, spec=form.cleaned_data["deadline"], reason=form.cleaned_data["reason"], by=by)
    return item


@transaction.atomic
def approve(roadmap: Roadmap, *, order_number: str, order_date: datetime.date, by=None) -> None:
    """Approved by an order of the register: «УТВЕРЖДЕНО приказом от … № …» is that order's.

    The order «Об утверждении дорожной карты» is prepared (by the roadmap's author, the curator) and signed
    (by ``by``) in the register through registry.approvals, in the same transaction as the roadmap is
    claimed: a taken number leaves the roadmap a draft, a second approval finds it approved. From now on
    every change is marked as made after approval.
    """
    if not order_number.strip():
        raise ValidationError(_("Укажите номер приказа."))
    with transaction.atomic():
        claimed = Roadmap.objects.filter(pk=roadmap.pk, status=Roadmap.Status.DRAFT).update(
            status=Roadmap.Status.APPROVED, approved_by=by)
        if claimed != 1:
            raise ValidationError(_("Дорожная карта уже утверждена."))
        order = approvals.approval_orders().issue(
            owner=roadmap.owner, academic_year=roadmap.academic_year, title=roadmap.title, period=str(roadmap.period_label),
            number=order_number, issued_on=order_date, prepared_by=roadmap.created_by or by, signed_by=by)
        Roadmap.objects.filter(pk=roadmap.pk).update(
            order_number=order.number, order_date=order.issued_on, approved_by_name=order.signer,
            approval_order_id=order.pk)
    roadmap.refresh_from_db()
    record(roadmap, RoadmapChange.Kind.APPROVED,
            _("Утверждена приказом № %(number)s от %(date)s")
            % {"number": roadmap.order_number, "date": order_date.strftime("%d.%m.%Y")}, by=by, after_approval=False)


@transaction.atomic
def report_progress(occurrence: Occurrence, *, status: str, evidence: str = "", done_on=None, files=(),
                    by=None) -> Occurrence:
    occurrence = Occurrence.objects.select_for_update().select_related("item__roadmap").get(pk=occurrence.pk)
    if status == Occurrence.Status.DONE:
        done_on = done_on or timezone.localdate()
        if done_on > timezone.localdate():
            raise ValidationError(_("Дата выполнения не может быть в будущем."))
        if not evidence.strip() and not files and not occurrence.files.exists():
            raise ValidationError(_("Опишите, чем подтверждается выполнение, или приложите файл."))
    else:
        done_on = None
    old = occurrence.get_status_display()
    occurrence.status = status
    occurrence.done_on = done_on
    occurrence.evidence = evidence.strip()
    occurrence.updated_by = by
    occurrence.save(update_fields=["status", "done_on", "evidence", "updated_by", "updated_at"])
    for upload in files:
        EvidenceFile.objects.create(occurrence=occurrence, file=upload, title=getattr(upload, "name", ""),
                                    uploaded_by=by)
    if str(old) != str(occurrence.get_status_display()):
        record(occurrence.item.roadmap, RoadmapChange.Kind.STATUS_CHANGED,
                _("%(item)s: %(status)s") % {"item": occurrence.item, "status": occurrence.get_status_display()},
                by=by, item=occurrence.item, occurrence=occurrence, old=str(old),
                new=str(occurrence.get_status_display()))
    if status == Occurrence.Status.DONE and occurrence.sequence == 1:
        redate_followers(occurrence.item, by=by)
    return occurrence


def mark_reminders_read(reminders, *, by) -> int:
    """The given reminders of ``by`` marked read now; those already read keep their time."""
    return reminders.filter(user=by, read_at__isnull=True).update(read_at=timezone.now())
