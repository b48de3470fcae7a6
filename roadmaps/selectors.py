"""Roadmap reads: who holds a responsible role, the next free order number, and the progress rule as
aggregates (one roadmap, the list, the district matrix)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Min, Q
from django.utils import timezone

from registry import approvals
from roadmaps.models import EvidenceFile, Occurrence, Reminder, Roadmap

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


def staff_of(roadmap: Roadmap) -> list:
    """The active role assignments (with their users) of the roadmap's organisation or municipality."""
    from registry.models import RoleAssignment

    where = {"organisation": roadmap.organisation} if roadmap.organisation_id else {"municipality": roadmap.municipality}
    return list(RoleAssignment.objects.filter(is_active=True, user__is_active=True, **where).select_related("user"))


def staff_for_roles(roadmap: Roadmap, roles, *, assignments: list | None = None) -> list:
    """The users of the roadmap's organisation (or municipality) who hold the paper's roles
    (``assignments``: ``staff_of(roadmap)``, when already read for several items)."""
    assignments = staff_of(roadmap) if assignments is None else assignments
    users = {}
    for code in roles:
        role, words = ROLE_STAFF.get(code, (None, ()))
        for assignment in assignments:
            position = assignment.position.lower()
            if assignment.role == role and (not words or any(word in position for word in words)):
                users[assignment.user_id] = assignment.user
    return list(users.values())


def suggest_order_number(roadmap: Roadmap) -> str:
    """The next free number of the owner's register of orders."""
    return approvals.approval_orders().suggest_number(roadmap.owner, roadmap.academic_year)


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


def roadmap_progress(roadmap: Roadmap, *, today: datetime.date | None = None) -> dict:
    """``progress_counts`` of one roadmap's occurrences (its page's header), in one query."""
    return progress_counts(Occurrence.objects.filter(item__roadmap=roadmap), today=today)


def district_roadmaps(scope, *, academic_year):
    """The municipalities' own roadmaps of a year the scope sees (the matrix page's district rows)."""
    return (Roadmap.objects.visible_to(scope).filter(academic_year=academic_year, municipality__isnull=False)
            .select_related("municipality"))


def visible_evidence(scope):
    """Evidence files of the occurrences the scope sees: the only files a download may serve."""
    return EvidenceFile.objects.filter(occurrence__in=Occurrence.objects.visible_to(scope))


def occurrence_files(occurrence: Occurrence):
    """An occurrence's evidence files with who uploaded them."""
    return occurrence.files.select_related("uploaded_by")


def responsible_users(items) -> dict:
    """Everyone responsible for any of the items, by id (from the items' prefetch)."""
    return {user.pk: user for item in items for user in item.responsible_users.all()}


def item_occurrences(item):
    """An item's occurrences (from the prefetch when the items were read with them)."""
    return item.occurrences.all()


def organisation_matrix(organisations, *, academic_year, today: datetime.date | None = None):
    """Every organisation with its roadmap's progress for the year, in one query (the district matrix)."""
    return organisations.annotate(
        **progress_aggregates("roadmaps__items__occurrences", today=today or timezone.localdate(),
                              within=Q(roadmaps__academic_year=academic_year)),
        roadmap_id=Min("roadmaps__pk", filter=Q(roadmaps__academic_year=academic_year)),
    )


def my_reminders(request):
    """The user's reminders about roadmaps they still reach: after a role ends (or changes school) the
    old reminders stop showing, as the daily run stops sending new ones (roadmaps.reminders)."""
    return Reminder.objects.filter(user=request.user,
                                   occurrence__item__roadmap__in=Roadmap.objects.visible_to(request.scope))
