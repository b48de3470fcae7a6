"""An organisation's federal statistics (by 30 December): its deadline from the roadmap, the form built as
an export job, and the submissions recorded — who sent which file, when. The organisation is looked up
through the scope (404 outside it); requesting and submitting need Perm.PREPARE_REPORT on it."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring import exports, selectors, statistics_form
from monitoring.models import ExportJob, StatisticsSubmission
from registry import selectors as registry_selectors
from registry.files import serve_stored
from registry.models import AcademicYear, Organisation
from registry.once import once
from registry.scoping import Perm, get_visible_or_404, read_only, requires


class SubmitForm(forms.Form):
    job = forms.ModelChoiceField(ExportJob.objects.none(), label=gettext_lazy("Файл формы"), empty_label=None)
    note = forms.CharField(label=gettext_lazy("Примечание"), max_length=300, required=False)

    def __init__(self, *args, jobs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["job"].queryset = jobs
        self.fields["job"].label_from_instance = lambda job: _("сформирована %(when)s") % {
            "when": job.finished_at.strftime("%d.%m.%Y %H:%M")}


def _year(request) -> AcademicYear:
    value = request.GET.get("year") or request.POST.get("year") or ""
    year = selectors.academic_year_of(int(value)) if value.isdigit() and len(value) == 4 else None
    return year or AcademicYear.objects.current()


def _page(organisation, year) -> str:
    return reverse("monitoring:statistics", args=[organisation.pk]) + f"?year={year.start_year}"


@read_only
def statistics_page(request, pk):
    organisation = get_visible_or_404(Organisation.objects.select_related("municipality"), request, pk=pk)
    year = _year(request)
    can_submit = request.scope.can(Perm.PREPARE_REPORT, organisation)
    jobs = statistics_form.submittable_jobs(request.user, organisation, year)
    return render(request, "monitoring/statistics/page.html", {
        "organisation": organisation, "year": year, "years": registry_selectors.academic_years(),
        "deadline": statistics_form.deadline_occurrence(organisation, year),
        "due_on": statistics_form.due_on(organisation, year),
        "preview": list(statistics_form.rows(organisation, year)),
        "submissions": selectors.statistics_submissions(organisation, academic_year=year),
        "can_submit": can_submit, "form": SubmitForm(jobs=jobs) if can_submit else None, "has_jobs": jobs.exists(),
    })


@requires(Perm.PREPARE_REPORT)
@once
def statistics_request(request, pk):
    organisation = get_visible_or_404(Organisation, request, pk=pk)
    year = _year(request)
    if request.method != "POST":  # the page has the form (and a refused repeat comes back here)
        return redirect(_page(organisation, year))
    try:
        job = exports.request_export(user=request.user, kind=statistics_form.StatisticsFormExport.identifier,
                                     params=statistics_form.params_for(organisation, year))
    except exports.DuplicateExport as refused:
        messages.error(request, _("Такая выгрузка уже готовится — дождитесь её, повторный запрос не нужен."))
        return redirect(refused.job or _page(organisation, year))
    return redirect(job)


@requires(Perm.PREPARE_REPORT)
@once
def statistics_submit(request, pk):
    organisation = get_visible_or_404(Organisation, request, pk=pk)
    year = _year(request)
    if request.method != "POST":  # the page has the form (and a refused repeat comes back here)
        return redirect(_page(organisation, year))
    form = SubmitForm(request.POST, jobs=statistics_form.submittable_jobs(request.user, organisation, year))
    if not form.is_valid():
        messages.error(request, _("Выберите сформированный файл формы: сначала сформируйте его."))
        return redirect(_page(organisation, year))
    try:
        statistics_form.submit(job=form.cleaned_data["job"], organisation=organisation, year=year, by=request.user,
                               note=form.cleaned_data["note"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Сдача формы статистики записана."))
    return redirect(_page(organisation, year))


@read_only
def statistics_file(request, pk):
    submission = get_visible_or_404(StatisticsSubmission.objects.select_related("organisation", "academic_year"),
                                    request, pk=pk)
    return serve_stored(submission.file, filename=f"Форма статистики {submission.organisation.short_name} "
                                                  f"{submission.academic_year.start_year}.xlsx")
