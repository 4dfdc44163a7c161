"""Personal API tokens: hashed at rest, shown once, expiring, revocable."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.models import ApiToken
from fieldbox.core import audit
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.core.tokens import new_token

TOKEN_PREFIX = "fbx_"
MAX_TOKEN_DAYS = 366


def token_create(*, scope: Scope, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token acting for the user in the current organisation; returns it and its secret."""
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the token a name that says where it is used.")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        errors["days"] = _("A token lasts between 1 and %(max)s days.") % {"max": MAX_TOKEN_DAYS}
    if errors:
        raise ValidationError(errors)
    raw, token_hash = new_token(TOKEN_PREFIX)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=scope.user,
            organisation=scope.organisation,
            name=name,
            prefix=raw[:10],
            token_hash=token_hash,
            expires_at=timezone.now() + timedelta(days=days),
        )
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=token,
            action="token.create",
            to_state="active",
            data={"expires_at": token.expires_at.isoformat()},
        )
    return token, raw


def token_revoke(*, scope: Scope, token_id: int) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token_id, user=scope.user)
        if token.revoked_at is not None:
            raise Conflict(_("This token was already revoked."))
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=scope.user,
            organisation=token.organisation,
            obj=token,
            action="token.revoke",
            from_state="active",
            to_state="revoked",
        )
    return token
