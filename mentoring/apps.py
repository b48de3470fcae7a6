from django.apps import AppConfig


class MentoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mentoring"
    verbose_name = "Наставничество"

    def ready(self):
        from mentoring.exports import mentee_pair_info, mentor_pair_info
        from registry.exports import register_pair_info

        register_pair_info("mentors", mentor_pair_info)
        register_pair_info("mentees", mentee_pair_info)

        from mentoring.notices import awaiting_signature_panel
        from registry.panels import register_home_panel

        register_home_panel("mentoring.awaiting_signature", awaiting_signature_panel, order=10)

        from mentoring import order_kinds
        from mentoring.order_kinds.roadmap import Issuer
        from registry.approvals import register_approval_orders

        order_kinds.discover()
        register_approval_orders(Issuer())

        from mentoring import processing  # noqa: F401  (connects the receivers)
        from mentoring.models import Meeting, Membership, MentorLink, Pair, PlanItem, Support
        from registry import audit

        audit.register(Pair, exclude_fields=["match_reasons"])
        audit.register(MentorLink)
        audit.register(Membership)
        audit.register(PlanItem)
        audit.register(Meeting)
        audit.register(Support)  # its note speaks of a child: in the person's «История» like their other records

        from mentoring.models import MentoringForm, Programme
        from registry import table_versions

        # Their counts are cached (registry.list_counts): migration 0008 put the version triggers on them.
        table_versions.track(Pair, Programme, Meeting, MentoringForm)
