from django.urls import path

from fieldbox.removals.views import check_vehicle, mission, pickups, remover, requester
from fieldbox.removals.views import requests as uploads

app_name = "removals"

urlpatterns: list = [  # type: ignore[type-arg]
    path("removal-requests/", requester.requests, name="requests"),
    path("removal-requests/new/", uploads.request_new, name="request_new"),
    path("removal-requests/template/", uploads.request_template, name="request_template"),
    path("removal-requests/<int:pk>/summary/", uploads.request_summary, name="request_summary"),
    path("removal-requests/<int:pk>/progress/", uploads.request_progress, name="request_progress"),
    path("removal-requests/<int:pk>/confirm/", uploads.request_confirm, name="request_confirm"),
    path("removal-requests/<int:pk>/discard/", uploads.request_discard, name="request_discard"),
    path("removal-requests/<int:pk>/saved/", uploads.request_saved, name="request_saved"),
    path("removal-requests/<int:pk>/", requester.request_detail, name="request_detail"),
    path("removal-requests/lines/<int:pk>/cancel/", requester.line_cancel, name="line_cancel"),
    path("removals/", remover.manage, name="manage"),
    path("removals/<int:pk>/accept/", remover.accept, name="accept"),
    path("removals/<int:pk>/refuse/", remover.refuse, name="refuse"),
    path("removals/<int:pk>/report/", remover.report, name="report"),
    path("removals/pickups/", pickups.pickup_list, name="pickups"),
    path("removals/pickups/new/", pickups.pickup_new, name="pickup_new"),
    path("removals/pickups/settings/", pickups.pickup_settings, name="pickup_settings"),
    path("removals/pickups/<int:pk>/", pickups.pickup_detail, name="pickup_detail"),
    path("removals/pickups/<int:pk>/receive/", pickups.pickup_receive, name="pickup_receive"),
    path("removals/check-vehicle/", check_vehicle.check_vehicle, name="check_vehicle"),
    path("removals/<int:pk>/code/", mission.line_code, name="line_code"),
    path("mission/", mission.mission, name="mission"),
    path("mission/job/", mission.mission_job, name="mission_job"),
]
