import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldbox.config.settings")
application = get_asgi_application()

from django.conf import settings  # noqa: E402 - after the settings are loaded

from fieldbox.core.limits import limit_statements  # noqa: E402

limit_statements(settings.REQUEST_STATEMENT_TIMEOUT)  # as config/wsgi.py
