"""How the district pages' tables sort: by a whitelisted ``?sort=`` key (``-`` for descending); a row
without a value goes last whichever the direction, ties by name. Anything else sorts by the default."""

from __future__ import annotations


def chosen(value: str, sorts: dict, default: str) -> str:
    """The sort as given if its key is whitelisted, else the default."""
    return value if value.lstrip("-") in sorts else default


def sort_rows(rows: list, sort: str, sorts: dict, default: str) -> list:
    sort = chosen(sort, sorts, default)
    name = sort.lstrip("-")
    value = sorts[name]
    by_name = sorted(rows, key=lambda row: row.name.lower())
    known = [row for row in by_name if value(row) is not None]
    known.sort(key=value, reverse=sort.startswith("-"))
    return known + [row for row in by_name if value(row) is None]
