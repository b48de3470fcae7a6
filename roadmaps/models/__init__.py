"""Roadmaps (дорожные карты): templates from the real documents, dated items per academic year,
occurrences with progress, the history of every change, and reminders sent."""

from roadmaps.models.templates import (  # noqa: F401
    ResponsibleRole,
    Level,
    FEDERAL_STATISTICS,
    Period,
    RoadmapTemplate,
    TemplateItem,
)
from roadmaps.models.roadmaps import (  # noqa: F401
    roadmap_permissions,
    RoadmapQuerySet,
    Roadmap,
    RoadmapItemQuerySet,
    RoadmapItem,
    OccurrenceQuerySet,
    Occurrence,
    evidence_upload_to,
    EvidenceFile,
    RoadmapChange,
)
from roadmaps.models.reminders import (  # noqa: F401
    Reminder,
    ReminderDigest,
    ReminderRun,
)
