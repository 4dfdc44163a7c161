"""Message kinds: every e-mail and SMS the product sends, with its variables and default templates.

Apps register their kinds at start-up. The default wording of a kind lives in template
files translated with gettext (it/fr/en); a provider's admins may replace it for their
organisation, one language at a time (see :mod:`fieldbox.messaging.rendering`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

from fieldbox.messaging.choices import Channel


@dataclass(frozen=True)
class MessageKind:
    key: str
    channel: str
    label: str | Promise
    # The variables a template may use, with what they hold (shown to people editing it).
    variables: Mapping[str, str | Promise]
    # Template files without their ending: "<template>_subject.txt", "<template>.txt", "<template>.html".
    template: str
    # Variables every wording must keep (the link of an invitation, …).
    required: frozenset[str] = frozenset()
    # Example values for the preview and for the length check of SMS.
    sample: dict[str, Any] = field(default_factory=dict)
    overridable: bool = True

    @property
    def is_sms(self) -> bool:
        return self.channel == Channel.SMS


KINDS: dict[str, MessageKind] = {}


def register(*kinds: MessageKind) -> None:
    for kind in kinds:
        KINDS[kind.key] = kind


def get(key: str) -> MessageKind:
    return KINDS[key]


def overridable() -> list[MessageKind]:
    return sorted((k for k in KINDS.values() if k.overridable), key=lambda k: (k.channel, str(k.label)))
