"""The district monitoring table: ``monitoring.figures.compute`` per organisation, ``figures.total`` as the
last row. The organisations are walked in chunks with a fixed number of grouped queries per chunk, so
memory and queries per organisation stay flat.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring import figures as monitoring_figures
from registry import xlsx
from registry.exporters import (Exporter, Progress, YearForm, chunks, count_of, register, stream_organisations,
                                total_label)
from registry.models import AcademicYear

MONITORING_CHUNK = 50  # organisations per figures.compute call


def _get(figures: dict, path: str):
    value = figures
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


# (title, path in the figures of monitoring.figures.compute / figures.total)
MONITORING_COLUMNS: tuple[tuple[str, str], ...] = (
    (gettext_lazy("Участников в реестре"), "participants_total"),
    (gettext_lazy("Участников программы"), "in_programme"),
    (gettext_lazy("Обучающихся в программе"), "coverage.students"),
    (gettext_lazy("Обучающихся всего (база охвата)"), "coverage.students_base"),
    (gettext_lazy("Охват обучающихся, %"), "coverage.students_percent"),
    (gettext_lazy("Цель по обучающимся, %"), "coverage.students_target"),
    (gettext_lazy("Педагогов в программе"), "coverage.teachers"),
    (gettext_lazy("Педагогов всего"), "coverage.teachers_base"),
    (gettext_lazy("Охват педагогов, %"), "coverage.teachers_percent"),
    (gettext_lazy("Цель по педагогам, %"), "coverage.teachers_target"),
    (gettext_lazy("Пары: формируются"), "pairs.forming"),
    (gettext_lazy("Пары: действуют"), "pairs.active"),
    (gettext_lazy("Пары: завершены"), "pairs.completed"),
    (gettext_lazy("Пары: прекращены досрочно"), "pairs.ended_early"),
    (gettext_lazy("в т. ч. групп"), "pairs.groups"),
    (gettext_lazy("Встреч"), "meetings"),
    (gettext_lazy("Индивидуальных планов"), "plans.count"),
    (gettext_lazy("Среднее выполнение планов, %"), "plans.average_percent"),
    (gettext_lazy("Планов, выполненных на целевой уровень"), "plans.on_target"),
    (gettext_lazy("Участников с согласием"), "consents.with_consent"),
    (gettext_lazy("Согласия, %"), "consents.percent"),
    (gettext_lazy("Удовлетворённость наставников (1–5)"), "satisfaction.mentor_satisfaction"),
    (gettext_lazy("Удовлетворённость наставляемых (1–5)"), "satisfaction.mentee_satisfaction"),
    (gettext_lazy("Качество программы (1–5)"), "satisfaction.programme_quality"),
)


def monitoring_rows(organisations, year: AcademicYear, *, progress: Progress | None = None,
                    chunk_size: int | None = None, today: datetime.date | None = None) -> Iterator[list]:
    """The header, one row per organisation from ``figures.compute``, and the ``figures.total`` row.

    The per-organisation figures are kept (small dicts, one per organisation, not per participant) for
    the total, which is ``figures.total``'s: its coverage counts only organisations with a head count,
    its targets only when all organisations share one; satisfaction stays empty (not a sum).
    """
    chunk_size = chunk_size or MONITORING_CHUNK
    yield [_("Организация")] + [str(title) for title, _path in MONITORING_COLUMNS]
    iterator, known = stream_organisations(organisations, chunk_size)
    count = count_of(organisations, known) if progress else 0
    kept: dict[int, dict] = {}
    done = 0
    for chunk in chunks(iterator, chunk_size):
        computed = monitoring_figures.compute(chunk, year, today=today)
        for organisation in chunk:
            figures = computed[organisation.pk]
            kept[organisation.pk] = figures
            yield [figures["organisation"]] + [_get(figures, path) for _title, path in MONITORING_COLUMNS]
        done += len(chunk)
        if progress:
            progress(done, count)
    summed = monitoring_figures.total(kept)
    summed.setdefault("plans", {"count": sum(f["plans"]["count"] for f in kept.values()),
                                "on_target": sum(f["plans"]["on_target"] for f in kept.values())})
    yield xlsx.TotalRow([total_label()] + [_get(summed, path) for _title, path in MONITORING_COLUMNS])


def monitoring_sheet(organisations, year: AcademicYear, progress: Progress | None = None) -> xlsx.Sheet:
    return xlsx.Sheet(title=_("Мониторинг %(year)s") % {"year": str(year).replace("/", "-")},
                      rows=monitoring_rows(organisations, year, progress=progress),
                      widths=lambda header: [40] + [13] * (len(header) - 1), freeze="B2")


def write_monitoring(file, *, organisations, year: AcademicYear, progress: Progress | None = None) -> None:
    xlsx.write(file, [monitoring_sheet(organisations, year, progress)])


@register
class DistrictMonitoringExport(Exporter):
    identifier = "district_monitoring"
    formats = ("xlsx", "csv")
    position = 20
    verbose_name = gettext_lazy("Таблица мониторинга района")
    description = gettext_lazy("Показатели мониторинга по каждой организации и итог по району.")
    file_title = gettext_lazy("Мониторинг")
    form_class = YearForm

    def sheets(self, progress: Progress | None = None):
        yield monitoring_sheet(self.organisations(), self.year(), progress)
