"""How the export tables print: the district's tables are wide (14 to 30 columns), and printed as
saved they came out portrait, three columns a page, twenty pages of names with no header and no
title. Set once on every sheet the one writer (``registry.xlsx.write``) writes: landscape, as wide as one
page, the header row repeated on every page, the table's title and «Страница N из M» in the margins.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


def set_printing(sheet, heading: str) -> None:
    """``sheet`` (also a write-only one: set before its first row) prints landscape, one page wide,
    with row 1 repeated on every page, ``heading`` on top and the page number below."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.print_title_rows = "1:1"
    # «&» starts a code in a page header («&P» is the page number): a title's own «&» is doubled.
    sheet.oddHeader.center.text = heading.replace("&", "&&")
    sheet.oddFooter.center.text = _("Страница %(page)s из %(pages)s") % {"page": "&P", "pages": "&N"}
