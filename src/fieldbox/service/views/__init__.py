"""Pages of the service desk, one module per subject."""

from fieldbox.service.views.tickets import *  # noqa: F403 - the desk's first pages
