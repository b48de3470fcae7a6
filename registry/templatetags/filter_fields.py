"""``{{ form.field|filter_field }}``: one field of a list's filter form, in the markup crispy-forms gives it.

The lists (participants, pairs, meetings) are the pages a district opens most, and crispy's
``as_crispy_field`` renders each field through a dozen nested templates, and Django's ``Select`` one
template per ``<option>``: the filter form of the municipal curator's list cost more than the list's
fifty rows. This builds the same HTML (wrapper ``div_id_<name>``, label, ``form-select``/``form-control``,
``is-invalid`` with the errors, the help text) in Python from the widget's own context, so the value shown,
the selected option and the attributes are Django's. Only the widgets the filters use are handled
(text, date, number, select, checkbox, hidden); anything else falls back to crispy.
"""

from html import escape

from django import forms, template
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

INPUT_CLASSES = {"text": "textinput", "date": "dateinput", "number": "numberinput", "email": "emailinput",
                 "search": "textinput"}


def _errors(field) -> str:
    if not field.errors:
        return ""
    items = format_html_join("", '<p id="error_{}_{}"><strong>{}</strong></p>',
                             ((n, field.auto_id, e) for n, e in enumerate(field.errors, 1)))
    return format_html('<div id="{}_error" class="invalid-feedback">{}</div>', field.auto_id, items)


def _help(field) -> str:
    if not field.help_text:
        return ""
    return format_html('<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, field.help_text)


def _attrs(field, css: str) -> dict:
    attrs, described_by = {}, []
    if field.errors:
        css += " is-invalid"
        attrs["aria-invalid"] = "true"
        described_by.append(f"{field.auto_id}_error")
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if css:
        attrs["class"] = css.strip()
    return attrs


def _options(choices, selected: set[str]) -> str:
    # f-strings with html.escape (what format_html calls for each value): a district's dropdown has
    # hundreds of options.
    parts = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):  # an optgroup
            parts.append(f'<optgroup label="{escape(str(value))}">{_options(label, selected)}</optgroup>')
            continue
        value = "" if value is None else str(value)
        parts.append(f'<option value="{escape(value)}"{" selected" if value in selected else ""}>'
                     f'{conditional_escape(label) if hasattr(label, "__html__") else escape(str(label))}</option>')
    return "".join(parts)


def _widget_attrs(field, widget, css: str) -> dict:
    return widget.build_attrs(widget.attrs, field.build_widget_attrs(_attrs(field, css) | {"id": field.auto_id}))


def _select(field, widget) -> str:
    # Not widget.get_context(): it builds a dict per option (and Django renders a template per option).
    selected = {str(v) for v in widget.format_value(field.value())}
    attrs = _widget_attrs(field, widget, "select form-select")
    if widget.allow_multiple_selected:
        attrs["multiple"] = True
    return format_html('<select name="{}"{}>{}</select>', field.html_name, flatatt(attrs),
                       mark_safe(_options(widget.choices, selected)))  # _options escaped them


def _input(field, widget, css: str) -> str:
    context = widget.get_context(field.html_name, field.value(), _widget_attrs(field, widget, css))["widget"]
    value = context["value"]
    value_attr = format_html(' value="{}"', value) if value not in (None, "") else ""
    return format_html('<input type="{}" name="{}"{}{}>', context["type"], field.html_name, value_attr,
                       flatatt(context["attrs"]))


def _label(field, css: str = "form-label") -> str:
    return format_html('<label for="{}" class="{}">{}</label>', field.auto_id, css, field.label)


@register.filter
def filter_field(field):
    widget = field.field.widget
    if isinstance(widget, forms.HiddenInput):
        return _input(field, widget, "")
    if isinstance(widget, forms.CheckboxInput):
        checked = widget.check_test(field.value())
        attrs = _widget_attrs(field, widget, "checkboxinput form-check-input")
        if checked:
            attrs["checked"] = True
        box = format_html('<input type="checkbox" name="{}"{}>', field.html_name, flatatt(attrs))
        return format_html('<div class="mb-3"><div id="div_{}" class="form-check">{}{}{}{}</div></div>',
                           field.auto_id, box, _label(field, "form-check-label"), _errors(field), _help(field))
    if isinstance(widget, forms.Select) and not isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        control = _select(field, widget)
    elif isinstance(widget, forms.widgets.Input) and widget.input_type in INPUT_CLASSES:
        control = _input(field, widget, f"{INPUT_CLASSES[widget.input_type]} form-control")
    else:
        from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field

        return as_crispy_field(field)
    return format_html('<div id="div_{}" class="mb-3">{}{}{}{}</div>', field.auto_id, _label(field), control,
                       _errors(field), _help(field))
