"""Background work of removal requests: check a large file, save a large request, purge abandoned drafts (daily).
Thin wrappers of the services.

Both are acknowledged late and may run again after a worker dies: the check starts over from the kept file, the
save takes the request only while it is still "saving" and does everything in one transaction.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from fieldbox.accounts import selectors as accounts_selectors
from fieldbox.accounts.models import User
from fieldbox.core.errors import Conflict
from fieldbox.removals.models import RemovalRequest
from fieldbox.removals.services import requests

log = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def check_request(request_id: int) -> str:
    return requests.request_check_stored(request_id)


@shared_task(ignore_result=True)
def purge_stale_drafts() -> int:
    return requests.drafts_purge(older_than=timedelta(days=settings.REMOVAL_DRAFT_KEEP_DAYS))


@shared_task(acks_late=True, ignore_result=True)
def confirm_request(request_id: int, user_id: int) -> str:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    request = RemovalRequest.objects.filter(pk=request_id).first()
    if user is None or request is None:
        return "gone"
    scope = accounts_selectors.scope_for(user, request.provider_id)
    if scope is None or scope.organisation.pk != request.provider_id:
        requests.request_confirm_failed(request_id, _("The person who confirmed no longer belongs to this provider."))
        return "refused"
    with translation.override(user.language):  # a refusal is read by the person who confirmed
        try:
            requests.request_confirm(scope=scope, request_id=request_id)
        except (Conflict, ValidationError) as exc:
            message = exc.message if isinstance(exc, Conflict) else " ".join(exc.messages)
            requests.request_confirm_failed(request_id, message)
            return "refused"
        except Exception:
            # A save that broke (a bug, the database gone) must not leave the draft "saving" for ever: it is ready
            # again, saying so, and can be confirmed again or discarded. The error is logged for the operators.
            log.exception("saving removal request %s failed", request_id)
            requests.request_confirm_failed(request_id, _("The save stopped on an error: confirm it again."))
            return "failed"
    return "saved"
