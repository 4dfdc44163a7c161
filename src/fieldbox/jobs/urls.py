from django.urls import path

from fieldbox.jobs.views import calendar, dashboard, detail, installer, provider
from fieldbox.jobs.views import care as care_views

app_name = "jobs"

urlpatterns = [
    path("jobs/", provider.job_list, name="list"),
    path("jobs/new/", provider.job_new, name="new"),
    path("jobs/columns/", provider.job_list_columns, name="columns"),
    path("jobs/import/", provider.job_import, name="import"),
    path("jobs/import/confirm/", provider.job_import_confirm, name="import_confirm"),
    path("jobs/import/template/", provider.job_import_template, name="import_template"),
    path("jobs/dashboard/", dashboard.dashboard, name="dashboard"),
    path("jobs/installations/", installer.installations, name="installations"),
    path("jobs/available/", installer.available, name="available"),
    path("jobs/available/take-next/", installer.take_next, name="take_next"),
    path("jobs/mine/", installer.mine, name="mine"),
    path("jobs/search/", care_views.search, name="search"),
    path("jobs/appointments/", calendar.appointments, name="appointments"),
    path("jobs/appointments/new-feed-address/", calendar.renew, name="calendar_renew"),
    path("calendar/<str:token>.ics", calendar.feed, name="calendar_feed"),
    path("jobs/<int:pk>/", detail.job_detail, name="detail"),
    path("jobs/<int:pk>/take/", installer.take, name="take"),
    path("jobs/<int:pk>/take-over/", detail.take_over, name="take_over"),
    path("jobs/<int:pk>/appointment/", detail.appointment, name="appointment"),
    path("jobs/<int:pk>/ask-care/", detail.ask_care, name="ask_care"),
    path("jobs/<int:pk>/pair/", detail.pair, name="pair"),
    path("jobs/<int:pk>/fail/", detail.fail, name="fail"),
    path("jobs/<int:pk>/assign/", detail.assign, name="assign"),
    path("jobs/<int:pk>/reassign/", detail.reassign, name="reassign"),
    path("jobs/<int:pk>/edit/", detail.edit, name="edit"),
    path("jobs/<int:pk>/cancel/", detail.cancel, name="cancel"),
    path("jobs/<int:pk>/delete/", detail.delete, name="delete"),
    path("jobs/<int:pk>/extend-deadline/", care_views.extend_deadline, name="extend_deadline"),
    path("jobs/<int:pk>/correct-pairing/", care_views.correct_pairing, name="correct_pairing"),
    path("jobs/<int:pk>/certificate/", care_views.certificate_download, name="certificate"),
    path("jobs/<int:pk>/certificate/send/", care_views.certificate_send, name="certificate_send"),
    path("o/<str:token>/", care_views.owner_link, name="owner_link"),
]
