from django.urls import path

from registry.documents import document_paths

from roadmaps.views import bulk, items, notifications, pages

app_name = "roadmaps"

urlpatterns = [
    path("", pages.roadmap_list, name="roadmap_list"),
    path("new/", pages.roadmap_create, name="roadmap_create"),
    path("my/", pages.my_tasks, name="my_tasks"),
    path("overdue/", pages.overdue, name="overdue"),
    path("matrix/", pages.matrix, name="matrix"),
    path("matrix.xlsx", pages.matrix_xlsx, name="matrix_xlsx"),
    path("<int:pk>/", pages.roadmap_detail, name="roadmap_detail"),
    path("<int:pk>/approve/", pages.roadmap_approve, name="roadmap_approve"),
    path("<int:pk>/history/", pages.roadmap_history, name="roadmap_history"),
    path("<int:pk>/items/new/", items.item_create, name="item_create"),
    path("<int:pk>/done/", bulk.occurrences_done, name="occurrences_done"),
    *document_paths("<int:pk>.pdf", pages.roadmap_pdf, "roadmap_pdf"),
    path("<int:pk>.xlsx", pages.roadmap_xlsx, name="roadmap_xlsx"),
    path("items/<int:pk>/edit/", items.item_edit, name="item_edit"),
    path("items/<int:pk>/move/", items.item_move, name="item_move"),
    path("items/<int:pk>/remove/", items.item_remove, name="item_remove"),
    path("occurrences/<int:pk>/", items.occurrence_edit, name="occurrence_edit"),
    path("occurrences/<int:pk>/deadline/", items.occurrence_deadline, name="occurrence_deadline"),
    path("files/<int:pk>/", items.evidence_file, name="evidence_file"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/read/", notifications.mark_read, name="notifications_read"),
    path("notifications/settings/", notifications.reminder_settings, name="reminder_settings"),
]
