"""Printed documents as DOCX: the same rendered HTML the PDF is made from, laid out again for Word.

A school that must add a local clause edits the portal's document instead of retyping it, so the DOCX
carries the same text, cases and order as the PDF; only the page layout is Word's own. ``html_to_docx``
reads the markup our documents use (``pdf/base.html`` and the templates extending it): paragraphs and
headings, tables (bordered grids, label/value field rows, signature rows with the lines to sign on),
lists, ``<br>``, images from ``data:`` URLs and static files, bold/italic/strike-through, alignment,
indents, the right-hand approval blocks (``margin-left: 58%``), page breaks, landscape sheets, the running
footer (each page's small print), the «ПРОЕКТ» mark (into the header) and «Страница N из M».

Why our own converter over python-docx: the look of these sheets lives in class rules of the ``<style>``
block (registry.docx_css reads them), while the HTML-to-DOCX libraries on PyPI read only inline styles
and drop the signature lines, captions and approval blocks a director expects to see.
"""

from __future__ import annotations

import io
import re

import tinyhtml5  # WeasyPrint's own HTML parser: the same tree the PDF was laid out from
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from registry import docx_css, docx_parts

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FONT = "Times New Roman"  # the PDF's Liberation Serif is its metric twin

INLINE = {"span", "b", "strong", "i", "em", "u", "s", "del", "ins", "strike", "a", "sub", "sup", "small", "abbr",
          "code", "label", "time", "img", "br"}
SKIPPED = {"head", "style", "script", "title", "colgroup", "col", "template"}
_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT, "center": WD_ALIGN_PARAGRAPH.CENTER,
          "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}
_VALIGN = {"top": WD_CELL_VERTICAL_ALIGNMENT.TOP, "middle": WD_CELL_VERTICAL_ALIGNMENT.CENTER,
           "bottom": WD_CELL_VERTICAL_ALIGNMENT.BOTTOM}
_SPACES = re.compile(r"[ \t\r\n\f]+")  # not \s: a &nbsp; stays (it keeps an empty line to write on)


def html_to_docx(html: str) -> bytes:
    root = tinyhtml5.parse(html, namespace_html_elements=False)
    sheet = docx_css.parse("\n".join(style.text or "" for style in root.iter("style")))
    writer = _Writer(sheet, root.findtext(".//title") or "")
    body = root.find("body")
    if body is not None:
        writer.run(body, [root])
    out = io.BytesIO()
    writer.doc.save(out)
    return out.getvalue()


def _is_bold(style) -> bool:
    weight = style.get("font-weight", "normal")
    return weight in ("bold", "bolder") or (weight.isdigit() and int(weight) >= 600)


def _pt(style, name, default=None):
    value = style.get(name)
    return docx_css.length_pt(value, style["_size"]) if value else default


def _box(declared: dict, name: str) -> list:
    """top, right, bottom, left of ``margin`` / ``padding``, shorthand and longhands together."""
    sides = ["", "", "", ""]
    values = declared.get(name, "").split()
    if len(values) == 1:
        sides = values * 4
    elif len(values) == 2:
        sides = values * 2
    elif len(values) == 3:
        sides = [*values, values[1]]
    elif values:
        sides = values[:4]
    for index, side in enumerate(("top", "right", "bottom", "left")):
        sides[index] = declared.get(f"{name}-{side}", sides[index])
    return sides


class _Writer:
    def __init__(self, sheet: docx_css.Stylesheet, title: str):
        self.sheet = sheet
        self.doc = Document()
        self.doc.core_properties.title = _SPACES.sub(" ", title).strip()
        self.doc.core_properties.author = "Наставник"
        self.doc.core_properties.language = "ru-RU"
        page = sheet.page
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE if page.landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = (Cm(29.7), Cm(21.0)) if page.landscape else (Cm(21.0), Cm(29.7))
        top, right, bottom, left = page.margins
        section.top_margin, section.right_margin = Cm(top), Cm(right)
        section.bottom_margin, section.left_margin = Cm(bottom), Cm(left)
        self.text_width_cm = (29.7 if page.landscape else 21.0) - left - right
        self.containers = [self.doc]
        self.paragraph = None
        self.block = None  # the computed style of the block the open paragraph belongs to
        self.space_before = 0.0
        self.page_break = False
        self.first_block = True
        self.header_marks: list[str] = []
        self.created: list = []  # every paragraph made, in order: a block's are those after its start

    # --- styles -------------------------------------------------------------------------------------

    def computed(self, element, ancestors, parent: dict) -> dict:
        declared = self.sheet.declared(element, ancestors)
        style = {k: v for k, v in parent.items() if k in docx_css.INHERITED or k.startswith("_")}
        style.update(declared)
        style["_declared"] = declared
        size = declared.get("font-size", "")
        if size:
            points = docx_css.length_pt(size, parent.get("_size", 12.0))
            if points is None and size.endswith("%"):
                points = parent.get("_size", 12.0) * float(size[:-1]) / 100
            if points:
                style["_size"] = points
        if "text-decoration" in parent and "text-decoration" in declared:
            style["text-decoration"] = f"{parent['text-decoration']} {declared['text-decoration']}"
        # A block's left margin moves everything inside it (the approval block at «margin-left: 58%»).
        margin = _box(declared, "margin")[3]
        indent = 0.0 if element.tag in ("td", "th") else parent.get("_indent", 0.0)
        if margin.endswith("%"):
            indent += self.text_width_cm * float(margin[:-1] or 0) / 100
        elif margin and not margin.endswith("em"):
            indent += docx_css.length_cm(margin) or 0.0
        style["_indent"] = indent
        if any(declared.get(k) == "avoid" for k in ("break-inside", "page-break-inside")) and element.tag != "tr":
            style["_keep"] = element
        return style

    def _setup_normal(self, root_style: dict) -> None:
        normal = self.doc.styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(root_style["_size"])
        fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attribute), FONT)
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), "ru-RU")
        normal.element.get_or_add_rPr().append(lang)
        normal.paragraph_format.space_after = Pt(0)
        normal.paragraph_format.space_before = Pt(0)
        line = root_style.get("line-height", "1.25")
        try:
            # CSS line-height is of the font size; Word's «single» is already ~1.15 of it for Times.
            normal.paragraph_format.line_spacing = round(float(line) / 1.15, 2)
        except ValueError:
            normal.paragraph_format.line_spacing = 1.0

    # --- walking ------------------------------------------------------------------------------------

    def run(self, body, ancestors) -> None:
        root_style = self.computed(ancestors[-1], ancestors[:-1], {"_size": 12.0})
        root_style.update({k: v for k, v in self.computed(body, ancestors, root_style).items()})
        self._setup_normal(root_style)
        self.walk(body, ancestors, root_style)
        self.end_paragraph()
        if self.sheet.page.numbered or self.header_marks:
            self._header()

    def walk(self, element, ancestors, style) -> None:
        """A block element: its text and children, its own paragraphs."""
        declared = style["_declared"]
        top, _right, bottom, _left = _box(declared, "margin")
        pad_top, _r, pad_bottom, _l = _box(declared, "padding")
        self.end_paragraph()
        if self._breaks_before(declared) and not self.first_block:
            self._page_break()
        self.space_before = max(self.space_before, sum(docx_css.length_pt(v, style["_size"]) or 0
                                                       for v in (top, pad_top) if v))
        started = len(self.created)
        self.children(element, ancestors, style, style)
        self.end_paragraph()
        last = self.created[-1] if len(self.created) > started else None
        # A block's bottom border is a line to write on (``.line``, ``.value``); a cell's is the grid's.
        needs_line = element.tag == "hr" or (element.tag not in ("td", "th") and
                                             declared.get("border-bottom", "none") not in ("none", "0"))
        if last is None and needs_line:
            last = self.new_paragraph(style)
            self.end_paragraph()
        if last is not None:
            after = sum(docx_css.length_pt(v, style["_size"]) or 0 for v in (bottom, pad_bottom) if v)
            current = last.paragraph_format.space_after
            last.paragraph_format.space_after = Pt(max(after, current.pt if current else 0))
            if needs_line:
                docx_parts.bottom_border(last)
            if style.get("_keep") is element:
                last.paragraph_format.keep_with_next = False  # the block ends: what follows may break away
        if last is not None:
            self.first_block = False

    def children(self, element, ancestors, style, block) -> None:
        if element.text:
            self.text(element.text, style, block)
        for child in element:
            if isinstance(child.tag, str):
                self.node(child, [*ancestors, element], style, block)
            if child.tail:
                self.text(child.tail, style, block)

    def node(self, element, ancestors, parent, block) -> None:
        if element.tag in SKIPPED:
            return
        style = self.computed(element, ancestors, parent)
        declared = style["_declared"]
        display, position = declared.get("display", ""), declared.get("position", "")
        if display == "none":
            return
        if position.startswith("running"):
            self._footer(element)
            return
        if position == "fixed":
            text = _SPACES.sub(" ", "".join(element.itertext())).strip()
            if text and text not in self.header_marks:
                self.header_marks.append(text)
            return
        if element.tag == "br":
            self.ensure_paragraph(block).add_run().add_break(WD_BREAK.LINE)
        elif element.tag == "img":
            self.image(element, style, block)
        elif element.tag == "table":
            self.end_paragraph()
            from registry.docx_tables import write_table
            write_table(self, element, ancestors, style)
            self.first_block = False
        elif element.tag in INLINE and display != "block":
            self.children(element, ancestors, style, block)
        elif element.tag == "li":
            self.list_item(element, ancestors, style)
        else:
            self.walk(element, ancestors, style)

    def list_item(self, element, ancestors, style) -> None:
        parent = ancestors[-1]
        self.end_paragraph()
        if parent.tag == "ol":
            items = [c for c in parent if c.tag == "li"]
            marker = f"{int(parent.get('start', '1')) + items.index(element)}.\t"
        else:
            marker = "•\t"
        indent = docx_css.length_cm(_box(self.sheet.declared(parent, ancestors[:-1]), "padding")[3] or "1cm") or 1.0
        paragraph = self.new_paragraph(style)
        paragraph.paragraph_format.left_indent = Cm(indent)
        paragraph.paragraph_format.first_line_indent = Cm(-min(indent, 0.6))
        paragraph.paragraph_format.tab_stops.add_tab_stop(Cm(indent))
        self.add_run(marker, style)
        self.children(element, ancestors, style, style)
        self.end_paragraph()

    # --- paragraphs and runs ------------------------------------------------------------------------

    def container(self):
        return self.containers[-1]

    def new_paragraph(self, block):
        container = self.container()
        fresh = getattr(container, "_fresh", False)
        if fresh:  # a new table cell comes with one empty paragraph: use it
            paragraph = container.paragraphs[0]
            container._fresh = False
        else:
            paragraph = container.add_paragraph()
        self.paragraph, self.block = paragraph, block
        self.created.append(paragraph)
        fmt = paragraph.paragraph_format
        align = block.get("text-align")
        if align in _ALIGN:
            fmt.alignment = _ALIGN[align]
        indent = _pt(block, "text-indent")
        if indent:
            fmt.first_line_indent = Pt(indent)
        left = self._left_indent(block)
        if left:
            fmt.left_indent = Cm(left)
        if self.space_before:
            fmt.space_before = Pt(self.space_before)
            self.space_before = 0.0
        if self.page_break:
            fmt.page_break_before = True
            self.page_break = False
        if "_keep" in block:
            fmt.keep_with_next = True
            fmt.keep_together = True
        if block["_declared"].get("page-break-after") == "avoid" or block["_declared"].get("break-after") == "avoid":
            fmt.keep_with_next = True
        return paragraph

    def _left_indent(self, block) -> float:
        return block.get("_indent", 0.0)

    def ensure_paragraph(self, block):
        return self.paragraph if self.paragraph is not None else self.new_paragraph(block)

    def end_paragraph(self) -> None:
        if self.paragraph is not None:
            runs = self.paragraph.runs
            if runs and runs[-1].text.endswith(" "):
                runs[-1].text = runs[-1].text.rstrip(" ")
        self.paragraph = None

    def text(self, text: str, style, block) -> None:
        if style.get("white-space") in ("pre", "pre-line", "pre-wrap"):
            lines = [_SPACES.sub(" ", line) for line in text.split("\n")]
        else:
            lines = [_SPACES.sub(" ", text)]
        for number, line in enumerate(lines):
            if number:
                self.ensure_paragraph(block).add_run().add_break(WD_BREAK.LINE)
            if self.paragraph is None or not self.paragraph.text or self.paragraph.text.endswith(("\n", " ")):
                line = line.lstrip(" ")
            if not line:
                continue
            self.ensure_paragraph(block)
            self.add_run(line, style)

    def add_run(self, text, style):
        run = self.paragraph.add_run(text)
        font = run.font
        if _is_bold(style):
            font.bold = True
        if style.get("font-style") == "italic":
            font.italic = True
        decoration = style.get("text-decoration", "")
        if "line-through" in decoration:
            font.strike = True
        if "underline" in decoration:
            font.underline = True
        if abs(style["_size"] - self.doc.styles["Normal"].font.size.pt) > 0.1:
            font.size = Pt(round(style["_size"] * 2) / 2)
        return run

    def image(self, element, style, block) -> None:
        data = docx_parts.image_bytes(element.get("src", ""))
        if data is None:
            return
        declared = style["_declared"]
        width = docx_css.length_cm(declared.get("width", "")) or docx_css.length_cm(element.get("width", "") + "pt")
        if declared.get("display") == "block" or declared.get("float"):
            self.end_paragraph()
            self.new_paragraph(block)
        run = self.ensure_paragraph(block).add_run()
        try:
            run.add_picture(io.BytesIO(data), width=Cm(width) if width else None)
        except Exception:  # an image Word cannot take is left out, not the document  # noqa: BLE001
            return
        if declared.get("display") == "block" or declared.get("float"):
            self.end_paragraph()

    # --- pages --------------------------------------------------------------------------------------

    @staticmethod
    def _breaks_before(declared) -> bool:
        return declared.get("break-before") == "page" or declared.get("page-break-before") == "always"

    def _page_break(self) -> None:
        if self.container() is self.doc:
            # A section of its own, so a page of its own footer (a class's consent blanks) can follow.
            self.doc.add_section(WD_SECTION.NEW_PAGE)
        else:
            self.page_break = True

    def _footer(self, element) -> None:
        text = _SPACES.sub(" ", "".join(element.itertext())).strip()
        section = self.doc.sections[-1]
        footer = section.footer
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        for run in list(paragraph.runs):
            run._r.getparent().remove(run._r)
        style = self.computed(element, [], {"_size": 12.0})
        run = paragraph.add_run(text)
        run.font.size = Pt(style["_size"] if style["_size"] != 12.0 else 7.5)

    def _header(self) -> None:
        header = self.doc.sections[0].header
        paragraph = header.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if self.sheet.page.numbered:
            docx_parts.field_runs(paragraph, docx_parts.PAGE_LINE)
        if self.header_marks:
            mark = header.add_paragraph() if self.sheet.page.numbered else paragraph
            mark.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = mark.add_run(" ".join(self.header_marks))
            run.font.bold = True
