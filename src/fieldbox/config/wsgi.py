import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldbox.config.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402 - after the settings are loaded

from fieldbox.core.limits import limit_statements  # noqa: E402

# A page or an API call may not hold the database longer than this (fieldbox.core.limits).
limit_statements(settings.REQUEST_STATEMENT_TIMEOUT)
