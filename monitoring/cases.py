"""Writes of the base of best practices (кейсы): a case and its files, saved together."""

from django.db import transaction

from monitoring.models import BestPractice


@transaction.atomic
def save_case(form, *, pair=None, by) -> BestPractice:
    """A new case (written by ``by``, from ``pair`` when given) or a changed one, with its files."""
    if form.instance.pk:
        return form.save()
    case = form.save(commit=False)
    case.created_by = by
    case.pair = pair
    case.save()
    form.save_files()
    return case
