"""Loading participants from a spreadsheet: template, upload, preview, commit. The work is in
``registry.spreadsheets``; these views only check who may do it and show the result."""

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import spreadsheets
from registry.forms import CrispyMixin
from registry.models import ParticipantImport
from registry.scoping import Perm, get_visible_or_404, read_only, requires

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


@read_only
def import_template(request):
    return FileResponse(spreadsheets.template_file(), as_attachment=True,
                        filename="Шаблон загрузки участников.xlsx", content_type=XLSX)


@requires(Perm.EDIT_REGISTRY)
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
        upload = form.save(commit=False)
        upload.original_name = request.FILES["file"].name[:255]
        upload.uploaded_by = request.user
        upload.save()
        return redirect("registry:import_preview", pk=upload.pk)
    recent = (
        ParticipantImport.objects.visible_to(request.scope)
        .filter(organisation__in=organisations)
        .select_related("organisation", "uploaded_by")[:10]
    )
    return render(request, "registry/import_upload.html", {
        "form": form, "recent": recent, "max_rows": spreadsheets.MAX_ROWS,
        "columns": spreadsheets.COLUMNS, "categories": spreadsheets.category_labels(),
    })


def _participant_list_url(participant_import) -> str:
    return f"{reverse('registry:participant_list')}?organisation={participant_import.organisation_id}"


@requires(Perm.EDIT_REGISTRY)
def import_preview(request, pk):
    participant_import = get_visible_or_404(
        ParticipantImport.objects.select_related("organisation", "uploaded_by"), request, pk=pk
    )
    committed = participant_import.status == ParticipantImport.Status.COMMITTED

    if request.method == "POST":
        try:
            created = spreadsheets.commit_import(participant_import, by=request.user)
        except spreadsheets.ImportAlreadyCommitted as refusal:
            messages.warning(request, refusal.message)
            return redirect(_participant_list_url(participant_import))
        except spreadsheets.ImportRejected as refusal:
            messages.error(request, refusal.message)
            preview = refusal.preview or spreadsheets.read_import(participant_import)
        else:
            messages.success(request, _("В реестр организации «%(organisation)s» добавлено участников: %(count)s.") % {
                "organisation": participant_import.organisation.short_name, "count": created})
            return redirect(_participant_list_url(participant_import))
    else:
        preview = None if committed else spreadsheets.read_import(participant_import)

    only_errors = request.GET.get("errors") == "1"
    rows = []
    if preview is not None:
        rows = preview.error_rows if only_errors else preview.rows
    return render(request, "registry/import_preview.html", {
        "upload": participant_import,
        "committed": committed,
        "preview": preview,
        "rows": rows,
        "only_errors": only_errors,
        "columns": spreadsheets.COLUMNS,
        "participant_list_url": _participant_list_url(participant_import),
    })
