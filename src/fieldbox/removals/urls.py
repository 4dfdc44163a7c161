from django.urls import path  # noqa: F401 - each screen family adds its routes below

app_name = "removals"

urlpatterns: list = []  # type: ignore[type-arg]
