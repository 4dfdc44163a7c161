from django.urls import path

from fieldbox.service import views

app_name = "service"

urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("desk/teams/", views.teams, name="teams"),
    path("desk/mailboxes/<int:pk>/imap/", views.mailbox_imap, name="mailbox_imap"),
    path("desk/tickets/<int:pk>/", views.ticket, name="ticket"),
    path("desk/tickets/<int:pk>/reply/", views.reply, name="reply"),
    path("desk/tickets/<int:pk>/note/", views.note, name="note"),
    path("desk/tickets/<int:pk>/<str:action>/", views.move, name="move"),
    path("desk/attachments/<int:pk>/", views.attachment, name="attachment"),
]
