import functools

from registry import list_pages
from registry.scoping import MUNICIPALITY_ROLE_PERMISSIONS, ROLE_PERMISSIONS, Perm


def _holds(scope, perm) -> bool:
    """Whether any of the user's roles carries ``perm`` somewhere (for the menu; pages check it on objects)."""
    if scope is None or scope.is_empty:
        return False
    return scope.is_superuser or any(
        perm in ROLE_PERMISSIONS.get(g.role, ()) or perm in MUNICIPALITY_ROLE_PERMISSIONS.get(g.role, ())
        for g in scope.grants)


def scope(request):
    current = getattr(request, "scope", None)
    return {
        "scope": current,
        "menu_destroy": _holds(current, Perm.DESTROY_DATA),
        "menu_export_log": _holds(current, Perm.EXPORT_LOG),
        "unread_notices": _unread_notices(request),
        "list_page_menu": list_pages.menu,
    }


def _unread_notices(request):
    """The bell's count: a callable, so that the query runs only on a page that shows the bell, and once
    however often the page names it (templates call a callable and the result is cached)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0

    @functools.cache
    def count() -> int:
        from registry.models import Notification

        return Notification.objects.for_user(user).unread().count()

    return count
