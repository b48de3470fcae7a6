"""Exports as jobs: request one, watch its progress, download the file (requester or superuser only)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from monitoring import exports, jobs, lists, selectors, services
from monitoring.models import ExportJob
from registry import audit, exporters
from registry.listing import paginate
from registry.once import once
from registry.scoping import own_records, read_only

PAGE_SIZE = 25


class ExportRequestForm(forms.Form):
    """Which export: the exporters the requester may ask for here (``registry.exporters.offered``)."""

    kind = forms.ChoiceField(label=gettext_lazy("Что выгрузить"), widget=forms.RadioSelect)
    # Offered only with the exporters that can be CSV (``Exporter.formats``); XLSX otherwise.
    format = forms.ChoiceField(label=gettext_lazy("Файл"), required=False, widget=forms.RadioSelect,
                               initial=exporters.XLSX, choices=[
                                   (exporters.XLSX, gettext_lazy("XLSX (Excel)")),
                                   (exporters.CSV, gettext_lazy("CSV (текст, значения через «;»)"))])

    def __init__(self, *args, offered, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(cls.identifier, cls.verbose_name) for cls in offered]


def parameter_forms(request, offered, data, initial_kind: str) -> list[tuple[list[str], object]]:
    """One form per form class, shown once for every exporter that takes it: (their kinds, the form). A
    form bound to the list page's query string handed over (``?kind=mentors&…``) when it is that form's."""
    kinds: dict[type, list[str]] = {}
    for cls in offered:
        if cls.form_class is not None:
            kinds.setdefault(cls.form_class, []).append(cls.identifier)
    made = []
    for form_class, identifiers in kinds.items():
        bound = data if data is not None else (
            request.GET if form_class.from_query and initial_kind in identifiers else None)
        made.append((identifiers, form_class(bound, scope=request.scope)))
    return made


def _job(request, pk) -> ExportJob:
    """The one lookup: the requester's own job (any job for a superuser); 404 for everyone else,
    and for a requester who no longer reaches any organisation."""
    if request.scope.is_empty:
        raise Http404
    return get_object_or_404(selectors.reachable_export_jobs(request.user), pk=pk)


def _downloadable(job: ExportJob, now=None) -> bool:
    now = now or timezone.now()
    return job.status == ExportJob.Status.DONE and bool(job.file) and bool(job.expires_at) and job.expires_at > now


@own_records
@once
def export_list(request):
    can_request = not request.scope.is_empty
    offered = exporters.offered(request.scope)
    data = request.POST if request.method == "POST" else None
    initial_kind = request.GET.get("kind", "")
    known = [cls.identifier for cls in offered]
    form = ExportRequestForm(data, offered=offered,
                             initial={"kind": initial_kind if initial_kind in known else (known or [""])[0]})
    forms_by_kinds = parameter_forms(request, offered, data, initial_kind)
    if request.method == "POST":
        if not can_request:
            raise PermissionDenied
        if form.is_valid():
            exporter = exporters.get(form.cleaned_data["kind"])
            params_form = next(f for kinds, f in forms_by_kinds if exporter.identifier in kinds)
            if params_form.is_valid():
                params = params_form.params()
                if form.cleaned_data.get("format") == exporters.CSV and exporters.CSV in exporter.formats:
                    params["format"] = exporters.CSV
                # An organisation outside the scope: 404, never a file of everything else.
                exporter.authorise(request, params, typed=params_form.requested_organisation())
                try:
                    job = exports.request_export(user=request.user, kind=exporter.identifier, params=params)
                except exports.DuplicateExport as refused:
                    messages.error(request, _("Такая выгрузка уже готовится — дождитесь её, повторный запрос не "
                                              "нужен."))
                    return redirect(refused.job or "monitoring:export_list")
                return redirect(job)  # the task is sent after the commit (monitoring.jobs.enqueue)
    jobs, chosen = lists.filter_export_jobs(selectors.requested_export_jobs(request.user), request.GET)
    listing = paginate(request, jobs, sorts=lists.EXPORT_SORTS, default="-created", page_size=PAGE_SIZE)
    now = timezone.now()
    for job in listing.rows:
        job.downloadable = _downloadable(job, now)
        job.description = exports.describe(job)
        job.waiting = waiting_state(job)
    return render(request, "monitoring/exports/list.html", {
        "form": form, "parameter_forms": forms_by_kinds, "listing": listing, "jobs_filter": chosen,
        "can_request": can_request, "kinds": exporters.choices(),
        "descriptions": [(cls.identifier, cls.description) for cls in offered],
        "csv_kinds": [cls.identifier for cls in offered if exporters.CSV in cls.formats], "statuses": ExportJob.Status.choices,
    })


def waiting_state(job: ExportJob) -> str:
    """What a pending or running job is waiting for, in the requester's words (see monitoring.jobs)."""
    if job.status == ExportJob.Status.PENDING:
        if job.enqueued_at is None:
            return _("ожидает отправки в очередь: сервер очередей сейчас недоступен, задание будет отправлено "
                     "автоматически")
        return _("в очереди: ждёт свободного обработчика")
    if job.status == ExportJob.Status.RUNNING and not jobs.is_live(job):
        return _("обработчик не отвечает: задание будет перезапущено автоматически")
    return ""


@read_only
def export_detail(request, pk):
    job = _job(request, pk)
    return render(request, "monitoring/exports/detail.html", {
        "job": job, "downloadable": _downloadable(job), "description": exports.describe(job),
        "in_progress": job.status in (ExportJob.Status.PENDING, ExportJob.Status.RUNNING),
        "waiting": waiting_state(job), "max_attempts": jobs.MAX_ATTEMPTS,
    })


@own_records
@require_POST
def export_cancel(request, pk):
    job = _job(request, pk)
    if services.cancel_job(job, by=request.user):
        messages.info(request, _("Выгрузка отменена."))
    return redirect(job)


@own_records
@require_POST
def export_retry(request, pk):
    job = _job(request, pk)
    try:
        retried = services.retry_job(job, by=request.user)
    except IntegrityError:
        retried = False
        messages.error(request, _("Такая же выгрузка уже готовится — дождитесь её."))
    if retried:
        messages.success(request, _("Выгрузка поставлена в очередь заново."))
    return redirect(job)


@read_only
def export_status(request, pk):
    job = _job(request, pk)
    return JsonResponse({
        "status": job.status,
        "status_display": job.get_status_display(),
        "progress": job.progress,
        "waiting": waiting_state(job),
        "download_url": reverse("monitoring:export_download", args=[job.pk]) if _downloadable(job) else None,
        "error": job.error if job.status == ExportJob.Status.FAILED else "",
    })


@read_only
def export_download(request, pk):
    job = _job(request, pk)
    if job.status in (ExportJob.Status.PENDING, ExportJob.Status.RUNNING):
        return redirect(job)
    reason = None
    if job.status == ExportJob.Status.FAILED:
        reason = "failed"
    elif not _downloadable(job):
        reason = "expired"
    elif not exports.still_covered(job, request.scope):
        reason = "scope"  # the requester's role changed since: the file holds what they may no longer see
    else:
        try:
            handle = job.file.open("rb")
        except FileNotFoundError:
            reason = "missing"
    if reason:
        return render(request, "monitoring/exports/unavailable.html", {
            "job": job, "reason": reason, "description": exports.describe(job),
            "filters": (job.params.get("filters") or {}).items(),
        }, status=410 if reason == "expired" else 404)
    if job.kind in exporters.personal():
        audit.record_export(title=job.get_kind_display(), rows=None, scope=request.scope, instance=job)
    return FileResponse(handle, as_attachment=True, filename=exports.download_name(job), content_type=exports.content_type(job))
