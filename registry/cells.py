"""The one door into an exported spreadsheet cell: text can never become a formula.

A school's name or a child's name typed as «=HYPERLINK(…)», «+1», «-1» or «@SUM(1)» would otherwise be
a live formula in the municipal curator's Excel (CSV/formula injection). Every XLSX writer of the portal
(``registry.xlsx``, which every export and the roadmap pages' files go through) passes each value through
``safe``: text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is stored as a
*text* cell with Excel's quote prefix (shown as typed, never evaluated, and still text when edited);
everything else passes unchanged, so the common case costs one comparison.
"""

from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = frozenset("=+-@\t\r")


def is_risky(value) -> bool:
    return isinstance(value, str) and value[:1] in FORMULA_STARTS


def cell(sheet, value) -> WriteOnlyCell:
    """A cell to style (a header, a total) with ``value`` made safe."""
    made = WriteOnlyCell(sheet, value=value)
    if is_risky(value):
        made.data_type = "s"  # openpyxl would otherwise store a leading «=» as a formula
        made.quotePrefix = True
    return made


def safe(sheet, value):
    """``value`` ready for ``sheet.append``: a quote-prefixed text cell if it could be read as a formula."""
    return cell(sheet, value) if is_risky(value) else value


def safe_row(sheet, values) -> list:
    return [safe(sheet, value) for value in values]
