"""A person's own account: profile and password."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from fieldbox.accounts.models import User
from fieldbox.core import audit


def set_new_password(user: User, password: str) -> None:
    """Set ``password`` after the validators (length, common passwords); errors name the field."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)


def profile_update(*, user: User, first_name: str, last_name: str, language: str) -> User:
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = {"first_name": locked.first_name, "last_name": locked.last_name, "language": locked.language}
        locked.first_name, locked.last_name, locked.language = first_name.strip(), last_name.strip(), language
        locked.full_clean(exclude=["password", "email"])
        locked.save(update_fields=["first_name", "last_name", "language"])
        audit.record(actor=user, organisation=None, obj=locked, action="user.profile", data={"before": before})
    return locked
