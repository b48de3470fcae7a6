"""``{{ url|docx_url }}``: the DOCX sibling of a document's PDF address (registry.documents), query kept.

For addresses built with a query string in a view (a class's consent blanks, questionnaire link sheets,
the district report's ``?format=pdf``); a plain one is simply ``{% url '…_docx' … %}``.
"""

import re

from django import template

register = template.Library()


@register.filter
def docx_url(url: str) -> str:
    path, mark, query = str(url).partition("?")
    if path.endswith(".pdf"):
        path = path[:-4] + ".docx"
    query = re.sub(r"(^|&)format=pdf(?=&|$)", r"\1format=docx", query)
    return f"{path}{mark}{query}"
