from django.apps import AppConfig
from django.db.backends.signals import connection_created


class RegistryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "registry"
    verbose_name = "Реестр"

    def ready(self):
        from registry.sqlite import install_unicode_like

        connection_created.connect(install_unicode_like, dispatch_uid="registry.unicode_like")

        from registry import export_bases, export_organisations  # noqa: F401  (register their exporters)

        from registry import audit
        from registry.models import Consent, MenteeProfile, MentorProfile, Participant

        audit.register(Participant)
        audit.register(MentorProfile, m2m_fields={"topics"})
        audit.register(MenteeProfile, m2m_fields={"topics"})
        audit.register(Consent)

        from registry import table_versions
        from registry.models import AcademicYear, Organisation, Topic

        # Their lists' counts and dropdowns, and the home page's district figures, are cached
        # (registry.list_counts): migrations 0019 and 0021 put the version triggers on them.
        table_versions.track(Participant, Organisation, MentorProfile, MenteeProfile, AcademicYear, Topic, Consent)
