"""The pages each role opens in a working day, for the benchmarks (issue 16): ``bench_pages`` times each
of them next to the trivial page, ``bench_saturation`` sends 50 users through them.

The demo's accounts (``load_demo``): the municipal curator ``municipal``, the school curator ``curator1``
and the director ``director1`` of the same school. ``goal`` is the issue's ratio to the trivial page
(``None``: measured, no goal stated).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

TRIVIAL = "/accounts/password/"  # a logged-in page that reads nothing but the session and the user


@dataclass(frozen=True)
class Page:
    role: str
    name: str
    path: str
    goal: float | None


@dataclass(frozen=True)
class Role:
    name: str
    username: str
    weight: int  # how many of the saturation run's users take this role, relative to the others


ROLES = (
    Role("municipal curator", "municipal", 1),
    Role("school curator", "curator1", 3),
    Role("director", "director1", 1),
)


def pages(organisation_id: int | None) -> list[Page]:
    """The pages of the issue's table (with their goals) and the rest of each role's day.

    ``organisation_id``: the school of the school curator and the director (its dashboard)."""
    lists = (("participants list", reverse("registry:participant_list")),
             ("pairs list", reverse("mentoring:pair_list")),
             ("meetings list", reverse("mentoring:meeting_list")))
    school = (reverse("monitoring:organisation_dashboard", args=[organisation_id])
              if organisation_id is not None else None)
    result = [Page("municipal curator", "home", "/", None),
              Page("municipal curator", "district dashboard", reverse("monitoring:dashboard"), 5)]
    result += [Page("municipal curator", name, path, 3) for name, path in lists]
    result += [Page("school curator", "home", "/", None)]
    result += [Page("school curator", name, path, 3) for name, path in lists]
    if school:
        result += [Page("school curator", "school dashboard", school, None)]
    result += [Page("school curator", "roadmaps", reverse("roadmaps:roadmap_list"), None),
               Page("director", "home", "/", None)]
    if school:
        result += [Page("director", "school dashboard", school, None)]
    result += [Page("director", "orders", reverse("mentoring:order_list"), None),
               Page("director", "reports", reverse("monitoring:report_list"), None)]
    return result


def resolve():
    """(role → user, the pages) on the current database; roles whose account is missing are left out."""
    from registry.models import User
    from registry.scoping import Scope

    users = {role.name: User.objects.filter(username=role.username, is_active=True).first() for role in ROLES}
    users = {name: user for name, user in users.items() if user is not None}
    organisation_id = None
    for name in ("school curator", "director"):
        if name in users:
            scope = Scope.for_user(users[name])
            if scope.is_single_organisation:
                organisation_id = next(iter(scope.organisation_ids))
                break
    return users, [page for page in pages(organisation_id) if page.role in users]
