"""The exports of the portal: one class each, registered by the app that knows the rows (pretix's exporters).

An export is a subclass of ``Exporter`` decorated with ``@register``:

- ``identifier`` — the job's kind, stored on the job row and in its file name; never renamed;
- ``verbose_name`` / ``description`` — what the export page and the job list call it, in Russian;
- ``form_class`` — the parameters it takes on the export page (an ``ExportForm``: its fields, the JSON
  ``params`` it makes); ``None`` for an export requested from its own page (it then builds the params);
- ``permission`` — what the requester needs on the organisations the file covers (``registry.scoping``):
  ``Perm.VIEW`` for a district table; an organisation named in the params (``requested_organisation``)
  is looked up with ``get_visible_or_404`` — 404 outside the scope, 403 without the permission;
- ``personal`` — the file holds people's personal data: every download goes into the export log;
- ``sheets`` — the row generator: ``registry.xlsx.Sheet``s whose first row is the header.

The job around it (one model, one Celery task, one download page) is monitoring's
(``monitoring.exports``): it re-establishes the requester's scope when the task runs, instantiates the
class with that scope and the params, writes ``sheets()`` with the one writer (``registry.xlsx``) and
records the organisations the file covers (``organisations()``), checked again at download time.

The registry imports none of the other apps, so it knows no exporter but its own (``registry.export_bases``);
each app imports its exporters' modules in its ``AppConfig.ready``.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import ClassVar

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import xlsx
from registry.forms import CrispyMixin
from registry.listing import id_param
from registry.models import AcademicYear, Organisation
from registry.scoping import Perm, Scope, get_visible_or_404

Progress = Callable[[int, int], None]  # (done, total)
XLSX, CSV = "xlsx", "csv"
CONTENT_TYPES = {XLSX: xlsx.XLSX, CSV: xlsx.CSV}


class ExportError(Exception):
    """A failure the requester can understand and act on; its message is shown as it is."""


def total_label() -> str:
    return _("ИТОГО")


def chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def stream_organisations(organisations, chunk_size: int) -> tuple[Iterator, int | None]:
    """An iterator over the organisations (streamed with their municipality if a queryset) and their number
    if cheap to know (a list)."""
    if isinstance(organisations, models.QuerySet):
        return organisations.select_related("municipality").iterator(chunk_size=chunk_size), None
    organisations = list(organisations)
    return iter(organisations), len(organisations)


def count_of(organisations, known: int | None) -> int:
    return known if known is not None else organisations.count()


class ExportForm(CrispyMixin, forms.Form):
    """The parameters of exports on the export page. One form class may serve several exporters (the
    academic year of the district tables): it is shown once, for all of them."""

    #: The fields' part of the export page (none for an export without parameters).
    template_name_fields = "registry/exports/_no_parameters.html"
    #: Bound to the query string a list page hands over (``?kind=mentors&category=…``), not only to a POST.
    from_query = False

    def __init__(self, data=None, *, scope: Scope | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.scope = scope

    def requested_organisation(self) -> int | None:
        """An organisation asked for, as typed, whether or not the requester reaches it: outside the scope
        it is a 404, never a file of everything else (a choice field would silently drop it)."""
        return None

    def params(self) -> dict:
        """The job's parameters (JSON), once ``is_valid()``: equal requests make equal params."""
        return {}


class YearForm(ExportForm):
    template_name_fields = "registry/exports/_year.html"
    year = forms.ModelChoiceField(AcademicYear.objects.all(), to_field_name="start_year", empty_label=None,
                                  label=gettext_lazy("Учебный год"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = AcademicYear.objects.current().start_year

    def params(self) -> dict:
        return {"year": self.cleaned_data["year"].start_year}


def school_year(start: int) -> str:
    return _("%(start)s/%(end)s учебный год") % {"start": start, "end": start + 1}


class Exporter:
    identifier: ClassVar[str] = ""
    verbose_name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    form_class: ClassVar[type[ExportForm] | None] = None
    permission: ClassVar[Perm] = Perm.VIEW
    personal: ClassVar[bool] = False
    #: The downloaded file's name, before its year and date.
    file_title: ClassVar[str] = ""
    #: Where it comes in the export page's list and the jobs' sort by kind (apps register in any order).
    position: ClassVar[int] = 100
    #: The files it can be: XLSX always; CSV too for a one-sheet table another program reads (the params
    #: then say ``"format": "csv"``).
    formats: ClassVar[tuple[str, ...]] = (XLSX,)

    def __init__(self, scope: Scope, params: dict):
        self.scope = scope
        self.params = params

    # --- the request (class-level: no instance before the job runs) ---

    @classmethod
    def offered_to(cls, scope: Scope) -> bool:
        """Whether the export page offers it: it has a form, and the permission is held somewhere."""
        if cls.form_class is None or scope.is_empty:
            return False
        return cls.permission == Perm.VIEW or scope.editable_organisations(cls.permission).exists()

    @classmethod
    def requested_organisation(cls, params: dict) -> int | None:
        """The organisation the params name, if any (checked against the scope when requested and built)."""
        return id_param(params.get("organisation"))

    @classmethod
    def authorise(cls, request, params: dict, *, typed: int | None = None) -> None:
        """At request time, the scoping rule: an organisation outside the scope is a 404, one seen without
        the permission a 403 — the same answers as any page of that organisation. ``typed`` is the form's
        raw choice (``ExportForm.requested_organisation``)."""
        named = {typed, cls.requested_organisation(params)} - {None}
        for organisation in sorted(named):
            get_visible_or_404(Organisation, request, pk=organisation, perm=cls.permission)
        if not named and cls.permission != Perm.VIEW and not request.scope.editable_organisations(
                cls.permission).exists():
            raise PermissionDenied

    @classmethod
    def describe(cls, params: dict) -> str:
        """The parameters as a person reads them, for the job lists."""
        if "year" in params:
            return school_year(params["year"])
        return ""

    @classmethod
    def file_format(cls, params: dict) -> str:
        chosen = params.get("format", XLSX)
        return chosen if chosen in cls.formats else XLSX

    @classmethod
    def download_name(cls, params: dict, when: datetime.datetime) -> str:
        year = f" {params['year']}-{params['year'] + 1}" if "year" in params else ""
        return f"{cls.file_title or cls.verbose_name}{year} {when:%d.%m.%Y}.{cls.file_format(params)}"

    # --- the build (inside the requester's scope as it is when the job runs) ---

    def organisations(self):
        """The organisations the file may hold data of; the download checks the requester still reaches them."""
        if self.permission == Perm.VIEW:
            organisations = Organisation.objects.visible_to(self.scope).filter(is_active=True)
        else:
            organisations = self.scope.editable_organisations(self.permission)
        return organisations.order_by("municipality__name", "short_name", "pk")

    def organisation(self) -> Organisation:
        """The organisation the params name, if the requester still reaches it with the permission."""
        pk = self.requested_organisation(self.params)
        found = self.organisations().filter(pk=pk).select_related("municipality").first() if pk else None
        if found is None:
            raise ExportError(_("Организация выгрузки недоступна запросившему."))
        return found

    def year(self) -> AcademicYear:
        try:
            return AcademicYear.objects.get(start_year=self.params["year"])
        except (KeyError, TypeError, ValueError, AcademicYear.DoesNotExist):
            raise ExportError(_("Учебный год выгрузки не найден.")) from None

    def sheets(self, progress: Progress | None = None) -> Iterable[xlsx.Sheet]:
        raise NotImplementedError

    def build(self, progress: Progress | None = None):
        """The file, as an open temporary binary file positioned at its start."""
        chosen = self.file_format(self.params)
        handle = tempfile.TemporaryFile(suffix=f".{chosen}")
        try:
            if chosen == CSV:
                xlsx.write_csv(handle, next(iter(self.sheets(progress))))
            else:
                xlsx.write(handle, self.sheets(progress))
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        return handle


_registry: dict[str, type[Exporter]] = {}


def register(cls: type[Exporter]) -> type[Exporter]:
    """Class decorator: the exporter joins the registry under its identifier (once)."""
    if not cls.identifier or len(cls.identifier) > 30:  # ExportJob.kind's max_length
        raise ValueError(f"{cls.__name__}: an identifier of 1 to 30 characters")
    known = _registry.get(cls.identifier)
    if known is not None and known.__qualname__ != cls.__qualname__:
        raise ValueError(f"Two exporters named {cls.identifier!r}: {known.__qualname__}, {cls.__qualname__}")
    _registry[cls.identifier] = cls
    return cls


def get(identifier: str) -> type[Exporter]:
    try:
        return _registry[identifier]
    except KeyError:
        raise ExportError(_("Неизвестный вид выгрузки: %(kind)s.") % {"kind": identifier}) from None


def exporters() -> list[type[Exporter]]:
    """Every exporter, by ``position`` (then in the order they were registered)."""
    return sorted(_registry.values(), key=lambda cls: cls.position)


def identifiers() -> list[str]:
    return [cls.identifier for cls in exporters()]


def choices() -> list[tuple[str, str]]:
    """The kinds of ``ExportJob.kind`` (a callable: a new exporter needs no migration)."""
    return [(cls.identifier, cls.verbose_name) for cls in exporters()]


def personal() -> list[str]:
    """The kinds whose files hold people's personal data: downloads logged, files destroyed with the data."""
    return [cls.identifier for cls in exporters() if cls.personal]


def offered(scope: Scope) -> list[type[Exporter]]:
    return [cls for cls in exporters() if cls.offered_to(scope)]
