"""Double submit is harmless: a one-time token on every form that creates something.

A double click on «Сохранить», a reload of the answer to a POST, the same form sent from a second tab:
each sends the same form twice. The template puts ``{% once_field %}`` (``{% load once %}``) inside the
``<form>``, a hidden ``once`` input with a fresh random token; the view that receives the form is
declared ``@once``, under its ``@requires(…)``/``@own_records`` (which it does not replace):

* GET, HEAD — nothing happens here.
* POST with a token — claimed in one transaction with the view itself. The first POST inserts the
  ``SubmittedForm`` row (its token is unique) and runs the view. When the view answers with a redirect
  (or names its result with ``show_result``), the row keeps where it led and what was created, and is
  committed with everything the view wrote; otherwise — the form shown again with its errors — the row is
  dropped and the token may be sent again. A second POST of the same token waits for the first one's
  transaction (the unique index on PostgreSQL, the write lock on SQLite), then finds the row: the view is
  not run again, the user is redirected to the first POST's result with «Форма уже была отправлена —
  показан результат».
* POST without a token (a page opened before this mechanism, a script) is not processed: the view answers
  it as a GET — its own permission checks, declared for the POST, still apply — so the user sees the form
  again, empty, with status 400 and the message ``REFUSED``.

Tokens are kept ``KEEP`` (a day): older rows go on the user's next POST and in ``forget_old``, run daily
(``registry.tasks.forget_submitted_forms``).
"""

from __future__ import annotations

import datetime
import re
import secrets
from contextvars import ContextVar
from functools import wraps

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.http import QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from registry.models import SubmittedForm

FIELD = "once"
KEEP = datetime.timedelta(days=1)
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
MAX_CREATED = 50


def new_token() -> str:
    return secrets.token_urlsafe(24)


def repeated_message() -> str:
    return _("Форма уже была отправлена — показан результат")


def refused_message() -> str:
    return _("Форма пришла без действующей одноразовой отметки, поэтому ничего не сохранено (страница могла "
             "устареть). Форма открыта заново: заполните её и отправьте ещё раз.")


# --- what the first POST created ---------------------------------------------------------------------

_created: ContextVar[list | None] = ContextVar("once_created", default=None)


def _record_created(sender, instance, created, raw=False, **kwargs):
    rows = _created.get()
    if rows is None or not created or raw or sender is SubmittedForm or len(rows) >= MAX_CREATED:
        return
    rows.append(f"{instance._meta.label}:{instance.pk}")


post_save.connect(_record_created, dispatch_uid="registry.once.created")


# --- the view's side ---------------------------------------------------------------------------------


def show_result(request, url: str) -> None:
    """For a view that answers a successful POST with a page, not a redirect (the links just issued):
    ``url`` is where a repeated POST of the same form is sent to see that result."""
    request.once_result = url


def once(view):
    """Declare a view that creates something: a POST needs a one-time token, honoured once (module doc)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "POST" or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        token = request.POST.get(FIELD, "")
        if not TOKEN.fullmatch(token):
            return _refuse(view, request, args, kwargs)
        with transaction.atomic():
            claim, first = _claim(request, token)
            if claim is None or claim.user_id != request.user.pk:
                return _refuse(view, request, args, kwargs)
            if not first:
                return _repeat(request, claim)
            rows: list[str] = []
            recording = _created.set(rows)
            try:
                response = view(request, *args, **kwargs)
            finally:
                _created.reset(recording)
            result = getattr(request, "once_result", None) or _location(response)
            if result:
                claim.result_url = result[:500]
                claim.created = rows
                claim.save(update_fields=["result_url", "created"])
            else:
                claim.delete()  # nothing done (the form has errors): the same token may come again
        return response

    wrapped.once = True
    return wrapped


def _claim(request, token: str) -> tuple[SubmittedForm | None, bool]:
    """The row of ``token`` and whether this POST is the first: inserted now, or the one a first POST left."""
    try:
        with transaction.atomic():
            claim = SubmittedForm.objects.create(token=token, user=request.user, path=request.path[:500])
    except IntegrityError:
        # Another POST of the same form got here first; its transaction has ended (the insert waited).
        return SubmittedForm.objects.filter(token=token).first(), False
    SubmittedForm.objects.filter(user=request.user, created_at__lt=timezone.now() - KEEP).delete()
    return claim, True


def _location(response) -> str:
    if 300 <= response.status_code < 400 and response.has_header("Location"):
        return response["Location"]
    return ""


def _repeat(request, claim: SubmittedForm):
    messages.info(request, repeated_message())
    return redirect(claim.result_url or request.get_full_path())


def _refuse(view, request, args, kwargs):
    """Not processed: the view answers as to a GET (its checks, declared for the POST, still apply)."""
    messages.error(request, refused_message())
    request.method = "GET"
    request._post, request._files = QueryDict(), MultiValueDict()
    response = view(request, *args, **kwargs)
    if response.status_code == 200:
        response.status_code = 400
    return response


def forget_old(now=None) -> int:
    """Remove the tokens older than ``KEEP``; the number removed."""
    now = now or timezone.now()
    deleted, _by_model = SubmittedForm.objects.filter(created_at__lt=now - KEEP).delete()
    return deleted


# --- a unique constraint hit by a race ---------------------------------------------------------------


def save_unique(form, save, message: str):
    """``save()`` inside its own savepoint; when a unique constraint refuses it (someone saved the same
    between the form's check and this save), ``message`` becomes the form's error and None is returned,
    never a 500."""
    try:
        with transaction.atomic():
            return save()
    except IntegrityError:
        form.add_error(None, message)
        return None
