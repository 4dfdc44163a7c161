from django.urls import path

from fieldbox.removals.views import remover, requester

app_name = "removals"

urlpatterns: list = [  # type: ignore[type-arg]
    path("removal-requests/", requester.requests, name="requests"),
    path("removal-requests/<int:pk>/", requester.request_detail, name="request_detail"),
    path("removal-requests/lines/<int:pk>/cancel/", requester.line_cancel, name="line_cancel"),
    path("removals/", remover.manage, name="manage"),
    path("removals/<int:pk>/accept/", remover.accept, name="accept"),
    path("removals/<int:pk>/refuse/", remover.refuse, name="refuse"),
    path("removals/<int:pk>/report/", remover.report, name="report"),
]
