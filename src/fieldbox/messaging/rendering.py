"""Rendering a message kind in one language, with the organisation's own wording when it has one.

A provider's wording may use only ``{{ variable }}`` placeholders of its kind, with a few
harmless filters; it is checked when it is saved (unknown or missing variables, too long
for SMS), so nothing can fail later at send time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import formataddr, parseaddr
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import TextNode, VariableNode
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from fieldbox.core.validators import one_line
from fieldbox.messaging.kinds import MessageKind
from fieldbox.messaging.models import MessageTemplate
from fieldbox.messaging.segments import sms_parts

if TYPE_CHECKING:
    from fieldbox.accounts.models import Organisation

ENGINE = Engine(autoescape=False)
ALLOWED_FILTERS = frozenset({"upper", "lower", "title", "capfirst", "date", "time", "default"})


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    html: str


def override_for(kind: MessageKind, organisation: Organisation | None, language: str) -> MessageTemplate | None:
    if organisation is None or not kind.overridable:
        return None
    return MessageTemplate.objects.filter(organisation=organisation, kind=kind.key, language=language).first()


def render(
    kind: MessageKind, context: dict[str, Any], language: str, organisation: Organisation | None = None
) -> Rendered:
    """The subject, text and HTML of ``kind`` for ``context``, in ``language``."""
    missing = kind.required - context.keys()
    if missing:
        raise ValueError(f"{kind.key} needs {sorted(missing)}")
    override = override_for(kind, organisation, language)
    zone = zone_of(organisation)
    with translation.override(language), timezone.override(zone):
        ctx = {"site_url": settings.SITE_URL, **local_times(context, zone)}
        if override is not None:
            return render_wording(kind, override.subject, override.body, ctx)
        return _render_default(kind, ctx)


def zone_of(organisation: Organisation | None) -> ZoneInfo:
    """The time zone of the organisation a message speaks for (the server's for messages of none)."""
    return ZoneInfo(organisation.time_zone if organisation is not None else settings.TIME_ZONE)


def local_times(value: Any, zone: ZoneInfo) -> Any:
    """``value`` with every moment in it (also in nested dicts and lists) as text a reader can trust.

    Templates and wordings print times as they are given: the time in ``zone`` in the current
    language's short format, followed by the zone's name, "25/11/2026 10:30 (Europe/Rome)". The
    request's or the worker's active time zone (it differs) never decides what a message says.
    """
    if isinstance(value, datetime) and timezone.is_aware(value):
        local = timezone.localtime(value, zone)
        return f"{formats.date_format(local, 'SHORT_DATETIME_FORMAT')} ({zone.key})"
    if isinstance(value, dict):
        return {key: local_times(item, zone) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [local_times(item, zone) for item in value]
    return value


def _render_default(kind: MessageKind, ctx: dict[str, Any]) -> Rendered:
    body = render_to_string(f"{kind.template}.txt", ctx).strip()
    if kind.is_sms:
        return Rendered("", " ".join(body.split()), "")
    subject = render_to_string(f"{kind.template}_subject.txt", ctx)
    return Rendered(" ".join(subject.split()), body + "\n", render_to_string(f"{kind.template}.html", ctx))


def render_wording(kind: MessageKind, subject: str, body: str, ctx: dict[str, Any]) -> Rendered:
    """Render an organisation's own wording (already checked by :func:`check_wording`)."""
    text = Template(body, engine=ENGINE).render(Context(ctx)).strip()
    if kind.is_sms:
        return Rendered("", " ".join(text.split()), "")
    title = " ".join(Template(subject, engine=ENGINE).render(Context(ctx)).split())
    html = render_to_string("messaging/email/from_text.html", {"body": text})
    return Rendered(title, text + "\n", html)


def _placeholders(source: str, kind: MessageKind, field: str) -> set[str]:
    """The variables ``source`` uses; anything but plain placeholders is refused."""
    try:
        template = Template(source, engine=ENGINE)
    except TemplateSyntaxError as exc:
        raise ValidationError({field: _("This text is not valid: %(error)s") % {"error": exc}}) from None
    used: set[str] = set()
    for node in template.nodelist:
        if isinstance(node, TextNode):
            continue
        if not isinstance(node, VariableNode):
            raise ValidationError({field: _("Only {{ variables }} may be used, no {% tags %}.")})
        used.add(_variable(node, kind, field))
    return used


def _variable(node: VariableNode, kind: MessageKind, field: str) -> str:
    expression = node.filter_expression
    var = getattr(expression.var, "var", None)
    lookups = getattr(expression.var, "lookups", None) or ()
    if not isinstance(var, str) or len(lookups) != 1 or var not in kind.variables:
        raise ValidationError(
            {
                field: _("Unknown variable {{ %(name)s }}. Available: %(names)s.")
                % {"name": node.filter_expression.token, "names": ", ".join(kind.variables)}
            }
        )
    for function, _args in expression.filters:
        if function.__name__ not in ALLOWED_FILTERS:
            raise ValidationError(
                {
                    field: _("The filter “%(filter)s” is not allowed. Allowed: %(names)s.")
                    % {"filter": function.__name__, "names": ", ".join(sorted(ALLOWED_FILTERS))}
                }
            )
    return var


def check_wording(kind: MessageKind, subject: str, body: str, language: str) -> Rendered:
    """Refuse a wording with unknown or missing variables, or too long for SMS; answer its preview."""
    used = _placeholders(body, kind, "body")
    if not kind.is_sms:
        if not subject.strip():
            raise ValidationError({"subject": _("An e-mail needs a subject.")})
        used |= _placeholders(subject, kind, "subject")
    missing = sorted(kind.required - used)
    if missing:
        names = ", ".join("{{ %s }}" % name for name in missing)  # noqa: UP031 - braces of the template syntax
        raise ValidationError({"body": _("The text must contain %(names)s.") % {"names": names}})
    with translation.override(language):
        rendered = render_wording(kind, subject, body, {"site_url": settings.SITE_URL, **kind.sample})
    if kind.is_sms:
        parts = sms_parts(rendered.body)
        if parts.segments > settings.SMS_MAX_SEGMENTS:
            raise ValidationError(
                {
                    "body": _("With the example values this SMS takes %(n)s parts; at most %(max)s are allowed.")
                    % {"n": parts.segments, "max": settings.SMS_MAX_SEGMENTS}
                }
            )
    return rendered


def preview(kind: MessageKind, language: str, organisation: Organisation | None) -> Rendered:
    """The message as it would go out now, with the kind's example values."""
    return render(kind, dict(kind.sample), language, organisation)


def sender_for(organisation: Organisation | None) -> str:
    """Our address, under the name of the organisation the message speaks for (on one line: a header)."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if organisation is None:
        return settings.DEFAULT_FROM_EMAIL
    return formataddr((f"{one_line(organisation.name)} (Fieldbox)", address))
