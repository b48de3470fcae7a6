"""The Положение о наставничестве printed on its own, from the order that approves it."""

import re

from django.http import Http404

from mentoring import orders as order_service
from mentoring.regulations import regulations_of, render_regulations_pdf
from mentoring.views.orders import _order
from registry.pdf import pdf_response
from registry.scoping import read_only


@read_only
def order_regulations_pdf(request, pk):
    """The same text as the order's appendix № 1: frozen with a signed order, built now for a draft."""
    order = _order(request, pk)
    content = order.content if order.is_signed else order_service.build_content(order)
    regulations = regulations_of(content)
    if regulations is None:
        # Another kind of order, or one signed before the Положение was printed with it.
        raise Http404
    number = re.sub(r"\s+", "_", order.number)
    filename = f"Положение_о_наставничестве_к_приказу_№{number}_от_{order.issued_on:%d.%m.%Y}.pdf"
    return pdf_response(render_regulations_pdf(content, regulations, draft=not order.is_signed), filename)
