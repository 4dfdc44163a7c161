"""A page and an API operation that hold the database for seconds: what a runaway query looks like to the limits."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from fieldbox.config.urls import urlpatterns as product


def _sleep(seconds: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s)", [seconds])


def slow_page(request: HttpRequest) -> HttpResponse:
    _sleep(float(request.GET.get("s", "5")))
    return HttpResponse("done")


def slow_api(request: HttpRequest) -> HttpResponse:
    _sleep(float(request.GET.get("s", "5")))
    return JsonResponse({"done": True})


urlpatterns = [path("slow/", slow_page), path("api/v1/slow", slow_api), *product]
handler500 = "fieldbox.web.views.server_error"
