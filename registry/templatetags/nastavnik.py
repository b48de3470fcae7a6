from django import template

register = template.Library()


@register.simple_tag
def page_numbers(page):
    """Page numbers around the current one, with ellipses: 1 2 … 7 8 9 … 41 42."""
    return page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)


@register.filter
def percent(part, whole):
    return round(100 * part / whole) if whole else 0
