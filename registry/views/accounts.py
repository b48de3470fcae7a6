"""The second factor: confirming a login with a one-time code, and setting up the code generator.

Required for the municipal and regional roles (registry.security), offered to everyone on «Вход с кодом».
"""

import base64

import segno
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp import match_token

from registry import services
from registry.forms import CrispyMixin
from registry.scoping import own_records
from registry.security import NEEDS_CODE
from registry.selectors import has_confirmed_code_generator


class CodeForm(CrispyMixin, forms.Form):
    token = forms.RegexField(label=gettext_lazy("Код из приложения"), regex=r"^\s*\d{6}\s*$", max_length=12,
                             error_messages={"invalid": gettext_lazy("Код — шесть цифр из приложения.")},
                             widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                           "autofocus": True}))


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/"


@own_records
def otp_verify(request):
    """The one-time code after the password."""
    if not has_confirmed_code_generator(request.user):
        return redirect(f"{_url('otp_setup')}?next={_next(request)}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].strip())
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("token", _("Код не подошёл. Проверьте время на телефоне и введите новый код."))
    return render(request, "registration/otp_verify.html", {"form": form, "next": _next(request)})


@own_records
def otp_setup(request):
    """Connect a code generator (Яндекс Ключ, Google Authenticator…): scan the QR code, enter a code."""
    device = services.code_generator_to_confirm(by=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            services.confirm_code_generator(device, by=request.user)
            otp_login(request, device)
            request.session[NEEDS_CODE] = True
            messages.success(request, _("Вход с кодом подтверждения включён."))
            return redirect(_next(request))
        form.add_error("token", _("Код не подошёл. Проверьте время на телефоне и введите новый код."))
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "registration/otp_setup.html", {
        "form": form, "qr": qr, "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        "next": _next(request),
    })


def _url(name):
    from django.urls import reverse

    return reverse(name)
