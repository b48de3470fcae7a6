"""The district pages' heavy markup, written in Python: the roadmap matrix is organisations × items (three
hundred schools by thirty items is nine thousand cells, too slow through the template language)."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from monitoring.district.roadmap_matrix import ABSENT, DONE, NOT_STARTED, OVERDUE, STATES
from monitoring.memo import Memo
from monitoring.templatetags.charts import number

register = template.Library()

_PATTERN = "/roadmaps/{}/"


@register.simple_tag
def matrix_rows(matrix):
    """The rows of the matrix: the organisation, a cell per item (a link to that item of its roadmap, the
    state as a mark with the word in the tooltip), then its counts."""
    from django.urls import reverse

    base = reverse("roadmaps:roadmap_detail", args=[987654321]).replace("987654321", "{}")
    labels = {state: escape(str(label)) for state, (label, _mark, _colour) in STATES.items()}
    marks = {state: escape(mark) for state, (_label, mark, _colour) in STATES.items()}
    out = []
    for row in matrix.rows:
        roadmap = base.format(row.roadmap_id)
        cells = [f'<th scope="row" class="org fw-normal"><a href="{escape(roadmap)}">{escape(row.name)}</a></th>']
        for column, cell in zip(matrix.columns, row.cells):
            title = escape(f"{column.number}. {column.title[:120]} — ") + labels[cell.state]
            if cell.state == ABSENT:
                cells.append(f'<td class="rm rm-{cell.state}" title="{title}"></td>')
            else:
                cells.append(f'<td class="rm rm-{cell.state}" title="{title}"><a href="{escape(roadmap)}#item-'
                             f'{cell.item_id}" aria-label="{labels[cell.state]}">{marks[cell.state]}</a></td>')
        percent = row.percent
        cells.append(f'<td class="text-end">{row.counts[DONE]}</td><td class="text-end'
                     f'{" text-below fw-semibold" if row.counts[OVERDUE] else ""}">{row.counts[OVERDUE]}</td>'
                     f'<td class="text-end">{row.counts[NOT_STARTED]}</td>'
                     f'<td class="text-end">{number(percent) + "&nbsp;%" if percent is not None else "—"}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("\n".join(out))


# Charts' markup by what it was drawn from (``kept``): a view after a write to one organisation draws
# again only the charts whose rows changed.
_markup = Memo(256)


class KeptNode(template.Node):
    def __init__(self, data, name, nodelist):
        self.data, self.name, self.nodelist = data, name, nodelist

    def render(self, context):
        key = (self.name.resolve(context), get_language(), repr(self.data.resolve(context)))
        html = _markup.get(key)
        if html is None:
            html = self.nodelist.render(context)
            _markup.put(key, html)
        return html


@register.tag
def kept(parser, token):
    """``{% kept d.charts.pairs "pairs" %}{% stacked_chart d.charts.pairs … %}{% endkept %}``: the markup
    inside, kept by its name, the language and the data it draws (compared by their ``repr``: plain
    numbers, strings and addresses). Only for markup that depends on nothing else: the district's
    charts, not what carries the query string or the user."""
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError("{% kept data name %}")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(parser.compile_filter(bits[1]), parser.compile_filter(bits[2]), nodelist)
