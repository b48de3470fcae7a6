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
    }
