from django.apps import AppConfig
from django.db.models.signals import post_migrate


def load_templates(sender, **kwargs):
    from roadmaps.services import sync_templates

    sync_templates()


class RoadmapsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "roadmaps"
    verbose_name = "Дорожные карты"

    def ready(self):
        # The templates are data in the repository (roadmaps/seed_templates/*.yaml): every migrate
        # brings the database's copy up to date.
        post_migrate.connect(load_templates, sender=self, dispatch_uid="roadmaps.load_templates")

        from registry.document_sources import register_document_source
        from roadmaps.order_appendix import roadmap_source

        register_document_source("roadmap", roadmap_source)
