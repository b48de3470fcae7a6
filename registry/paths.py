"""The address of one object's page without resolving the URL pattern each time.

A list of fifty rows links each row to two or three pages: ``reverse()`` walks the URL resolver for
each (about seventy Python calls), so a district list spent more on its links than on its rows. The
address of ``viewname`` differs between objects only in the primary key, so it is reversed once with a
placeholder key and the key put in its place afterwards. The cache is keyed by the script prefix and
the URL configuration, so a site under a sub-path and a test's ``ROOT_URLCONF`` get their own.
"""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

_PLACEHOLDER = 2_147_483_647  # a key no URL pattern rejects, unlikely elsewhere in an address


@functools.lru_cache(maxsize=512)
def _halves(viewname: str, prefix: str, urlconf) -> tuple[str, str]:
    url = reverse(viewname, args=[_PLACEHOLDER], urlconf=urlconf)
    head, found, tail = url.partition(str(_PLACEHOLDER))
    if not found:  # pragma: no cover — a pattern that rewrites its argument
        raise ValueError(f"{viewname}: the key does not appear in {url}")
    return head, tail


def object_url_parts(viewname: str) -> tuple[str, str]:
    """What comes before and after the key in ``viewname``'s address (a table of rows asks once)."""
    return _halves(viewname, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


def object_url(viewname: str, pk: int) -> str:
    """``reverse(viewname, args=[pk])`` for a view whose only argument is an integer key."""
    head, tail = object_url_parts(viewname)
    return f"{head}{int(pk)}{tail}"
