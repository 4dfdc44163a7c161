"""The job code ("Code mission"): one code per removal line that lets a technician without an account open it.

Only a keyed hash of the code is stored (``RemovalLine.code_hash``); the code itself is shown once, when it is
issued, and issuing again replaces it. A code opens its line only together with the remover's installer code, and
only while the line is open (notified or accepted). The page it opens is held by a signed, short-lived marker in
the technician's session, bound to the code it was opened with: a new code or the end of the line closes it.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from fieldbox.core import clock, transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.removals.choices import LINE_TABLE, OPEN_LINE
from fieldbox.removals.models import RemovalLine
from fieldbox.removals.services import lines

# No 0/O, 1/I/L: a code read over the phone or copied from a note cannot be mistyped into another one.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MARKER_SALT = "fieldbox.removals.mission"


def normalised(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def code_hash(code: str) -> str:
    """Keyed with the site's secret: a copy of the database alone does not allow trying codes offline."""
    return salted_hmac("fieldbox.removals.job-code", normalised(code), algorithm="sha256").hexdigest()


def line_code_issue(*, scope: Scope, line_id: int) -> str:
    """ "Give a technician access": a new code for the line (the previous one stops working), shown once."""
    LINE_TABLE.require("code_issue", scope)
    with transitions.atomic():
        line = lines.locked(scope, line_id)
        code = "".join(secrets.choice(ALPHABET) for _i in range(CODE_LENGTH))
        replaced = bool(line.code_hash)
        changes = {"code_hash": code_hash(code), "updated_at": clock.now()}
        LINE_TABLE.apply(line, "code_issue", scope=scope, changes=changes, data={"replaced": replaced})
    return code


def line_by_codes(installer_code: str, code: str) -> RemovalLine | None:
    """The open line this pair opens, or None: the caller never learns which half was wrong."""
    if not installer_code.strip() or len(normalised(code)) != CODE_LENGTH:
        return None
    return (
        RemovalLine.objects.select_related("vehicle", "company")
        .filter(
            code_hash=code_hash(code),
            company__installer_code=installer_code.strip().upper(),
            status__in=OPEN_LINE,
        )
        .first()
    )


def mission_marker(line: RemovalLine) -> str:
    return signing.dumps({"line": line.pk, "code": line.code_hash[:16]}, salt=MARKER_SALT)


def line_of_marker(marker: str | None) -> RemovalLine | None:
    """The line a session marker opens while it is young, its code unchanged and the line still open."""
    if not marker:
        return None
    try:
        data: dict[str, Any] = signing.loads(marker, salt=MARKER_SALT, max_age=settings.JOB_CODE_SESSION_MINUTES * 60)
    except signing.BadSignature:
        return None
    line = (
        RemovalLine.objects.select_related("vehicle", "company", "request__provider")
        .filter(pk=int(data.get("line") or 0), status__in=OPEN_LINE)
        .exclude(code_hash="")
        .first()
    )
    if line is None or not constant_time_compare(line.code_hash[:16], str(data.get("code", ""))):
        return None
    return line


def line_report_by_code(
    *, line_id: int, marker_code: str, removed_at: datetime, serial_end: str, technician: str
) -> RemovalLine:
    """A technician opened the line with its job code and reports the removal: no person signs it, the
    audit names the technician; the line must still be open and its code the one the page was opened with."""
    with transitions.atomic():
        opened = (
            RemovalLine.objects.select_related("request__provider", "vehicle", "company")
            .filter(status__in=OPEN_LINE)
            .exclude(code_hash="")
        )
        line = opened.filter(pk=line_id).first()
        if line is not None:
            line = LINE_TABLE.lock(opened, line_id)
        if line is None or not constant_time_compare(line.code_hash[:16], marker_code):
            raise Conflict(_("This job code no longer opens this removal."))
        lines.report(line, scope=None, removed_at=removed_at, serial_end=serial_end, technician=technician)
        line.code_hash = ""  # used: the code opens nothing any more
        line.save(update_fields=["code_hash"])
    return line
