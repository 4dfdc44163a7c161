"""Writes of the service desk, one module per subject; ``services.<name>`` reaches each of them."""

from fieldbox.service.services.portal import *  # noqa: F403 - loaded with the app: it links invited contacts
from fieldbox.service.services.tickets import *  # noqa: F403 - the tickets' services are the package's first names
