"""Monitoring: questionnaires and their answers, half-yearly reports with review, coverage targets,
statistical exports built as jobs, and the best-practice base."""

from monitoring.models.questionnaires import (  # noqa: F401
    keeps_shared_question_sets,
    QuestionnaireQuerySet,
    Questionnaire,
    Question,
    ResponseQuerySet,
    new_token,
    Response,
    Answer,
)
from monitoring.models.reports import (  # noqa: F401
    CoverageTarget,
    ReportQuerySet,
    MonitoringReport,
    ReportReview,
)
from monitoring.models.jobs import (  # noqa: F401
    export_upload_to,
    ExportJobQuerySet,
    ExportJob,
    BeatMark,
)
from monitoring.models.cases import (  # noqa: F401
    BestPracticeQuerySet,
    BestPractice,
    case_upload_to,
    BestPracticeFile,
)
from monitoring.models.summaries import (  # noqa: F401
    OrganisationSummary,
)

# The district's analysis and management decisions live in their own module (seed 000 items 4.5, 4.7).
from monitoring.analysis_models import DistrictAnalysis, ManagementDecision  # noqa: E402, F401
from monitoring.statistics_models import StatisticsSubmission  # noqa: E402, F401
