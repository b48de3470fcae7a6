"""One organisation's federal statistics: the participants of its mentoring programme by category and form
(seed 002: «информацию о количестве участников программы (системы) наставничества … в соответствующую
форму федерального статистического наблюдения», by 30 December, to the regional mentoring centre).

The form: a line per form of mentoring (every form in use, numbered as the form's lines are), columns
for mentors and for mentees — all, students, teachers (young specialists included), of them young
specialists, other participants (parents, graduates, employers) — and the participants in all; the last
line counts every person once whatever the forms they took part in, so it is not the sum of the lines.
Who counts is ``monitoring.exports``' rule: a pair of the year that worked (``figures.WORKED``).

Built as an export job (``StatisticsFormExport``, kind ``statistics_form``, params ``year`` and
``organisation``, requested from the organisation's statistics page); ``submit`` records the file sent, who sent it and when, and marks the
roadmap's «не позднее 30 декабря» done.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring import statistics_export as exports
from monitoring.models import ExportJob, StatisticsSubmission
from registry import xlsx
from registry.exporters import Exporter, Progress, register
from registry.models import AcademicYear, Organisation, Participant
from registry.scoping import Perm
from roadmaps.models import FEDERAL_STATISTICS, Occurrence

YOUNG = Participant.Category.YOUNG_SPECIALIST


def header() -> list[str]:
    columns = [_("Организация"), _("№ строки"), _("Форма наставничества")]
    for role in (_("Наставники"), _("Наставляемые")):
        columns += [
            _("%(role)s: всего") % {"role": role},
            _("%(role)s: обучающиеся") % {"role": role},
            _("%(role)s: педагоги (включая молодых специалистов)") % {"role": role},
            _("%(role)s: в т. ч. молодые специалисты") % {"role": role},
            _("%(role)s: иные (родители, выпускники, работодатели)") % {"role": role},
        ]
    columns.append(_("Участников программы всего"))
    return columns


def _by_category(people: set, categories: dict) -> list[int]:
    of = [categories[person] for person in people]
    return [len(of), sum(c in exports.STUDENTS for c in of), sum(c in exports.TEACHERS for c in of),
            sum(c == YOUNG for c in of), sum(c in exports.OTHERS for c in of)]


def rows(organisation: Organisation, year: AcademicYear):
    """The header, a line per form, and the line «всего» (each person once). Four queries."""
    forms = exports.statistics_forms(year)
    data = exports._statistics_chunk([organisation.pk], year)[organisation.pk]
    categories = data["people"]
    yield header()
    for number, form in enumerate(forms, start=1):
        mentors, mentees = data["mentors"].get(form.pk, set()), data["mentees"].get(form.pk, set())
        yield ([organisation.short_name, number, form.name] + _by_category(mentors, categories)
               + _by_category(mentees, categories) + [len(mentors | mentees)])
    all_mentors = set().union(*data["mentors"].values())
    all_mentees = set().union(*data["mentees"].values())
    yield xlsx.TotalRow([organisation.short_name, len(forms) + 1, _("Всего (каждый участник один раз)")]
                           + _by_category(all_mentors, categories) + _by_category(all_mentees, categories)
                           + [len(categories)])


def params_for(organisation: Organisation, year: AcademicYear) -> dict:
    return {"year": year.start_year, "organisation": organisation.pk}


@register
class StatisticsFormExport(Exporter):
    identifier = "statistics_form"
    position = 70
    verbose_name = gettext_lazy("Форма статистики организации: участники по категориям и формам")
    description = gettext_lazy("Форма федерального статистического наблюдения одной организации.")
    file_title = gettext_lazy("Форма статистики")
    permission = Perm.PREPARE_REPORT  # requested from the organisation's statistics page, not the export page

    @classmethod
    def describe(cls, params: dict) -> str:
        name = Organisation.objects.filter(pk=params.get("organisation")).values_list("short_name", flat=True).first()
        return _("%(organisation)s, %(start)s/%(end)s учебный год") % {
            "organisation": name or "—", "start": params["year"], "end": params["year"] + 1}

    def organisations(self):
        """Only the organisation of the form, if the requester still prepares its reports."""
        return super().organisations().filter(pk=self.requested_organisation(self.params))

    def sheets(self, progress: Progress | None = None):
        organisation, year = self.organisation(), self.year()
        yield xlsx.Sheet(title=_("Форма статистики %(year)s") % {"year": str(year).replace("/", "-")},
                         rows=rows(organisation, year), widths=lambda columns: [26, 8, 34] + [15] * (len(columns) - 3),
                         freeze="B2")
        if progress:
            progress(1, 1)


# --- the deadline and the submission ---------------------------------------------------------------------


def deadline_occurrence(organisation: Organisation, year: AcademicYear) -> Occurrence | None:
    """The roadmap's «не позднее 30 декабря» falling in the academic year (a calendar plan's too)."""
    return (Occurrence.objects.filter(item__code=FEDERAL_STATISTICS, item__is_removed=False,
                                      item__roadmap__organisation=organisation,
                                      due_on__range=(year.starts_on, year.ends_on))
            .exclude(status=Occurrence.Status.CANCELLED).select_related("item__roadmap").order_by("due_on").first())


def due_on(organisation: Organisation, year: AcademicYear) -> datetime.date:
    occurrence = deadline_occurrence(organisation, year)
    return occurrence.due_on if occurrence else datetime.date(year.start_year, 12, 30)


def submittable_jobs(user, organisation: Organisation, year: AcademicYear):
    """The requester's finished forms of this organisation and year whose file is still kept."""
    return (ExportJob.objects.filter(requested_by=user, kind=StatisticsFormExport.identifier,
                                     status=ExportJob.Status.DONE, params_key=ExportJob.key_for(
                                         params_for(organisation, year)), expires_at__gt=timezone.now())
            .exclude(file="").order_by("-finished_at"))


@transaction.atomic
def submit(*, job: ExportJob, organisation: Organisation, year: AcademicYear, by, note: str = "") -> StatisticsSubmission:
    """The form sent: the job's file copied to be kept, who and when recorded, the roadmap's deadline done."""
    if job.kind != StatisticsFormExport.identifier or job.params != params_for(organisation, year) or not job.file:
        raise ValidationError(_("Эта выгрузка — не форма статистики этой организации за этот год."))
    with job.file.open("rb") as handle:
        content = handle.read()
    now = timezone.now()
    submission = StatisticsSubmission(organisation=organisation, academic_year=year, export=job, submitted_by=by,
                                      submitted_at=now, note=note.strip())
    submission.file.save(f"form-{year.start_year}-{now:%Y%m%d%H%M%S}.xlsx", ContentFile(content), save=False)
    occurrence = deadline_occurrence(organisation, year)
    if occurrence is not None and occurrence.status != Occurrence.Status.DONE:
        from roadmaps import services as roadmap_services

        roadmap_services.report_progress(
            occurrence, status=Occurrence.Status.DONE, done_on=timezone.localdate(), by=by,
            evidence=_("Форма статистики направлена: %(recipient)s, %(when)s")
            % {"recipient": submission.recipient, "when": timezone.localtime(now).strftime("%d.%m.%Y %H:%M")})
    submission.occurrence = occurrence
    submission.save()
    return submission
