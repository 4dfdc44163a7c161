"""Writes of the service desk, one module per subject; ``services.<name>`` reaches each of them."""

from fieldbox.service.services.tickets import *  # noqa: F403 - the tickets' services are the package's first names
