"""Loading participants from a spreadsheet: template, upload, preview, commit. The work is in
``registry.imports``; these views only check who may do it and show the result.

The upload stores the file and the import row and sends the check to a Celery task once the row is
committed (in-process without a broker); the preview page shows «Файл проверяется…» until the stored
preview is there."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import services
from registry import tasks
from registry.imports import columns, service
from registry.imports.template import template_file
from registry.forms import CrispyMixin
from registry.models import ParticipantImport
from registry.models.imports import file_sha256
from registry.once import once
from registry.scoping import Perm, get_visible_or_404, read_only, requires
from registry.selectors import committed_import_of_file, recent_imports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportUploadForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = ParticipantImport
        fields = ["organisation", "file"]
        labels = {"file": gettext_lazy("Файл Excel (.xlsx)")}
        help_texts = {"file": gettext_lazy("Заполненный шаблон. Не больше 5 000 участников в одном файле.")}

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].label = _("В реестр организации")
        self.fields["file"].widget = forms.FileInput(attrs={"accept": ".xlsx"})
        if organisations.count() == 1:
            self.fields["organisation"].disabled = True
            self.initial["organisation"] = organisations.first()

    def clean(self):
        """The same file (by its bytes) already put into this organisation's registry is refused, naming
        the import that did it."""
        cleaned = super().clean()
        upload, organisation = cleaned.get("file"), cleaned.get("organisation")
        if upload and organisation and not self.has_error("file"):
            self.instance.sha256 = file_sha256(upload)
            earlier = committed_import_of_file(organisation.pk, self.instance.sha256)
            if earlier is not None:
                self.add_error("file", service.already_committed_message(earlier))
        return cleaned


@read_only
def import_template(request):
    return FileResponse(template_file(), as_attachment=True,
                        filename="Шаблон загрузки участников.xlsx", content_type=XLSX)


def _send_check(request, import_id: int) -> None:
    if not tasks.send_participant_import(import_id):
        messages.info(request, _("Файл сохранён. Проверка файла начнётся в ближайшее время — эту страницу можно "
                                 "обновить позже или вернуться к ней из списка загрузок."))


@requires(Perm.EDIT_REGISTRY)
@once
def import_upload(request):
    # The form offers only these: whatever it accepts may be written.
    organisations = request.scope.editable_organisations(request.required_permission)
    if not organisations.exists():
        raise Http404
    initial = {}
    if request.GET.get("organisation", "").isdigit():
        initial["organisation"] = organisations.filter(pk=request.GET["organisation"]).first()
    form = ImportUploadForm(request.POST or None, request.FILES or None, organisations=organisations, initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            upload = services.start_import(form.save(commit=False), original_name=request.FILES["file"].name,
                                           by=request.user)
            # Sent once the row is there for the worker to find; without a broker the check runs here. The
            # commit may be the one-time token's, after this view has returned (``registry.once``): the
            # callback itself says when the broker did not answer (in tests, the callbacks may run later).
            transaction.on_commit(lambda: _send_check(request, upload.pk))
        return redirect("registry:import_preview", pk=upload.pk)
    return render(request, "registry/import_upload.html", {
        "form": form, "recent": recent_imports(request.scope, organisations, limit=10), "max_rows": columns.MAX_ROWS,
        "columns": columns.COLUMNS, "categories": columns.category_labels(),
    })


def _participant_list_url(participant_import) -> str:
    return f"{reverse('registry:participant_list')}?organisation={participant_import.organisation_id}"


@requires(Perm.EDIT_REGISTRY)
@once
def import_preview(request, pk):
    participant_import = get_visible_or_404(
        ParticipantImport.objects.select_related("organisation", "uploaded_by", "committed_by"), request, pk=pk
    )
    preview = None

    if request.method == "POST":
        try:
            created = service.commit_import(participant_import, by=request.user)
        except service.ImportAlreadyCommitted as refusal:
            # A second click, or a second tab: the first commit's result is on the page.
            messages.warning(request, refusal.message)
            return redirect("registry:import_preview", pk=participant_import.pk)
        except service.ImportRejected as refusal:
            messages.error(request, refusal.message)
            participant_import.refresh_from_db()
            preview = refusal.preview
        else:
            messages.success(request, _("Реестр организации «%(organisation)s» обновлён: добавлено участников — "
                                        "%(created)s, обновлено — %(updated)s.") % {
                "organisation": participant_import.organisation.short_name, "created": created,
                "updated": participant_import.rows_updated})
            return redirect(_participant_list_url(participant_import))

    status = participant_import.status
    committed = status == ParticipantImport.Status.COMMITTED
    checked = status == ParticipantImport.Status.CHECKED
    if preview is None and checked:
        preview = service.stored_preview(participant_import)
    earlier = None
    if checked and preview is not None and preview.can_commit:
        earlier = committed_import_of_file(participant_import.organisation_id, participant_import.sha256,
                                           exclude_pk=participant_import.pk)

    only_errors = request.GET.get("errors") == "1"
    rows = []
    if preview is not None:
        rows = preview.error_rows if only_errors else preview.rows
    return render(request, "registry/import_preview.html", {
        "upload": participant_import,
        "committed": committed,
        "in_progress": participant_import.in_progress,
        "failed": status == ParticipantImport.Status.FAILED or participant_import.stalled,
        # A FAILED check says why; a stalled one was killed by the time limit.
        "failure": participant_import.parse_error or service.PARSE_TIMED_OUT,
        "preview": preview,
        "earlier": service.already_committed_message(earlier) if earlier else "",
        "rows": rows,
        "only_errors": only_errors,
        "columns": columns.COLUMNS,
        "participant_list_url": _participant_list_url(participant_import),
    })
