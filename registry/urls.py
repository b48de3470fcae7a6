from django.urls import path

from registry import list_pages, pages
from registry.documents import document_paths

from registry.views import (
    consents,
    exports,
    imports,
    municipalities,
    notifications,
    organisations,
    participants,
    partners,
    pdf,
    privacy,
    topics,
)

app_name = "registry"

urlpatterns = [
    path("participants/", participants.participant_list, name="participant_list"),
    path("participants/new/", participants.participant_create, name="participant_create"),
    path("participants/<int:pk>/", participants.participant_detail, name="participant_detail"),
    path("participants/<int:pk>/edit/", participants.participant_edit, name="participant_edit"),
    path("participants/<int:pk>/archive/", participants.participant_archive, name="participant_archive"),
    path("participants/<int:pk>/restore/", participants.participant_restore, name="participant_restore"),
    path("participants/<int:pk>/mentor/", participants.mentor_profile_edit, name="mentor_profile_edit"),
    path("participants/<int:pk>/mentee/", participants.mentee_profile_edit, name="mentee_profile_edit"),
    path("participants/<int:pk>/history/", privacy.participant_history, name="participant_history"),
    path("participants/<int:pk>/destroy/", privacy.destroy_now, name="destroy_now"),
    path("personal-data/", privacy.destruction_list, name="destruction_list"),
    path("personal-data/acts/<int:pk>/", privacy.destruction_act, name="destruction_act"),
    *document_paths("personal-data/acts/<int:pk>/<str:part>.pdf", privacy.destruction_act_file, "destruction_act_file"),
    path("personal-data/exports/", privacy.export_log, name="export_log"),
    path("participants/<int:pk>/files/<str:field>/", participants.mentor_file, name="mentor_file"),
    path("participants/<int:pk>/consents/new/", consents.consent_create, name="consent_create"),
    *document_paths("participants/<int:pk>/consent-blank.pdf", pdf.consent_blank, "consent_blank"),
    path("consents/<int:pk>/revoke/", consents.consent_revoke, name="consent_revoke"),
    path("consents/<int:pk>/scan/", consents.consent_scan, name="consent_scan"),
    path("partners/", partners.partner_list, name="partner_list"),
    path("partners/new/", partners.partner_create, name="partner_create"),
    path("partners/<int:pk>/", partners.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/edit/", partners.partner_edit, name="partner_edit"),
    path("partners/<int:pk>/agreement/", partners.partner_agreement, name="partner_agreement"),
    path("organisations/", organisations.organisation_list, name="organisation_list"),
    path("organisations/<int:pk>/", organisations.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", organisations.organisation_edit, name="organisation_edit"),
    path("organisations/<int:pk>/headcount/<int:year_pk>/", organisations.headcount_edit, name="headcount_edit"),
    *document_paths("organisations/<int:pk>/consent-blanks.pdf", pdf.class_consent_blanks, "class_consent_blanks"),
    path("municipalities/<int:pk>/", municipalities.municipality_settings, name="municipality_settings"),
    path("municipalities/<int:pk>/edit/", municipalities.municipality_settings_edit,
         name="municipality_settings_edit"),
    path("topics/", topics.topic_list, name="topic_list"),
    path("topics/new/", topics.topic_create, name="topic_create"),
    path("topics/<int:pk>/toggle/", topics.topic_toggle, name="topic_toggle"),
    path("import/", imports.import_upload, name="import_upload"),
    path("import/template.xlsx", imports.import_template, name="import_template"),
    path("import/<int:pk>/", imports.import_preview, name="import_preview"),
    path("export/mentors.xlsx", exports.export_mentors, name="export_mentors"),
    path("export/mentees.xlsx", exports.export_mentees, name="export_mentees"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/<int:pk>/", notifications.notification_open, name="notification_open"),
    path("notifications/read/", notifications.mark_read, name="notifications_read"),
    path("notifications/settings/", notifications.notification_settings, name="notification_settings"),
    # The list pages (registry.list_pages) route themselves.
    *list_pages.urlpatterns(pages, namespace=app_name),
]
