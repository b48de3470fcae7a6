from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'monitoring'

    def ready(self):
        from monitoring import summaries

        summaries.connect()

        from monitoring import processing  # noqa: F401  (connects the receivers)
        # The exporters (registry.exporters): each module registers its class.
        from monitoring import accounting_export, monitoring_export, statistics_export, statistics_form  # noqa: F401
        from monitoring.district import roadmap_matrix  # noqa: F401
        from monitoring.models import BestPractice, MonitoringReport
        from registry import audit

        audit.register(MonitoringReport, exclude_fields=["figures"])
        audit.register(BestPractice)

        from monitoring.document_targets import targets_source
        from registry.document_sources import register_document_source

        register_document_source("targets", targets_source)
