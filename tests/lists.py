"""Walk a list page as a user does: filter, follow the rendered «вперёд» link, click every sort head.

The hrefs are read from the HTML, not rebuilt from the view (``?{% querystring %}`` once made every
page-2 link ``??page=2``, which lost the filter while every view-level test still passed).
"""

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.next = None
        self.sorts = []
        self.page_sizes = []
        self._in_sizes = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "span" and "page-sizes" in classes:
            self._in_sizes = True
        if tag != "a" or "href" not in attrs:
            return
        if attrs.get("rel") == "next":
            self.next = attrs["href"]
        elif "sort" in classes:
            self.sorts.append(attrs["href"])
        elif self._in_sizes:
            self.page_sizes.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "span":
            self._in_sizes = False


def links(response) -> _Links:
    parser = _Links()
    parser.feed(response.content.decode())
    return parser


def params(href: str) -> dict[str, list[str]]:
    assert href.startswith("?") and not href.startswith("??"), f"a list link must be a query string: {href!r}"
    return parse_qs(urlsplit(href).query)


def rows(response) -> list:
    return list(response.context["listing"].rows)


def walk(client, url: str, filters: dict, *, keep, per_page: int = 25, min_rows: int | None = None):
    """Check a filtered list from end to end.

    ``filters`` is the query string a user chose; ``keep(row)`` says whether a row belongs to it.
    The first page (``per_page`` rows) must be full, the «next» link must keep the filter and lead to
    more rows that match, every sort link must keep the filter, drop the page and list matching rows,
    and the count must be what the filter finds. Returns the first page's response.
    """
    query = {**filters, "per_page": per_page}
    first = client.get(url, query)
    assert first.status_code == 200, (url, first.status_code)
    listing = first.context["listing"]
    page_one = rows(first)
    assert len(page_one) == per_page, f"{url}: fill the fixture beyond one page ({len(page_one)} rows)"
    assert all(keep(row) for row in page_one), f"{url}: page 1 holds rows outside the filter"
    found = links(first)
    assert found.next, f"{url}: no «вперёд» link on a full first page"
    next_params = params(found.next)
    for key, value in filters.items():
        assert next_params.get(key) == [str(value)], f"{url}: the next page drops {key}={value}: {found.next}"
    assert next_params.get("per_page") == [str(per_page)]
    second = client.get(url + found.next)
    assert second.status_code == 200
    page_two = rows(second)
    assert page_two and all(keep(row) for row in page_two), f"{url}: page 2 is empty or outside the filter"
    assert not {id_of(r) for r in page_one} & {id_of(r) for r in page_two}, f"{url}: pages overlap"
    assert second.context["listing"].count == listing.count
    if min_rows is not None:
        assert listing.count >= min_rows
    assert "Найдено" in first.content.decode() or "Найдена" in first.content.decode()
    # Sorting from page 2 keeps the filter and starts again at page 1.
    sorts = links(second).sorts
    for href in sorts:
        sort_params = params(href)
        assert "page" not in sort_params, f"{url}: a sort link keeps the page: {href}"
        for key, value in filters.items():
            assert sort_params.get(key) == [str(value)], f"{url}: a sort link drops {key}={value}: {href}"
        sorted_page = client.get(url + href)
        assert sorted_page.status_code == 200
        assert sorted_page.context["listing"].count == listing.count, f"{url}{href}: the sort changed the count"
        assert all(keep(row) for row in rows(sorted_page)), f"{url}{href}: rows outside the filter"
        assert sorted_page.context["listing"].sort == sort_params["sort"][0], f"{url}{href}: sort not applied"
    return first, sorts


def id_of(row):
    return getattr(row, "pk", None) or id(row)
