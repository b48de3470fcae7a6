"""Tables of a printed document in DOCX (registry.docx): grids, field rows and signature rows.

Column widths follow the document's CSS where it gives them (``<col style="width">``, a cell's
``width: 22%`` or ``5cm``); a column sized to its content (``width: 1%; white-space: nowrap`` — the labels
before a line to fill) gets the width its longest text needs, and the columns left share the rest, so a
signature row keeps its label on one line and its line to sign where the PDF has it.
"""

from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm

from registry import docx_css

_MIN_CM = 1.0


def write_table(writer, element, ancestors, style) -> None:
    rows, declared_cols = [], []
    inner = [*ancestors, element]
    for child in element:
        if child.tag == "colgroup":
            declared_cols += [docx_css.declarations(col.get("style", "")).get("width", "") for col in child
                              if col.tag == "col"]
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows += [(tr, child.tag == "thead", [*inner, child]) for tr in child if tr.tag == "tr"]
        elif child.tag == "tr":
            rows.append((child, False, inner))
    grid = []
    for tr, head, tr_ancestors in rows:
        tr_style = writer.computed(tr, tr_ancestors, style)
        cells = []
        for cell in tr:
            if cell.tag in ("td", "th"):
                span = int(cell.get("colspan", "1")) if cell.get("colspan", "1").isdigit() else 1
                cells.append((cell, max(span, 1), writer.computed(cell, [*tr_ancestors, tr], tr_style)))
        grid.append((tr, head, tr_ancestors, tr_style, cells))
    columns = max((sum(span for _c, span, _s in cells) for *_rest, cells in grid), default=0)
    if not columns:
        return
    table = writer.container().add_table(rows=len(grid), cols=columns)
    if any(_bordered(cell_style["_declared"]) for *_rest, cells in grid for _c, _s, cell_style in cells):
        table.style = writer.doc.styles["Table Grid"]
    table.autofit = False
    widths = _widths(writer, grid, columns, declared_cols)
    for index, width in enumerate(widths):
        table.columns[index].width = Cm(width)
    # The table's own top margin (the director's signature 2.2em under the last point) opens its first row.
    top = docx_css.length_pt(_box_top(style["_declared"]), style["_size"]) or 0.0
    open_cells = []
    for row_index, (tr, head, tr_ancestors, tr_style, cells) in enumerate(grid):
        row = table.rows[row_index]
        if "avoid" in (tr_style["_declared"].get("page-break-inside"), tr_style["_declared"].get("break-inside")):
            _row_flag(row, "w:cantSplit")  # before tblHeader: the schema's order
        if head:
            _row_flag(row, "w:tblHeader")
        column = 0
        for cell_element, span, cell_style in cells:
            cell = table.cell(row_index, column)
            if span > 1:
                cell = cell.merge(table.cell(row_index, min(column + span, columns) - 1))
            cell.width = Cm(sum(widths[column:column + span]))
            valign = cell_style["_declared"].get("vertical-align")
            if valign in ("top", "middle", "bottom"):
                from registry.docx import _VALIGN
                cell.vertical_alignment = _VALIGN[valign]
            _fill(writer, cell, cell_element, [*tr_ancestors, tr], cell_style, top if row_index == 0 else 0.0)
            if span == 1 and cell_style["_declared"].get("border-bottom") == "none":
                open_cells.append((row_index, column))
            column += span
    _merge_down(table, open_cells)


def _merge_down(table, open_cells) -> None:
    """A cell left open at the bottom (a roadmap's stage, running down its items) over an empty cell
    below it: one merged cell, as the PDF draws it."""
    for row_index, column in reversed(open_cells):
        if row_index + 1 >= len(table.rows):
            continue
        below = table.cell(row_index + 1, column)
        if below.text.strip() or below._tc is table.cell(row_index, column)._tc:
            continue
        table.cell(row_index, column).merge(below)


def _box_top(declared: dict) -> str:
    values = declared.get("margin", "").split()
    return declared.get("margin-top", values[0] if values else "")


def _fill(writer, cell, element, ancestors, style, top: float) -> None:
    saved = writer.paragraph, writer.block, writer.space_before
    writer.paragraph, writer.space_before = None, top
    cell._fresh = True
    writer.containers.append(cell)
    try:
        writer.walk(element, ancestors, style)
        writer.end_paragraph()
    finally:
        writer.containers.pop()
        writer.paragraph, writer.block, writer.space_before = saved


def _bordered(declared: dict) -> bool:
    return any(key.startswith("border") and key != "border-collapse" and "none" not in value and value != "0"
               for key, value in declared.items())


def _row_flag(row, tag: str) -> None:
    props = row._tr.get_or_add_trPr()
    flag = OxmlElement(tag)
    flag.set(qn("w:val"), "true")
    props.append(flag)


def _text_cm(element, size_pt: float) -> float:
    """About how wide the longest line of the cell's text is, in Times."""
    lines = " ".join(element.itertext()).split("\n")
    longest = max((len(" ".join(line.split())) for line in lines), default=0)
    return longest * size_pt * 0.5 / 72 * 2.54 + 0.6  # and Word's cell margins


def _widths(writer, grid, columns: int, declared_cols: list) -> list[float]:
    total = writer.text_width_cm
    explicit: list = [None] * columns
    for index, value in enumerate(declared_cols[:columns]):
        explicit[index] = _width_cm(value, total)
    fitted = [False] * columns  # sized to content: «width: 1%» / nowrap labels
    desired = [_MIN_CM] * columns
    for *_rest, cells in grid:
        column = 0
        for element, span, cell_style in cells:
            if span == 1:
                declared = cell_style["_declared"]
                width = declared.get("width", "")
                if explicit[column] is None and width and not _tiny(width):
                    explicit[column] = _width_cm(width, total)
                if _tiny(width) or (declared.get("white-space") == "nowrap" and not width):
                    fitted[column] = True
                desired[column] = max(desired[column], _text_cm(element, cell_style["_size"]))
            column += span
    widths = list(explicit)
    for index in range(columns):
        if widths[index] is None and fitted[index]:
            widths[index] = min(desired[index], total * 0.45)
    free = [index for index in range(columns) if widths[index] is None]
    left = total - sum(w for w in widths if w is not None)
    if free:
        share = sum(min(desired[i], total) for i in free)
        for index in free:
            widths[index] = max(_MIN_CM, left * min(desired[index], total) / share) if left > _MIN_CM * len(free) \
                else _MIN_CM
    used = sum(widths)
    if used > total:  # too wide: shrink all alike
        widths = [w * total / used for w in widths]
    return widths


def _tiny(width: str) -> bool:
    return width.endswith("%") and float(width[:-1] or 0) < 3


def _width_cm(value: str, total: float):
    value = (value or "").strip()
    if value.endswith("%"):
        try:
            return total * float(value[:-1]) / 100
        except ValueError:
            return None
    return docx_css.length_cm(value) if value else None
