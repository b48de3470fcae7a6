"""The small part of CSS that a printed document's look rests on, for the DOCX converter (registry.docx).

A document's look lives in class rules (``pdf/base.html`` and each document's ``{% block style %}``), not
in inline styles, so an HTML-to-DOCX library that reads only ``style=""`` loses the signature lines, the
right-hand approval block and the bold headings. This module reads those rules well enough for our
sheets: selectors made of compounds (``tag.class.class``) joined by descendant spaces, matched against
the element's ancestors, ordered by specificity and then by position; anything fancier (``+``, ``>``,
pseudo-classes) is skipped, as is any property the converter does not use. ``@page`` gives the sheet's
size, orientation and margins, and whether pages are numbered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Properties whose value a child takes from its parent, as CSS does.
INHERITED = {"text-align", "font-weight", "font-style", "font-size", "text-indent", "white-space", "color",
             "text-decoration"}  # text-decoration is not inherited in CSS, but it is drawn over the children

_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_COMPOUND = re.compile(r"^([a-z][a-z0-9]*)?((?:\.[A-Za-z_][\w-]*)*)$")


@dataclass(frozen=True)
class Compound:
    tag: str
    classes: frozenset

    def matches(self, element) -> bool:
        if self.tag and element.tag != self.tag:
            return False
        return self.classes <= classes_of(element)


@dataclass(frozen=True)
class Rule:
    compounds: tuple  # outermost first; the last one is the element itself
    combinators: tuple  # between compounds: " " (descendant), ">" (child) or "+" (next sibling)
    specificity: tuple
    order: int
    declarations: dict
    author: bool = True  # the document's own rule, which beats the browser defaults below


@dataclass
class Page:
    landscape: bool = False
    # top, right, bottom, left in centimetres (pdf/base.html: GOST R 7.0.97-2016)
    margins: tuple = (2.0, 1.5, 2.0, 2.0)
    numbered: bool = False


@dataclass
class Stylesheet:
    rules: list = field(default_factory=list)
    page: Page = field(default_factory=Page)

    def declared(self, element, ancestors) -> dict:
        """The declarations that apply to ``element`` itself (its ``style=""`` last)."""
        found = [rule for rule in self.rules if _match(rule, len(rule.compounds) - 1, element, ancestors)]
        found.sort(key=lambda rule: (rule.author, rule.specificity, rule.order))
        result = {}
        for rule in found:
            result.update(rule.declarations)
        result.update(declarations(element.get("style", "")))
        return result


def classes_of(element) -> frozenset:
    return frozenset(element.get("class", "").split())


def _match(rule: Rule, index: int, element, ancestors) -> bool:
    """Whether compounds ``0..index`` of the rule match ``element`` (its ancestors outermost first)."""
    if not rule.compounds[index].matches(element):
        return False
    if index == 0:
        return True
    combinator = rule.combinators[index - 1]
    if combinator == "+":
        previous = _previous_sibling(element, ancestors[-1]) if ancestors else None
        return previous is not None and _match(rule, index - 1, previous, ancestors)
    if combinator == ">":
        return bool(ancestors) and _match(rule, index - 1, ancestors[-1], ancestors[:-1])
    return any(_match(rule, index - 1, ancestors[k], ancestors[:k]) for k in range(len(ancestors) - 1, -1, -1))


def _previous_sibling(element, parent):
    previous = None
    for child in parent:
        if child is element:
            return previous
        if isinstance(child.tag, str):
            previous = child
    return None


def declarations(text: str) -> dict:
    result = {}
    for part in text.split(";"):
        name, colon, value = part.partition(":")
        if colon:
            result[name.strip().lower()] = value.replace("!important", "").strip()
    return result


def _selector(text: str):
    """(compounds, combinators, specificity), or None for a selector this reader does not handle."""
    compounds, combinators, pending = [], [], " "
    for piece in re.sub(r"\s*([>+])\s*", r" \1 ", text).split():
        if piece in (">", "+"):
            pending = piece
            continue
        match = _COMPOUND.match(piece)
        if not match or not piece:
            return None
        if compounds:
            combinators.append(pending)
        pending = " "
        compounds.append(Compound(match[1] or "", frozenset(c for c in match[2].split(".") if c)))
    if not compounds:
        return None
    specificity = (sum(len(c.classes) for c in compounds), sum(1 for c in compounds if c.tag))
    return tuple(compounds), tuple(combinators), specificity


def _blocks(css: str):
    """(prelude, body) of each top-level block; an at-rule's body keeps its nested blocks."""
    depth, start, prelude_start = 0, 0, 0
    for index, char in enumerate(css):
        if char == "{":
            if depth == 0:
                start = index
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                yield css[prelude_start:start].strip(), css[start + 1:index]
                prelude_start = index + 1


# What a browser does unasked, as far as our sheets rely on it.
USER_AGENT = """
h1, h2, h3, h4, h5, h6, b, strong, th { font-weight: bold; }
i, em { font-style: italic; }
th { text-align: center; }
s, del, strike { text-decoration: line-through; }
u, ins { text-decoration: underline; }
p, dl, ul, ol { margin: 0 0 0.4em; }
ul, ol { padding-left: 1cm; }
"""


def parse(css: str) -> Stylesheet:
    sheet = Stylesheet()
    order = 0
    for author, text in ((False, USER_AGENT), (True, css)):
        for prelude, body in _blocks(_COMMENT.sub("", text)):
            if prelude.startswith("@page"):
                _read_page(sheet.page, body)
                continue
            if prelude.startswith("@"):
                continue
            decls = declarations(body)
            for selector in prelude.split(","):
                parsed = _selector(selector.strip())
                if parsed:
                    order += 1
                    sheet.rules.append(Rule(*parsed, order, decls, author))
    return sheet


def _read_page(page: Page, body: str) -> None:
    nested = list(_blocks(body))
    own = body
    for prelude, inner in nested:
        if prelude.split()[-1:] == ["@top-center"] or prelude.endswith("@top-center"):
            content = declarations(inner).get("content", "")
            page.numbered = "counter(page" in content
        own = own.replace(inner, "")
    # What remains outside nested boxes (``@top-center { … }`` emptied to ``@top-center {}``).
    own = re.sub(r"@[\w-]+\s*\{\s*\}", "", own)
    decls = declarations(own)
    if "size" in decls:
        page.landscape = "landscape" in decls["size"]
    if "margin" in decls:
        values = [length_cm(v) for v in decls["margin"].split()]
        if values and None not in values:
            values = {1: lambda: values * 4, 2: lambda: values * 2, 3: lambda: [*values, values[1]]}.get(
                len(values), lambda: values)()
            page.margins = tuple(values[:4])


def length_cm(value: str) -> float | None:
    match = re.fullmatch(r"(-?[\d.]+)(cm|mm|pt|in)?", value.strip())
    if not match:
        return 0.0 if value.strip() == "0" else None
    number = float(match[1])
    return {"cm": number, "mm": number / 10, "pt": number * 2.54 / 72, "in": number * 2.54,
            None: 0.0 if number == 0 else None}[match[2]]


def length_pt(value: str, font_pt: float) -> float | None:
    """A length in points; ``em`` against the element's font size."""
    value = value.strip()
    match = re.fullmatch(r"(-?[\d.]+)em", value)
    if match:
        return float(match[1]) * font_pt
    cm = length_cm(value)
    return None if cm is None else cm * 72 / 2.54
