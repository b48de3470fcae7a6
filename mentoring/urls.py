from django.urls import path

from mentoring import pages
from registry import list_pages
from mentoring.views import documents, meetings, orders, pairs, plans, programmes, proposals, regulations, unpaired
from registry.documents import document_paths

app_name = "mentoring"

urlpatterns = [
    path("forms/", programmes.form_list, name="form_list"),
    path("forms/<int:pk>/", programmes.form_edit, name="form_edit"),
    path("programmes/", programmes.programme_list, name="programme_list"),
    path("programmes/new/", programmes.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", programmes.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", programmes.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/propose/", pairs.propose, name="propose"),
    path("programmes/<int:pk>/proposals/", proposals.proposal_list, name="proposals"),
    path("programmes/<int:pk>/proposals/confirm/", proposals.proposal_confirm, name="proposal_confirm"),
    path("programmes/<int:pk>/weights/", programmes.weights_edit, name="weights_edit"),
    path("programmes/<int:pk>/preferences/", programmes.preferences, name="preferences"),
    path("programmes/<int:pk>/candidates/<int:mentee_pk>/", pairs.candidates, name="candidates"),
    path("programmes/<int:pk>/pairs/new/", pairs.pair_create, name="pair_create"),
    path("programmes/<int:pk>/unpaired/", unpaired.unpaired_list, name="unpaired_list"),
    path("programmes/<int:pk>/unpaired/<int:mentee_pk>/", unpaired.support, name="support"),
    path("programmes/<int:pk>/unpaired/<int:mentee_pk>/record/", unpaired.support_record, name="support_record"),
    path("programmes/<int:pk>/group-meeting/", meetings.group_meeting_create, name="group_meeting_create"),
    path("pairs/", pairs.pair_list, name="pair_list"),
    path("pairs/<int:pk>/", pairs.pair_detail, name="pair_detail"),
    path("pairs/<int:pk>/confirm/", pairs.pair_confirm, name="pair_confirm"),
    path("pairs/<int:pk>/reject/", pairs.pair_reject, name="pair_reject"),
    path("pairs/<int:pk>/activate/", pairs.pair_activate, name="pair_activate"),
    path("pairs/<int:pk>/replace-mentor/", pairs.replace_mentor, name="replace_mentor"),
    path("pairs/<int:pk>/add-mentee/", pairs.add_mentee, name="add_mentee"),
    path("pairs/<int:pk>/close/", pairs.pair_close, name="pair_close"),
    path("pairs/<int:pk>/meetings/new/", meetings.meeting_create, name="meeting_create"),
    path("memberships/<int:pk>/leave/", pairs.membership_leave, name="membership_leave"),
    path("memberships/<int:pk>/long-term-base/", pairs.long_term_base, name="long_term_base"),
    path("memberships/<int:pk>/plan/", plans.plan_detail, name="plan_detail"),
    path("plan-items/<int:pk>/", plans.plan_item_edit, name="plan_item_edit"),
    *document_paths("memberships/<int:pk>/agreement.pdf", documents.agreement_pdf, "agreement_pdf"),
    *document_paths("memberships/<int:pk>/plan.pdf", documents.plan_pdf, "plan_pdf"),
    path("meetings/", meetings.meeting_list, name="meeting_list"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("orders/", orders.order_list, name="order_list"),
    path("orders/new/", orders.order_create, name="order_create"),
    path("orders/<int:pk>/", orders.order_detail, name="order_detail"),
    path("orders/<int:pk>/edit/", orders.order_edit, name="order_edit"),
    path("orders/<int:pk>/sign/", orders.order_sign, name="order_sign"),
    *document_paths("orders/<int:pk>.pdf", orders.order_pdf, "order_pdf"),
    *document_paths("orders/<int:pk>/regulations.pdf", regulations.order_regulations_pdf, "order_regulations_pdf"),
    # The list pages (registry.list_pages) route themselves.
    *list_pages.urlpatterns(pages, namespace=app_name),
]
