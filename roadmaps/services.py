"""Roadmap workflows: from a template or last year's roadmap, items and deadlines with history,
approval, progress, and the district matrix."""

from __future__ import annotations

import datetime
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import approvals
from roadmaps.deadlines import DeadlineSpec, Window
from roadmaps.models import (
    EvidenceFile,
    Occurrence,
    Roadmap,
    RoadmapChange,
    RoadmapItem,
    RoadmapTemplate,
)
from roadmaps.template_copies import TEMPLATES_DIR, item_copy, sync_templates  # noqa: F401

# Loading templates and copying their items live in roadmaps.template_copies; re-exported for callers.
__all__ = ["sync_templates", "TEMPLATES_DIR"]


# --- dates -------------------------------------------------------------------------------------------


def _half_year(roadmap: Roadmap):
    return roadmap.owner_municipality.half_year_due_dates


def _anchor(item: RoadmapItem, by_number: dict[str, RoadmapItem], occurrences: dict[int, list[Occurrence]]):
    target = by_number.get(item.deadline_spec.after)
    if target is None or not occurrences.get(target.pk):
        return None
    first = occurrences[target.pk][0]
    return first.done_on or first.due_on


def _windows(roadmap: Roadmap, item: RoadmapItem, by_number, occurrences) -> list[Window]:
    spec = item.deadline_spec
    anchor = _anchor(item, by_number, occurrences) if spec.is_relative else None
    if spec.is_relative and anchor is None:
        # The item it follows is missing: fall back to the end of the school year, visibly.
        spec = DeadlineSpec(kind="year", text=spec.text)
    return spec.resolve(roadmap.plan_year, half_year=_half_year(roadmap), anchor=anchor,
                        calendar_year=roadmap.is_calendar)


def _materialize(roadmap: Roadmap, items: list[RoadmapItem]) -> None:
    """Create the occurrences of new items; relative deadlines after the items they follow."""
    by_number = {item.number: item for item in roadmap.items.filter(is_removed=False)}
    occurrences: dict[int, list[Occurrence]] = {}
    for occurrence in Occurrence.objects.filter(item__roadmap=roadmap).order_by("sequence"):
        occurrences.setdefault(occurrence.item_id, []).append(occurrence)
    pending = sorted(items, key=lambda item: item.deadline_spec.is_relative)
    for _round in range(len(pending) + 1):
        waiting = []
        for item in pending:
            spec = item.deadline_spec
            target = by_number.get(spec.after) if spec.is_relative else None
            if target is not None and target.pk not in occurrences and target in pending:
                waiting.append(item)  # its anchor is not dated yet
                continue
            made = Occurrence.objects.bulk_create(
                Occurrence(item=item, sequence=index, starts_on=window.starts_on, due_on=window.due_on)
                for index, window in enumerate(_windows(roadmap, item, by_number, occurrences), start=1)
            )
            occurrences[item.pk] = made
        if not waiting or len(waiting) == len(pending):
            break
        pending = waiting


def _record(roadmap, kind, description, *, by=None, item=None, occurrence=None, old="", new="", reason="",
            after_approval=None):
    return RoadmapChange.objects.create(
        roadmap=roadmap, item=item, occurrence=occurrence, kind=kind, description=description, old_value=old,
        new_value=new, reason=reason, by=by,
        after_approval=roadmap.is_approved if after_approval is None else after_approval,
    )


# --- people ------------------------------------------------------------------------------------------

# Which staff a responsible role of the paper means: a role assignment, narrowed by position words.
ROLE_STAFF = {
    "director": ("director", ()),
    "curator": ("school_curator", ()),
    "deputy_director": ("school_curator", ("заместител",)),
    "methodist": ("working_group", ("методист", "методическ")),
    "psychologist": ("working_group", ("психолог",)),
    "social_pedagogue": ("working_group", ("социальн",)),
    "organiser": ("working_group", ("организатор",)),
    "working_group": ("working_group", ()),
    "municipal_curator": ("municipal_curator", ()),
}


def staff_for_roles(roadmap: Roadmap, roles) -> list:
    """The users of the roadmap's organisation (or municipality) who hold the paper's roles."""
    from registry.models import RoleAssignment

    where = {"organisation": roadmap.organisation} if roadmap.organisation_id else {"municipality": roadmap.municipality}
    assignments = list(RoleAssignment.objects.filter(is_active=True, user__is_active=True, **where)
                       .select_related("user"))
    users = {}
    for code in roles:
        role, words = ROLE_STAFF.get(code, (None, ()))
        for assignment in assignments:
            position = assignment.position.lower()
            if assignment.role == role and (not words or any(word in position for word in words)):
                users[assignment.user_id] = assignment.user
    return list(users.values())


def assign_responsible(roadmap: Roadmap) -> int:
    """Pre-fill each item's responsible users from its roles; the curator edits them afterwards."""
    through = RoadmapItem.responsible_users.through
    links = []
    for item in roadmap.items.filter(is_removed=False):
        links.extend(through(roadmapitem_id=item.pk, user_id=user.pk) for user in staff_for_roles(roadmap, item.roles))
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
    half_year = _half_year(roadmap)
    items = RoadmapItem.objects.bulk_create(item_copy(roadmap, t, half_year) for t in template.items.all())
    _materialize(roadmap, items)
    assign_responsible(roadmap)
    _record(roadmap, RoadmapChange.Kind.CREATED,
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
    half_year = _half_year(roadmap)
    by_number = {t.number: t for t in source.template.items.all()} if source.template_id else {}
    items = RoadmapItem.objects.bulk_create(
        item_copy(roadmap, item, half_year, template_item=by_number.get(item.number), source_roadmap=source)
        for item in originals)
    through = RoadmapItem.responsible_users.through
    through.objects.bulk_create(
        through(roadmapitem_id=new.pk, user_id=user.pk)
        for old, new in zip(originals, items) for user in old.responsible_users.all()
    )
    _materialize(roadmap, items)
    _record(roadmap, RoadmapChange.Kind.CREATED,
            _("Скопирована с дорожной карты на %(year)s учебный год") % {"year": source.academic_year}, by=by)
    return roadmap


# --- editing -----------------------------------------------------------------------------------------


@transaction.atomic
def add_item(roadmap: Roadmap, *, stage_number: int, stage_title: str, title: str, deadline: DeadlineSpec,
             number: str = "", content: str = "", documents: str = "", result: str = "", responsible: str = "",
             roles=(), responsible_users=(), by=None) -> RoadmapItem:
    title = title.strip()
    same = roadmap.items.filter(stage_number=stage_number, title__iexact=title, is_removed=False).first()
    if same is not None:
        raise ValidationError(_("Такое мероприятие уже есть в этом этапе: № %(number)s «%(title)s».")
                              % {"number": same.number, "title": same.title})
    last = roadmap.items.filter(stage_number=stage_number).order_by("-position").first()
    position = (last.position if last else roadmap.items.count()) + 1
    roadmap.items.filter(position__gte=position).update(position=F("position") + 1)
    if not number:
        taken = set(roadmap.items.values_list("number", flat=True))
        index = roadmap.items.filter(stage_number=stage_number).count() + 1
        while f"{stage_number}.{index}" in taken:
            index += 1
        number = f"{stage_number}.{index}"
    item = RoadmapItem(roadmap=roadmap, stage_number=stage_number, stage_title=stage_title, number=number,
                       title=title, content=content, documents=documents, result=result, responsible=responsible,
                       roles=list(roles), deadline=deadline.to_json(), position=position)
    item.full_clean()
    item.save()
    item.responsible_users.set(responsible_users)
    _materialize(roadmap, [item])
    _record(roadmap, RoadmapChange.Kind.ITEM_ADDED, _("Добавлено: %(item)s") % {"item": item}, by=by, item=item)
    return item


def record_item_edit(item: RoadmapItem, *, changed_fields, by=None) -> None:
    """An item's text or people edited in a form: which columns changed goes into the history."""
    names = []
    for name in changed_fields:
        try:
            names.append(str(RoadmapItem._meta.get_field(name).verbose_name))
        except Exception:  # form-only fields (the deadline's parts, the reason) are recorded elsewhere
            continue
    if names:
        _record(item.roadmap, RoadmapChange.Kind.ITEM_CHANGED,
                _("Изменено: %(item)s (%(fields)s)") % {"item": item, "fields": ", ".join(names)}, by=by, item=item)


@transaction.atomic
def remove_item(item: RoadmapItem, *, reason: str, by=None) -> None:
    """Excluded, not deleted: its occurrences are cancelled and the record stays."""
    if not reason.strip():
        raise ValidationError(_("Укажите, почему мероприятие исключается."))
    # Conditional: of two simultaneous removals (a double click) one records the change, the other is told.
    if not RoadmapItem.objects.filter(pk=item.pk, is_removed=False).update(is_removed=True):
        raise ValidationError(_("Мероприятие уже исключено."))
    item.occurrences.exclude(status=Occurrence.Status.DONE).update(status=Occurrence.Status.CANCELLED)
    _record(item.roadmap, RoadmapChange.Kind.ITEM_REMOVED, _("Исключено: %(item)s") % {"item": item}, by=by,
            item=item, reason=reason.strip())


@transaction.atomic
def move_item(item: RoadmapItem, *, up: bool, by=None) -> None:
    siblings = list(item.roadmap.items.filter(is_removed=False).order_by("position", "pk"))
    index = siblings.index(item)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            RoadmapItem.objects.filter(pk=sibling.pk).update(position=position)
    _record(item.roadmap, RoadmapChange.Kind.REORDERED, _("Перемещено: %(item)s") % {"item": item}, by=by,
            item=item)


@transaction.atomic
def change_deadline(occurrence: Occurrence, *, due_on: datetime.date, reason: str, by=None) -> None:
    """A new date for one occurrence; the old date stays in the history."""
    if not reason.strip():
        raise ValidationError(_("Укажите причину переноса срока."))
    occurrence = Occurrence.objects.select_for_update().select_related("item__roadmap").get(pk=occurrence.pk)
    if occurrence.due_on == due_on:
        return
    if due_on < occurrence.starts_on:
        occurrence.starts_on = due_on
    old = occurrence.due_on
    occurrence.due_on = due_on
    occurrence.updated_by = by
    occurrence.save(update_fields=["due_on", "starts_on", "updated_by", "updated_at"])
    _record(occurrence.item.roadmap, RoadmapChange.Kind.DEADLINE_CHANGED,
            _("Перенесён срок: %(item)s") % {"item": occurrence.item}, by=by, item=occurrence.item,
            occurrence=occurrence, old=old.strftime("%d.%m.%Y"), new=due_on.strftime("%d.%m.%Y"),
            reason=reason.strip())
    _redate_followers(occurrence.item, by=by)


@transaction.atomic
def change_item_deadline(item: RoadmapItem, *, spec: DeadlineSpec, reason: str, by=None) -> None:
    """A new shape of deadline for an item: open occurrences are re-dated (each change recorded),
    surplus ones are cancelled and missing ones added; done ones keep their dates."""
    if not reason.strip():
        raise ValidationError(_("Укажите причину изменения срока."))
    roadmap = item.roadmap
    old_text = item.deadline_spec.describe()
    old_dates = _dates(item)
    item.deadline = spec.to_json()
    item.full_clean()
    item.save(update_fields=["deadline"])
    by_number = {i.number: i for i in roadmap.items.filter(is_removed=False)}
    occurrences: dict[int, list[Occurrence]] = {}
    for occurrence in Occurrence.objects.filter(item__roadmap=roadmap).order_by("sequence"):
        occurrences.setdefault(occurrence.item_id, []).append(occurrence)
    windows = _windows(roadmap, item, by_number, occurrences)
    existing = occurrences.get(item.pk, [])
    for index, window in enumerate(windows, start=1):
        current = existing[index - 1] if index <= len(existing) else None
        if current is None:
            Occurrence.objects.create(item=item, sequence=index, starts_on=window.starts_on, due_on=window.due_on)
        elif current.status != Occurrence.Status.DONE and current.due_on != window.due_on:
            Occurrence.objects.filter(pk=current.pk).update(due_on=window.due_on, starts_on=window.starts_on,
                                                            status=Occurrence.Status.NOT_STARTED
                                                            if current.status == Occurrence.Status.CANCELLED
                                                            else current.status)
    for surplus in existing[len(windows):]:
        if surplus.status != Occurrence.Status.DONE:
            Occurrence.objects.filter(pk=surplus.pk).update(status=Occurrence.Status.CANCELLED)
    old, new = old_text, spec.describe()
    if old == new:  # the same words, new dates (a relative deadline after its anchor moved)
        old, new = old_dates, _dates(item)
    if old != new:
        _record(roadmap, RoadmapChange.Kind.DEADLINE_CHANGED, _("Изменён срок: %(item)s") % {"item": item}, by=by,
                item=item, old=old, new=new, reason=reason.strip())
    _redate_followers(item, by=by)


def _dates(item: RoadmapItem) -> str:
    dates = item.occurrences.exclude(status=Occurrence.Status.CANCELLED).order_by("sequence").values_list(
        "due_on", flat=True)
    return ", ".join(day.strftime("%d.%m.%Y") for day in dates)[:300]


def _redate_followers(item: RoadmapItem, *, by=None) -> None:
    """Items «в течение двух недель с даты …» of this one follow its new date."""
    roadmap = item.roadmap
    followers = [i for i in roadmap.items.filter(is_removed=False) if i.deadline_spec.after == item.number]
    for follower in followers:
        change_item_deadline(follower, spec=follower.deadline_spec,
                             reason=_("срок отсчитывается от п. %(number)s") % {"number": item.number}, by=by)


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
    _record(roadmap, RoadmapChange.Kind.APPROVED,
            _("Утверждена приказом № %(number)s от %(date)s")
            % {"number": roadmap.order_number, "date": order_date.strftime("%d.%m.%Y")}, by=by, after_approval=False)


def suggest_order_number(roadmap: Roadmap) -> str:
    """The next free number of the owner's register of orders."""
    return approvals.approval_orders().suggest_number(roadmap.owner, roadmap.academic_year)


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
        _record(occurrence.item.roadmap, RoadmapChange.Kind.STATUS_CHANGED,
                _("%(item)s: %(status)s") % {"item": occurrence.item, "status": occurrence.get_status_display()},
                by=by, item=occurrence.item, occurrence=occurrence, old=str(old),
                new=str(occurrence.get_status_display()))
    if status == Occurrence.Status.DONE and occurrence.sequence == 1:
        _redate_followers(occurrence.item, by=by)
    return occurrence


# --- reading -----------------------------------------------------------------------------------------


def progress_aggregates(path: str = "", *, today: datetime.date, within: Q | None = None,
                        prefix: str = "occurrence_") -> dict:
    """The progress rule as aggregates over occurrences reached through ``path``: how many count (no
    cancelled occurrences, no excluded items), how many are done, how many overdue (open, due before
    today, Europe/Moscow) and the next open deadline. One rule for one roadmap, the list and the matrix."""
    if path and not path.endswith("occurrences"):
        raise ValueError(path)

    def field(name):
        return f"{path}__{name}" if path else name

    # The item's flag through the relation already joined (…items__occurrences → …items).
    item_removed = f"{path.removesuffix('occurrences')}is_removed" if path else "item__is_removed"
    counted = Q(**{item_removed: False}) & ~Q(**{field("status"): Occurrence.Status.CANCELLED})
    if path:
        counted &= Q(**{f"{path}__isnull": False})
    if within is not None:
        counted &= within
    open_ = ~Q(**{field("status"): Occurrence.Status.DONE})
    target = path or "pk"
    return {
        f"{prefix}total": Count(target, filter=counted),
        f"{prefix}done": Count(target, filter=counted & Q(**{field("status"): Occurrence.Status.DONE})),
        f"{prefix}overdue": Count(target, filter=counted & open_ & Q(**{field("due_on__lt"): today})),
        "next_due": Min(field("due_on"), filter=counted & open_ & Q(**{field("due_on__gte"): today})),
    }


def progress_counts(occurrences, *, today: datetime.date | None = None) -> dict:
    """Done %, overdue and the next deadline over an occurrence queryset, in one query."""
    counts = occurrences.aggregate(**progress_aggregates(today=today or timezone.localdate(), prefix=""))
    counts["percent"] = round(100 * counts["done"] / counts["total"]) if counts["total"] else 0
    return counts


def organisation_matrix(organisations, *, academic_year, today: datetime.date | None = None):
    """Every organisation with its roadmap's progress for the year, in one query (the district matrix)."""
    return organisations.annotate(
        **progress_aggregates("roadmaps__items__occurrences", today=today or timezone.localdate(),
                              within=Q(roadmaps__academic_year=academic_year)),
        roadmap_id=Min("roadmaps__pk", filter=Q(roadmaps__academic_year=academic_year)),
    )
