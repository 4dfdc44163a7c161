"""Checks of typed text shared by forms, API shapes and services.

A name typed once travels far: an organisation's name becomes the display name of every
e-mail sent for it, and a line break in an e-mail header makes the message impossible to
send. Such characters are refused where names are typed, and flattened where old ones are used.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic_core import PydanticCustomError

# Not of category Cc, yet they end a line.
LINE_SEPARATORS = frozenset("\u2028\u2029")


def is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or char in LINE_SEPARATORS


def has_control_characters(value: str) -> bool:
    return any(is_control(char) for char in value)


def no_control_characters(value: str, *, field: str | None = None) -> None:
    """Refuse line breaks, tabs and other control characters (a form validator; services name ``field``)."""
    if not has_control_characters(value):
        return
    error = ValidationError(
        _("Line breaks, tabs and other control characters are not allowed here."), code="control_characters"
    )
    raise ValidationError({field: error}) if field else error


def plain_text(value: str) -> str:
    """The same check for an API shape (pydantic ``AfterValidator``): a 422 naming the field."""
    try:
        no_control_characters(value)
    except ValidationError as exc:
        raise PydanticCustomError("control_characters", exc.messages[0]) from None
    return value


def one_line(value: str) -> str:
    """``value`` with control characters as spaces and runs of whitespace as one space."""
    return " ".join("".join(" " if is_control(char) else char for char in value).split())


def typed_text(value: object, field: str, limit: int, *, required: bool = False, lines: bool = True) -> str:
    """Text as a person typed it into a field: trimmed (one line, its runs of whitespace as one space, unless
    ``lines``), at most ``limit`` characters, and present when ``required``; otherwise a ``ValidationError``
    naming ``field``. The one rule of the services' free-text fields."""
    text = str(value or "").strip() if lines else one_line(str(value or ""))
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > limit:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": limit}})
    return text
