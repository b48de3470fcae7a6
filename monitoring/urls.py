from django.urls import path

from monitoring.views import cases, dashboards, exports, links, questionnaires, reports

app_name = "monitoring"

urlpatterns = [
    path("", dashboards.dashboard, name="dashboard"),
    path("organisations/<int:pk>/", dashboards.organisation_dashboard, name="organisation_dashboard"),
    path("questionnaires/", questionnaires.questionnaire_list, name="questionnaire_list"),
    path("questionnaires/new/", questionnaires.questionnaire_create, name="questionnaire_create"),
    path("questionnaires/<int:pk>/", questionnaires.questionnaire_detail, name="questionnaire_detail"),
    path("questionnaires/<int:pk>/edit/", questionnaires.questionnaire_edit, name="questionnaire_edit"),
    path("questionnaires/<int:pk>/answer/", questionnaires.response_create, name="response_create"),
    path("questionnaires/<int:pk>/links/", links.links_create, name="links_create"),
    path("questionnaires/<int:pk>/links.pdf", links.links_pdf, name="links_pdf"),
    path("responses/<int:pk>/", questionnaires.response_detail, name="response_detail"),
    path("reports/", reports.report_list, name="report_list"),
    path("reports/new/", reports.report_create, name="report_create"),
    path("reports/district/", reports.district_report, name="district_report"),
    path("reports/<int:pk>/", reports.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", reports.report_edit, name="report_edit"),
    path("reports/<int:pk>/submit/", reports.report_submit, name="report_submit"),
    path("reports/<int:pk>/review/", reports.report_review, name="report_review"),
    path("reports/<int:pk>.pdf", reports.report_pdf, name="report_pdf"),
    path("targets/", reports.targets_edit, name="targets_edit"),
    path("exports/", exports.export_list, name="export_list"),
    path("exports/<int:pk>/", exports.export_detail, name="export_detail"),
    path("exports/<int:pk>/status/", exports.export_status, name="export_status"),
    path("exports/<int:pk>/download/", exports.export_download, name="export_download"),
    path("exports/<int:pk>/cancel/", exports.export_cancel, name="export_cancel"),
    path("exports/<int:pk>/retry/", exports.export_retry, name="export_retry"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/new/", cases.case_create, name="case_create"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", cases.case_edit, name="case_edit"),
    path("case-files/<int:pk>/", cases.case_file, name="case_file"),
]
