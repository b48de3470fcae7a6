"""Per-organisation summaries behind the district dashboard, kept between requests."""

from django.db import models


class OrganisationSummary(models.Model):
    """What the district dashboard shows of one organisation for one academic year, kept between
    requests (derived data: recomputed, never edited, safe to delete).

    ``generation`` goes up whenever the organisation's data changes (``monitoring.summaries`` listens to
    the writes); ``data`` was computed from the generation recorded in ``computed_generation`` on the day
    ``computed_on``. A row behind its generation or computed on another day is stale and is computed again
    by the next reader.

    ``token`` is drawn anew whenever ``data`` is written: the district dashboard keeps what it derived
    from a summary in the process, keyed by the token (``monitoring.district.cache``). A generation can
    come back after a rollback with other data behind it; a random token does not.

    ``statistics`` is the statistics export's row of numbers (``monitoring.statistics_export``), written
    with ``data`` but kept apart from it: PostgreSQL compresses the whole of a summary's JSON, and the
    export, which reads nothing else, would otherwise decompress all of it per organisation.
    """

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.CASCADE, related_name="+")
    academic_year = models.ForeignKey("registry.AcademicYear", on_delete=models.CASCADE, related_name="+")
    generation = models.PositiveBigIntegerField(default=0)
    computed_generation = models.PositiveBigIntegerField(null=True)
    computed_on = models.DateField(null=True)
    data = models.JSONField(default=dict)
    token = models.BigIntegerField(default=0)
    statistics = models.JSONField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "academic_year"],
                                               name="one_summary_per_organisation_and_year")]

    def __str__(self):
        return f"{self.organisation_id}/{self.academic_year_id} @{self.generation}"

    def is_fresh(self, today) -> bool:
        return self.computed_on == today and self.computed_generation == self.generation
