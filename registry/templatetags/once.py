"""``{% once_field %}``: the one-time token of a form that creates something (``registry.once``)."""

from django import template
from django.utils.html import format_html

from registry import once

register = template.Library()


@register.simple_tag
def once_field():
    """A hidden input with a fresh token: each form on a page has its own."""
    return format_html('<input type="hidden" name="{}" value="{}">', once.FIELD, once.new_token())
