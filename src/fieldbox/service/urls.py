from django.urls import path

from fieldbox.service import offline, views
from fieldbox.service.views import customers, portal, telematics
from fieldbox.service.views import search as search_views
from fieldbox.service.views import sla as sla_views

app_name = "service"

urlpatterns = [
    # The service worker that keeps the technician's pages for a phone without a signal (service/offline.py).
    path("sw.js", offline.service_worker, name="service_worker"),
    # The customer portal (a customer's contact), and the desk's buttons that give or withdraw access to it.
    path("portal/", portal.home, name="portal"),
    path("portal/tickets/new/", portal.ticket_new, name="portal_new"),
    path("portal/tickets/<int:pk>/", portal.ticket, name="portal_ticket"),
    path("portal/equipment/", portal.equipment, name="portal_equipment"),
    path("portal/attachments/<int:pk>/", portal.attachment, name="portal_attachment"),
    path("desk/contacts/<int:pk>/invite/", portal.contact_invite, name="contact_invite"),
    path("desk/contacts/<int:pk>/portal-revoke/", portal.contact_revoke, name="contact_portal_revoke"),
    path("desk/customers/<int:pk>/portal-invite/", portal.customer_invite, name="customer_portal_invite"),
    path("desk/", views.desk, name="desk"),
    path("desk/teams/", views.teams, name="teams"),
    path("desk/service-levels/", sla_views.service_levels, name="service_levels"),
    path("desk/at-risk/", sla_views.at_risk, name="at_risk"),
    path("desk/mailboxes/<int:pk>/imap/", views.mailbox_imap, name="mailbox_imap"),
    path("desk/tickets/<int:pk>/", views.ticket, name="ticket"),
    path("desk/tickets/<int:pk>/reply/", views.reply, name="reply"),
    path("desk/tickets/<int:pk>/note/", views.note, name="note"),
    path("desk/tickets/<int:pk>/job/", telematics.ticket_job, name="ticket_job"),
    path("desk/tickets/<int:pk>/job/send/", telematics.ticket_job_send, name="ticket_job_send"),
    path("desk/tickets/<int:pk>/vehicle/", telematics.ticket_vehicle, name="ticket_vehicle"),
    # The call page's sections (before the moves, whose action is any word).
    path("desk/calls/", search_views.calls, name="calls"),
    path("desk/calls/new/", views.calls.call_new, name="call_new"),
    path("desk/tickets/<int:pk>/edit/", views.calls.call_edit, name="call_edit"),
    path("desk/tickets/<int:pk>/interventions/", views.calls.intervention_add, name="intervention_add"),
    path("desk/tickets/<int:pk>/charges/", views.calls.charge_add, name="charge_add"),
    path("desk/interventions/<int:pk>/<str:action>/", views.calls.intervention_move, name="intervention_move"),
    path("desk/charges/<int:pk>/remove/", views.calls.charge_remove, name="charge_remove"),
    path("desk/tickets/<int:pk>/<str:action>/", views.move, name="move"),
    path("desk/attachments/<int:pk>/", views.attachment, name="attachment"),
    path("desk/contacts/", customers.contacts, name="contacts"),
    path("desk/contacts/<int:pk>/confirm/", customers.contact_confirm, name="contact_confirm"),
    path("desk/contacts/<int:pk>/edit/", customers.contact_edit, name="contact_edit"),
    path("desk/contacts/<int:pk>/remove/", customers.contact_remove, name="contact_remove"),
    path("desk/customers/<int:customer_pk>/contacts/new/", customers.contact_new, name="contact_new"),
    path("desk/customers/<int:customer_pk>/equipment/new/", customers.equipment_new, name="equipment_new"),
    path("desk/equipment/", customers.equipment_list, name="equipment_list"),
    path("desk/equipment/<int:pk>/", customers.equipment_detail, name="equipment_detail"),
    path("desk/equipment/<int:pk>/edit/", customers.equipment_edit, name="equipment_edit"),
    path("desk/equipment/<int:pk>/remove/", customers.equipment_remove, name="equipment_remove"),
]

# ---- Work orders: the office's pages, resources, types of work, team members (service/views/work_orders.py) ----
from fieldbox.service.views import work_orders as wo  # noqa: E402

urlpatterns += [
    path("desk/work-orders/", wo.work_orders, name="work_orders"),
    path("desk/work-orders/new/", wo.work_order_new, name="work_order_new"),
    path("desk/work-orders/setup/", wo.work_order_setup, name="work_order_setup"),
    path("desk/work-orders/<int:pk>/", wo.work_order, name="work_order"),
    path("desk/work-orders/<int:pk>/edit/", wo.work_order_edit, name="work_order_edit"),
    path("desk/work-orders/<int:pk>/plan/", wo.work_order_plan, name="work_order_plan"),
    path("desk/work-orders/<int:pk>/follow-up/", wo.work_order_follow_up, name="work_order_follow_up"),
    path("desk/work-orders/<int:pk>/materials/", wo.work_order_material_add, name="work_order_material_add"),
    path("desk/work-orders/<int:pk>/answer/<str:answer>/", wo.work_order_answer, name="work_order_answer"),
    path("desk/work-orders/<int:pk>/move/<str:action>/", wo.work_order_move, name="work_order_move"),
    path("desk/materials/<int:pk>/remove/", wo.work_order_material_remove, name="work_order_material_remove"),
    path("desk/resources/<int:pk>/retire/", wo.resource_retire, name="resource_retire"),
    path("desk/teams/<int:pk>/members/", wo.team_members, name="team_members"),
]

# ---- Hours and clock-in: the worked-hours grid, a person's day, planned vs worked, the clock-in block, the
# attendance and the clock-in points (service/views/hours.py) ----
from fieldbox.service.views import clock as clock_views  # noqa: E402
from fieldbox.service.views import hours as hours_views  # noqa: E402

urlpatterns += [
    path("desk/hours/", hours_views.grid, name="hours"),
    path("desk/hours/entries/<int:pk>/", hours_views.entry_change, name="hours_entry"),
    path("desk/hours/entries/<int:pk>/delete/", hours_views.entry_delete, name="hours_entry_delete"),
    path("desk/hours/<int:user_id>/<str:day>/", hours_views.day, name="hours_day"),
    path("desk/work-orders/<int:pk>/hours/", hours_views.work_order_hours, name="work_order_hours"),
    path("desk/calls/<int:pk>/hours/", hours_views.ticket_hours, name="ticket_hours"),
    path("desk/clock/", clock_views.clock_block, name="clock_block"),
    path("desk/clock/punch/", clock_views.clock_punch, name="clock_punch"),
    path("desk/clock/attendance/", clock_views.attendance, name="attendance"),
    path("desk/clock/correct/", clock_views.clock_correct, name="clock_correct"),
    path("desk/clock/points/", clock_views.clock_points, name="clock_points"),
    path("desk/clock/points/<int:pk>/", clock_views.clock_point, name="clock_point"),
    path("desk/clock/points/<int:pk>/remove/", clock_views.clock_point_remove, name="clock_point_remove"),
]

# ---- The technician's phone: my day, a work order's next action, the report, signatures, the signed PDF
# (service/views/field.py) ----
from fieldbox.service.views import field  # noqa: E402

urlpatterns += [
    path("field/", field.my_day, name="field_day"),
    path("field/work-orders/<int:pk>/", field.order_page, name="field_order"),
    path("field/work-orders/<int:pk>/answer/", field.answer, name="field_answer"),
    path("field/work-orders/<int:pk>/move/<str:action>/", field.move, name="field_move"),
    path("field/work-orders/<int:pk>/report/", field.report_open, name="field_report_open"),
    path("field/reports/<int:pk>/", field.report_page, name="field_report"),
    path("field/reports/<int:pk>/sign/", field.sign, name="field_report_sign"),
    path("field/reports/<int:pk>/pdf/", field.report_pdf, name="field_report_pdf"),
    path("field/reports/<int:pk>/send/", field.report_send, name="field_report_send"),
    path("field/reports/<int:pk>/correct/", field.report_correct, name="field_report_correct"),
]

# ---- Files and photos of work orders, calls, work reports and equipment: the box, upload, download, removal
# (service/views/files.py) ----
from fieldbox.service.views import files as file_views  # noqa: E402

urlpatterns += [
    path("desk/files/<str:kind>/<int:pk>/", file_views.files, name="files"),
    path("desk/files/<int:pk>/", file_views.download, name="file"),
    path("desk/files/<int:pk>/remove/", file_views.remove, name="file_remove"),
]

# ---- The planners' calendars and the activity planner (issue 14, service/views/planner.py) ----
from fieldbox.service.views import activities as activity_views  # noqa: E402
from fieldbox.service.views import planner as planner_views  # noqa: E402

urlpatterns += [
    path("desk/planner/", planner_views.planner_page, name="planner"),
    path("desk/planner/events/", planner_views.planner_events, name="planner_events"),
    path("desk/planner/free/", planner_views.planner_free, name="planner_free"),
    path("desk/planner/day/", activity_views.planner_day, name="planner_day"),
    path("desk/planner/work-orders/<int:pk>/plan/", planner_views.planner_plan, name="planner_plan"),
    path("desk/planner/activities/<int:pk>/", activity_views.planner_activity, name="planner_activity"),
    path("desk/planner/activities/<int:pk>/move/", planner_views.planner_activity_move, name="planner_activity_move"),
    path(
        "desk/planner/activities/<int:pk>/delete/",
        activity_views.planner_activity_delete,
        name="planner_activity_delete",
    ),
]

# ---- Calendar feeds of technicians and resources (service/views/feeds.py; the mechanism is jobs.feeds) ----
from fieldbox.service.views import feeds as feed_views  # noqa: E402

urlpatterns += [
    path("desk/calendar-feeds/", feed_views.calendar_feeds, name="calendar_feeds"),
    path("desk/calendar-feeds/renew/", feed_views.calendar_feeds_renew, name="calendar_feeds_renew"),
    path("calendar/work/<str:token>.ics", feed_views.calendar_feed, name="calendar_feed"),
]

# ---- Checklists of work orders: answers and photos from the phone, a photo through its work order, a type of
# work's checklists (service/views/checklists.py) ----
from fieldbox.service.views import checklists as checklist_views  # noqa: E402

urlpatterns += [
    path("field/work-orders/<int:pk>/checklist/<int:run>/answer/", checklist_views.answer, name="checklist_answer"),
    path(
        "field/work-orders/<int:pk>/checklist/<int:run>/photo/",
        checklist_views.photo_upload,
        name="checklist_photo_upload",
    ),
    path("field/checklist-photos/<int:pk>/", checklist_views.photo, name="checklist_photo"),
    path("field/checklist-photos/<int:pk>/delete/", checklist_views.photo_delete, name="checklist_photo_delete"),
    path("desk/work-types/<int:pk>/checklists/", checklist_views.work_type_checklists, name="work_type_checklists"),
]

# ---- Maintenance plans: the plans, one plan's grid, its lines, a plan from a contract, the generation of a month's
# work orders (issue 16, service/views/plans.py) ----
from fieldbox.service.views import plans as plan_views  # noqa: E402

urlpatterns += [
    path("desk/plans/", plan_views.plans, name="plans"),
    path("desk/plans/new/", plan_views.plan_new, name="plan_new"),
    path("desk/plans/from-contract/", plan_views.plan_from_contract, name="plan_from_contract"),
    path("desk/plans/generate/", plan_views.plans_generate, name="plans_generate"),
    path("desk/plans/<int:pk>/", plan_views.plan, name="plan"),
    path("desk/plans/<int:pk>/edit/", plan_views.plan_edit, name="plan_edit"),
    path("desk/plans/<int:pk>/lines/", plan_views.plan_line_add, name="plan_line_add"),
    path("desk/plan-lines/<int:pk>/remove/", plan_views.plan_line_remove, name="plan_line_remove"),
]

# ---- Maintenance contracts (service/views/contracts.py) ----
from fieldbox.service.views import contracts as contract_views  # noqa: E402

urlpatterns += [
    path("desk/contracts/", contract_views.contracts, name="contracts"),
    path("desk/contracts/new/", contract_views.contract_new, name="contract_new"),
    path("desk/contracts/<int:pk>/", contract_views.contract, name="contract"),
    path("desk/contracts/<int:pk>/edit/", contract_views.contract_edit, name="contract_edit"),
    path("desk/contracts/<int:pk>/equipment/", contract_views.contract_equipment_add, name="contract_equipment_add"),
    path(
        "desk/contracts/<int:pk>/equipment/<int:line_pk>/remove/",
        contract_views.contract_equipment_remove,
        name="contract_equipment_remove",
    ),
    path("desk/contracts/<int:pk>/activate/", contract_views.contract_activate, name="contract_activate"),
    path("desk/contracts/<int:pk>/terminate/", contract_views.contract_terminate, name="contract_terminate"),
]

# ---- The final verification (issue 16, service/views/verification.py) ----
from fieldbox.service.views.verification import urls as verification_urls  # noqa: E402

urlpatterns += verification_urls
