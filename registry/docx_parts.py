"""The pieces of WordprocessingML that python-docx has no call for (registry.docx): fields, paragraph
borders in the schema's order, images of a document."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

from docx.oxml import OxmlElement
from docx.oxml.ns import qn


def field_runs(paragraph, parts) -> None:
    """A field of nested fields: ``parts`` are ("begin"|"separate"|"end", None), ("instr", text) or
    ("text", shown). Word computes them when it lays the pages out; the shown text is until then."""
    for kind, value in parts:
        run = OxmlElement("w:r")
        props = OxmlElement("w:rPr")
        size = OxmlElement("w:sz")
        size.set(qn("w:val"), "20")  # 10 pt, as in the PDF
        props.append(size)
        run.append(props)
        if kind in ("begin", "separate", "end"):
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run.append(char)
        else:
            text = OxmlElement("w:instrText" if kind == "instr" else "w:t")
            text.set(qn("xml:space"), "preserve")
            text.text = value
            run.append(text)
        paragraph._p.append(run)


def _simple(instruction: str, shown: str) -> list:
    return [("begin", None), ("instr", f" {instruction} "), ("separate", None), ("text", shown), ("end", None)]


# «Страница N из M»: fields Word and LibreOffice fill in when they lay the pages out. (The PDF leaves the
# line out of a one-page document; a nested IF field could too, but LibreOffice prints it as digits.)
PAGE_LINE = [("text", "Страница "), *_simple("PAGE", "1"), ("text", " из "), *_simple("NUMPAGES", "1")]


def bottom_border(paragraph) -> None:
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    # The schema fixes the order of a paragraph's properties; Word refuses a file that breaks it.
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *_AFTER_PBDR)


_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
               "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
               "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
               "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
               "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def image_bytes(src: str) -> bytes | None:
    if src.startswith("data:"):
        header, _comma, payload = src.partition(",")
        try:
            return base64.b64decode(payload) if header.endswith(";base64") else None
        except ValueError:
            return None
    from registry.pdf import _static_file  # the PDF's own rule: static files only

    file = _static_file(urlsplit(src).path)
    return file.read_bytes() if file else None

