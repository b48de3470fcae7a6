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

from monitoring import exports, jobs, lists, services
from monitoring.accounting_forms import PREFIX as ACCOUNTING_PREFIX
from monitoring.accounting_forms import AccountingFilterForm
from monitoring.models import ExportJob
from registry import audit
from registry.forms import CrispyMixin
from registry.listing import paginate
from registry.models import AcademicYear, Organisation
from registry.once import once
from registry.scoping import get_visible_or_404, own_records, read_only

PAGE_SIZE = 25
YEAR_KINDS = (ExportJob.Kind.STATISTICS, ExportJob.Kind.DISTRICT_MONITORING, ExportJob.Kind.ROADMAP_MATRIX)
BASE_KINDS = (ExportJob.Kind.MENTORS, ExportJob.Kind.MENTEES)


class ExportRequestForm(CrispyMixin, forms.Form):
    # One organisation's statistics form is requested from its own page (monitoring.views.statistics).
    kind = forms.ChoiceField(label=gettext_lazy("Что выгрузить"), choices=[
        choice for choice in ExportJob.Kind.choices if choice[0] != ExportJob.Kind.STATISTICS_FORM],
                             widget=forms.RadioSelect)
    year = forms.ModelChoiceField(AcademicYear.objects.all(), to_field_name="start_year", required=False,
                                  empty_label=None, label=gettext_lazy("Учебный год"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = AcademicYear.objects.current().start_year

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") in YEAR_KINDS and not cleaned.get("year"):
            self.add_error("year", _("Выберите учебный год."))
        return cleaned


def _job(request, pk) -> ExportJob:
    """The one lookup: the requester's own job (any job for a superuser); 404 for everyone else,
    and for a requester who no longer reaches any organisation."""
    if request.scope.is_empty:
        raise Http404
    return get_object_or_404(ExportJob.objects.for_user(request.user), pk=pk)


def _downloadable(job: ExportJob, now=None) -> bool:
    now = now or timezone.now()
    return job.status == ExportJob.Status.DONE and bool(job.file) and bool(job.expires_at) and job.expires_at > now


@own_records
@once
def export_list(request):
    can_request = not request.scope.is_empty
    data = request.POST if request.method == "POST" else None
    initial_kind = request.GET.get("kind")
    form = ExportRequestForm(data, initial={"kind": initial_kind if initial_kind in ExportJob.Kind.values
                                            else ExportJob.Kind.STATISTICS})
    # The registry list's filters: this page's POST, or the list page's query string handed over
    # (``?kind=mentors&category=…``).
    if data is not None:
        filter_data = data
    elif initial_kind in BASE_KINDS:
        filter_data = request.GET
    else:
        filter_data = None
    filters, filterset = exports.clean_base_filters(filter_data, request.scope)
    # The quarterly accounting's own filters, prefixed: its page's «XLSX» button hands them over.
    accounting = AccountingFilterForm(data if data is not None else (
        request.GET if initial_kind == ExportJob.Kind.ACCOUNTING else None), scope=request.scope,
        prefix=ACCOUNTING_PREFIX)
    if request.method == "POST":
        if not can_request:
            raise PermissionDenied
        if form.is_valid() and (form.cleaned_data["kind"] not in BASE_KINDS or filterset.is_valid()):
            kind = form.cleaned_data["kind"]
            if kind in YEAR_KINDS:
                params = {"year": form.cleaned_data["year"].start_year}
            elif kind == ExportJob.Kind.ACCOUNTING:
                requested = accounting.requested_organisation()
                if requested is not None:  # outside the scope: 404, never a file of everything else
                    get_visible_or_404(Organisation, request, pk=requested)
                params = {"quarter": accounting.chosen_quarter().param,
                          "filters": accounting.filters().as_params()}
            else:
                params = {"filters": filters}
            try:
                job = exports.request_export(user=request.user, kind=kind, params=params)
            except exports.DuplicateExport as refused:
                messages.error(request, _("Такая выгрузка уже готовится — дождитесь её, повторный запрос не нужен."))
                if refused.job is not None:
                    return redirect(refused.job)
                return redirect("monitoring:export_list")
            return redirect(job)  # the task is sent after the commit (monitoring.jobs.enqueue)
    jobs, chosen = lists.filter_export_jobs(ExportJob.objects.filter(requested_by=request.user), request.GET)
    listing = paginate(request, jobs, sorts=lists.EXPORT_SORTS, default="-created", page_size=PAGE_SIZE)
    now = timezone.now()
    for job in listing.rows:
        job.downloadable = _downloadable(job, now)
        job.description = exports.describe_params(job.params)
        job.waiting = waiting_state(job)
    return render(request, "monitoring/exports/list.html", {
        "form": form, "filter": filterset, "listing": listing, "jobs_filter": chosen, "can_request": can_request,
        "accounting": accounting,
        "year_kinds": list(YEAR_KINDS), "base_kinds": list(BASE_KINDS),
        "kinds": ExportJob.Kind.choices, "statuses": ExportJob.Status.choices,
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
        "job": job, "downloadable": _downloadable(job), "description": exports.describe_params(job.params),
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
            "job": job, "reason": reason, "description": exports.describe_params(job.params),
            "filters": (job.params.get("filters") or {}).items(),
        }, status=410 if reason == "expired" else 404)
    if job.kind in ExportJob.PERSONAL_KINDS:
        audit.record_export(title=job.get_kind_display(), rows=None, scope=request.scope, instance=job)
    return FileResponse(handle, as_attachment=True, filename=exports.download_name(job), content_type=exports.XLSX)
