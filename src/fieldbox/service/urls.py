from django.urls import path

from fieldbox.service import views
from fieldbox.service.views import customers, portal, telematics
from fieldbox.service.views import search as search_views
from fieldbox.service.views import sla as sla_views

app_name = "service"

urlpatterns = [
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
