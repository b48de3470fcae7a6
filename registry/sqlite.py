"""SQLite's LIKE folds the case of ASCII letters only, so «иванов» would not find «Иванов».

PostgreSQL's UPPER/ILIKE handle Cyrillic; this gives the embedded SQLite the same behaviour by
replacing LIKE (which Django uses for every contains/icontains/iexact lookup) with a Unicode-aware one.
"""

import functools
import re


@functools.lru_cache(maxsize=512)
def _pattern(like: str, escape: str | None) -> re.Pattern:
    parts, index = [], 0
    while index < len(like):
        char = like[index]
        if escape and char == escape and index + 1 < len(like):
            parts.append(re.escape(like[index + 1]))
            index += 2
            continue
        parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        index += 1
    return re.compile("".join(parts), re.DOTALL | re.IGNORECASE)


def unicode_like(like, value, escape=None):
    if like is None or value is None:
        return None
    return _pattern(like, escape).fullmatch(str(value)) is not None


def install_unicode_like(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("like", 2, unicode_like, deterministic=True)
        connection.connection.create_function("like", 3, unicode_like, deterministic=True)
