"""A removal request's way in: upload and check (a draft of lines), confirm (jobs for the removers), discard.

Small files are checked while the requester waits; larger ones (more than ``REMOVAL_IMPORT_BACKGROUND_ROWS`` rows)
are kept in the storage and checked by a worker (``removals.tasks``), which starts over from the kept file when it
runs again. The checked rows wait as ``RemovalDraftLine`` rows; confirming turns them into removal lines
("notified"), each with its removal job assigned to the remover, in one transaction with their audit events and
the e-mails to the removers, and deletes the drafts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fieldbox.accounts import selectors as accounts_selectors
from fieldbox.accounts.models import Organisation, User
from fieldbox.core import clock, numbering, transitions, uploads
from fieldbox.core.errors import Conflict
from fieldbox.core.later import later
from fieldbox.core.tenancy import Scope
from fieldbox.core.uploads import RowError
from fieldbox.fleet.choices import SubscriptionStatus
from fieldbox.fleet.models import Subscription, Vehicle
from fieldbox.jobs.choices import JOB_TABLE, JobKind
from fieldbox.jobs.models import Job
from fieldbox.jobs.services.moves import job_number
from fieldbox.removals import imports
from fieldbox.removals.choices import LINE_TABLE, REQUEST_TABLE, RequestState
from fieldbox.removals.models import RemovalDraftLine, RemovalLine, RemovalRequest
from fieldbox.removals.notifications import notify_removers

ERRORS_KEPT = 1000
PROGRESS_CHUNK = 5000


def stored_path(request: RemovalRequest) -> str:
    """Where the file of a request checked in the background is kept until its check ends."""
    ext = request.file_name.rsplit(".", 1)[-1].lower()[:5] if "." in request.file_name else "bin"
    return f"removal-requests/{request.provider_id}/{request.pk}.{ext}"


def _delete_kept_file(request: RemovalRequest) -> None:
    """The file kept for a background check goes once the caller's transaction commits (if there is one)."""
    path = stored_path(request)
    transaction.on_commit(lambda: default_storage.delete(path) if default_storage.exists(path) else None)


def draft_for(scope: Scope, request_id: int) -> RemovalRequest:
    """A request of this provider not yet saved, or saved (for its "saved" page); others do not exist."""
    return RemovalRequest.objects.visible_to(scope).get(pk=request_id)


def draft_lines(request: RemovalRequest) -> QuerySet[RemovalDraftLine]:
    """The summary's lines: the checked rows with the make and model of their vehicle and their remover's name
    and e-mail (found by VIN and company: a page of lines costs one query)."""
    vehicles = Vehicle.objects.filter(provider_id=request.provider_id, vin=OuterRef("vin")).exclude(vin="")
    companies = Organisation.objects.filter(pk=OuterRef("company_id"))
    return (
        RemovalDraftLine.objects.filter(request=request)
        .annotate(
            make=Subquery(vehicles.values("make")[:1]),
            model=Subquery(vehicles.values("model")[:1]),
            company_name=Subquery(companies.values("name")[:1]),
            company_email=Subquery(companies.values("email")[:1]),
        )
        .order_by("row")
    )


def saved_lines(request: RemovalRequest) -> QuerySet[RemovalLine]:
    """The lines of a confirmed request, with their vehicle, subscription and remover."""
    return (
        RemovalLine.objects.filter(request=request).select_related("vehicle", "subscription", "company").order_by("row")
    )


def _errors_of(errors: list[RowError]) -> list[dict[str, Any]]:
    return [e.as_dict() for e in errors[:ERRORS_KEPT]]


# ---- upload and check ----------------------------------------------------------------------------------


@uploads.collector_paused()
def request_upload(
    *,
    scope: Scope,
    stream: IO[bytes],
    file_name: str,
    size: int | None,
    follow_up_email: str = "",
    description: str = "",
    keep_valid_only: bool = False,
    refuse_errors: bool = False,
) -> RemovalRequest:
    """Read and check a file; a draft (state "ready") or, for a large file, one checked in the background.

    A file that cannot be read, a wrong header or a file without one valid row raises ``ImportRefused`` and
    leaves nothing behind; so do rows in error when ``refuse_errors`` (the API without ``keep_valid_only``)."""
    REQUEST_TABLE.require("upload", scope)
    follow_up_email = follow_up_email.strip()
    if follow_up_email:
        try:
            validate_email(follow_up_email)
        except ValidationError:
            raise ValidationError({"follow_up_email": _("Enter a valid e-mail address.")}) from None
    table = imports.read_table(stream, file_name, size)
    fields = {
        "provider": scope.organisation,
        "created_by": scope.user,
        "file_name": (file_name or "")[-255:],
        "follow_up_email": follow_up_email or scope.user.email,
        "description": description[:200],
        "keep_valid_only": keep_valid_only,
        "rows_total": len(table) - 1,
    }
    if len(table) - 1 > settings.REMOVAL_IMPORT_BACKGROUND_ROWS:
        return _upload_in_background(scope, stream, fields)
    with transitions.atomic():  # a refused file leaves no request and no draft line
        request = RemovalRequest(**fields)
        REQUEST_TABLE.create(request, "upload", scope=scope, data={"rows": request.rows_total})
        checked = imports.check(scope, request, table)
        if not checked.lines or (refuse_errors and checked.errors and not keep_valid_only):
            raise imports.ImportRefused(checked.errors)
        _keep(request, checked, "check", scope=scope)
    return request


@uploads.collector_paused()
def request_dry_run(
    *, scope: Scope, stream: IO[bytes], file_name: str, size: int | None, shown: int
) -> tuple[imports.Checked, list[RemovalDraftLine]]:
    """Check a file as an upload does and keep nothing: what the check found and the first ``shown`` lines."""
    REQUEST_TABLE.require("upload", scope)
    table = imports.read_table(stream, file_name, size)
    with transitions.atomic():
        request = RemovalRequest(
            provider=scope.organisation,
            created_by=scope.user,
            file_name=(file_name or "")[-255:],
            rows_total=len(table) - 1,
        )
        REQUEST_TABLE.create(request, "upload", scope=scope)
        checked = imports.check(scope, request, table)
        lines = list(draft_lines(request)[:shown])
        transaction.set_rollback(True)  # the request and its draft lines were only the check's
    return checked, lines


def _keep(request: RemovalRequest, checked: imports.Checked, action: str, *, scope: Scope | None) -> None:
    """Keep what the check found on the draft, now ready (or refused): in the caller's transaction."""
    changes = {
        "rows_done": checked.rows_total,
        "errors": _errors_of(checked.errors),
        "error_count": checked.rows_in_error,
        "line_count": checked.lines,
    }
    data = {"rows": checked.rows_total, "lines": checked.lines, "rows_in_error": checked.rows_in_error}
    REQUEST_TABLE.apply(request, action, scope=scope, actor=request.created_by, changes=changes, data=data)


def _upload_in_background(scope: Scope, stream: IO[bytes], fields: dict[str, Any]) -> RemovalRequest:
    with transitions.atomic():
        request = RemovalRequest(**fields)
        REQUEST_TABLE.create(request, "upload", scope=scope, data={"rows": request.rows_total})
        stream.seek(0)
        default_storage.save(stored_path(request), ContentFile(stream.read()))
        transaction.on_commit(lambda: later("fieldbox.removals.tasks.check_request", request.pk))
    return request


@uploads.collector_paused()
def request_check_stored(request_id: int) -> str:
    """Check a kept file (the worker's side): lines saved, progress in ``rows_done``; starts over when re-run.

    The row errors are written in the language of the person who uploaded the file, as on the page."""
    request = RemovalRequest.objects.filter(pk=request_id, state=RequestState.CHECKING).first()
    if request is None or request.created_by is None:
        return "gone"
    with translation.override(request.created_by.language or request.provider.language):
        return _check_stored(request, request.created_by)


def _check_stored(request: RemovalRequest, creator: User) -> str:
    scope = accounts_selectors.scope_for(creator, request.provider_id)
    RemovalDraftLine.objects.filter(request=request).delete()
    RemovalRequest.objects.filter(pk=request.pk).update(rows_done=0)
    path = stored_path(request)
    try:
        if scope is None or scope.organisation.pk != request.provider_id:
            raise imports.ImportRefused([RowError(0, "", _("The requester no longer belongs to this provider."))])
        with default_storage.open(path, "rb") as stream:
            table = imports.read_table(stream, request.file_name, None)
        progress = RemovalRequest.objects.filter(pk=request.pk, state=RequestState.CHECKING)
        checked = imports.check(
            scope, request, table, chunk=PROGRESS_CHUNK, progress=lambda n: progress.update(rows_done=n)
        )
    except imports.ImportRefused as refused:
        checked = imports.Checked(rows_total=request.rows_total, errors=refused.errors)
    with transitions.atomic():
        checking = RemovalRequest.objects.filter(state=RequestState.CHECKING)
        if not checking.filter(pk=request.pk).exists():  # discarded meanwhile: the lines written since go too
            RemovalDraftLine.objects.filter(request_id=request.pk).delete()
            return "gone"
        locked = REQUEST_TABLE.lock(checking.select_related("created_by"), request.pk)
        _keep(locked, checked, "check" if checked.lines else "refuse", scope=None)
        _delete_kept_file(locked)
    return str(locked.state)


# ---- confirm and discard -------------------------------------------------------------------------------


def _locked(scope: Scope, request_id: int) -> RemovalRequest:
    return REQUEST_TABLE.lock(RemovalRequest.objects.visible_to(scope), request_id)


def request_confirm_later(*, scope: Scope, request_id: int, keep_valid_only: bool = False) -> RemovalRequest:
    """A large request is saved by a worker: mark it "saving" and queue it (the page shows the progress)."""
    REQUEST_TABLE.require("confirm_later", scope)
    with transitions.atomic():
        request = _locked(scope, request_id)
        REQUEST_TABLE.check(request, "confirm_later", scope)
        _refuse_errors(request, keep_valid_only)
        changes = {"keep_valid_only": request.keep_valid_only or keep_valid_only}
        REQUEST_TABLE.apply(request, "confirm_later", scope=scope, changes=changes)
        transaction.on_commit(lambda: later("fieldbox.removals.tasks.confirm_request", request.pk, scope.user.pk))
    return request


def _refuse_errors(request: RemovalRequest, keep_valid_only: bool) -> None:
    if request.error_count and not (keep_valid_only or request.keep_valid_only):
        message = ngettext(
            "%(n)s row has errors: correct the file, or tick “Keep only the valid rows”.",
            "%(n)s rows have errors: correct the file, or tick “Keep only the valid rows”.",
            request.error_count,
        )
        raise ValidationError({"keep_valid_only": message % {"n": request.error_count}})


def request_confirm(*, scope: Scope, request_id: int, keep_valid_only: bool = False) -> RemovalRequest:
    """Lines notified, one assigned removal job each, their audit rows, the e-mails to the removers and the
    request's number: all or nothing."""
    REQUEST_TABLE.require("confirm", scope)
    try:
        with transitions.atomic():
            request = _locked(scope, request_id)
            REQUEST_TABLE.check(request, "confirm", scope)
            _refuse_errors(request, keep_valid_only)
            drafts = _resolved(scope, request)
            if not drafts:
                raise Conflict(_("This request has no valid row to save."))
            _refuse_busy(drafts)
            number = f"#{numbering.take(f'removals.request:{request.provider_id}')}"
            jobs = _create_jobs(scope, number, drafts)
            lines = _create_lines(scope, request, drafts, jobs)
            RemovalDraftLine.objects.filter(request=request).delete()
            changes = {
                "saved_at": clock.now(),
                "keep_valid_only": request.keep_valid_only or keep_valid_only,
                "rows_done": len(lines),
                "number": number,
            }
            REQUEST_TABLE.apply(request, "confirm", scope=scope, changes=changes, data={"lines": len(lines)})
            notify_removers(request)
    except IntegrityError:
        raise Conflict(
            _(
                "A vehicle of this request was put in another open removal or job meanwhile: discard it and "
                "upload again."
            )
        ) from None
    return request


@dataclass(frozen=True)
class _Draft:
    """A draft line with its vehicle, subscription and remover as they are when confirming."""

    line: RemovalDraftLine
    vehicle_id: int
    subscription_id: int
    customer_id: int
    product_id: int
    company_id: int
    wished_on: date


# Every draft line with its vehicle (by VIN) and active subscription (by number), looked up in VIN order through the
# unique indexes, as the check does (``imports.LOOKUP_SQL_PG``): a hash join or a nested loop over draft lines
# without statistics reads the whole fleet (95 s for 20,000 rows against 1,000,000 vehicles).
RESOLVE_SQL_PG = """
SELECT t.id, v.id, s.id, s.vehicle_id, s.customer_id, s.product_id
FROM (SELECT id, vin, number FROM removals_removaldraftline WHERE request_id = %(request)s ORDER BY vin) t
LEFT JOIN LATERAL (
    SELECT id FROM fleet_vehicle WHERE provider_id = %(provider)s AND vin = t.vin AND vin <> '' LIMIT 1
) v ON true
LEFT JOIN LATERAL (
    SELECT id, vehicle_id, customer_id, product_id FROM fleet_subscription
    WHERE provider_id = %(provider)s AND number = t.number AND status = %(active)s LIMIT 1
) s ON true
"""


def _fleet_of(provider_id: int, request: RemovalRequest) -> dict[int, tuple[Any, ...]]:
    """Draft line id -> (vehicle id, subscription id, its vehicle id, customer id, product id), one query."""
    params: dict[str, Any] = {"request": request.pk, "provider": provider_id, "active": str(SubscriptionStatus.ACTIVE)}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(RESOLVE_SQL_PG, params)
            return {row[0]: row[1:] for row in cursor.fetchall()}
    drafts = RemovalDraftLine.objects.filter(request=request)
    vehicles = Vehicle.objects.filter(provider_id=provider_id, vin=OuterRef("vin")).exclude(vin="")
    subscriptions = Subscription.objects.filter(
        provider_id=provider_id, number=OuterRef("number"), status=SubscriptionStatus.ACTIVE
    )
    columns = ("pk", "vehicle_id", "customer_id", "product_id")
    rows = drafts.annotate(
        v=Subquery(vehicles.values("pk")[:1]), **{f"s_{c}": Subquery(subscriptions.values(c)[:1]) for c in columns}
    ).values_list("pk", "v", "s_pk", "s_vehicle_id", "s_customer_id", "s_product_id")
    return {row[0]: row[1:] for row in rows}


def _resolved(scope: Scope, request: RemovalRequest) -> list[_Draft]:
    """The draft lines with their vehicle, active subscription and accepted remover, found again whatever their
    number in three queries; a Conflict names the vehicles changed since the check."""
    provider = scope.organisation
    fleet = _fleet_of(provider.pk, request)
    partners = set(accounts_selectors.accepted_installers_for(scope).values_list("pk", flat=True))
    found, changed = [], []
    for line in RemovalDraftLine.objects.filter(request=request).order_by("row"):
        vehicle_id, sub_id, sub_vehicle, customer_id, product_id = fleet.get(line.pk, (None,) * 5)
        if (
            vehicle_id is None
            or sub_id is None
            or sub_vehicle != vehicle_id
            or line.company_id not in partners
            or line.wished_on is None
        ):
            changed.append(line.vin)
        else:
            assert line.company_id is not None
            assert line.wished_on is not None
            found.append(_Draft(line, vehicle_id, sub_id, customer_id, product_id, line.company_id, line.wished_on))
    if changed:
        message = _(
            "These vehicles, their subscriptions or their removers changed since the check: %(vins)s. Discard this "
            "request and upload the file again."
        )
        raise Conflict(message % {"vins": ", ".join(changed[:20])})
    today = clock.today(provider.time_zone)
    past = [d.line.vin for d in found if d.wished_on < today]
    if past:
        message = _(
            "The wished date of these vehicles is now past: %(vins)s. Discard this request and upload it again."
        )
        raise Conflict(message % {"vins": ", ".join(past[:20])})
    return found


def _chunks(values: list[int], size: int = 5000) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _refuse_busy(drafts: list[_Draft]) -> None:
    """No vehicle may have gone into another open removal, or got another open job, since the check."""
    ids = [d.vehicle_id for d in drafts]
    busy: set[int] = set()
    for chunk in _chunks(ids):
        busy |= set(RemovalLine.objects.open().filter(vehicle_id__in=chunk).values_list("vehicle_id", flat=True))
        busy |= set(Job.objects.holding(chunk).values_list("vehicle_id", flat=True))
    vins = [d.line.vin for d in drafts if d.vehicle_id in busy]
    if vins:
        message = _("These vehicles were put in another open removal or job meanwhile: %(vins)s. Discard this request.")
        raise Conflict(message % {"vins": ", ".join(vins[:20])})


def _create_jobs(scope: Scope, number: str, drafts: list[_Draft]) -> list[Job]:
    provider, now = scope.organisation, clock.now()
    numbers = job_number(provider.pk, len(drafts))
    jobs = []
    for d, job_no in zip(drafts, numbers, strict=True):
        n = d.line
        notes = " — ".join(x for x in (n.place, n.comment) if x)[:500]
        jobs.append(
            Job(
                provider=provider,
                number=job_no,
                kind=JobKind.REMOVAL,
                in_removal_request=True,
                subscription_id=d.subscription_id,
                vehicle_id=d.vehicle_id,
                customer_id=d.customer_id,
                product_id=d.product_id,
                company_id=d.company_id,
                assigned_at=now,
                visible_from=now,
                deadline_at=clock.end_of_day(d.wished_on, provider.time_zone),
                spec={"notes": notes} if notes else {},
            )
        )
    rows = {id(job): (d.line.row, d.line.code) for job, d in zip(jobs, drafts, strict=True)}

    def data(job: Job) -> dict[str, Any]:
        row, code = rows[id(job)]
        return {"removal_request": number, "row": row, "company": code}

    return JOB_TABLE.create_many(jobs, "create_removal", scope=scope, data=data)


def _create_lines(scope: Scope, request: RemovalRequest, drafts: list[_Draft], jobs: list[Job]) -> list[RemovalLine]:
    """The drafts as notified lines, each with its job (multi-row inserts; the unique index refuses a busy vehicle)."""
    lines = [
        RemovalLine(
            provider_id=request.provider_id,
            request=request,
            row=d.line.row,
            vehicle_id=d.vehicle_id,
            subscription_id=d.subscription_id,
            company_id=d.company_id,
            job=job,
            place=d.line.place,
            wished_on=d.wished_on,
            comment=d.line.comment,
        )
        for d, job in zip(drafts, jobs, strict=True)
    ]
    return LINE_TABLE.create_many(lines, "notify", scope=scope)


def request_confirm_failed(request_id: int, message: str) -> None:
    """A background save refused or broke: the draft is ready again, with why (the worker's side)."""
    with transitions.atomic():
        saving = RemovalRequest.objects.filter(state=RequestState.SAVING)
        if not saving.filter(pk=request_id).exists():
            return
        request = REQUEST_TABLE.lock(saving, request_id)
        errors = [RowError(0, "", message).as_dict(), *request.errors][:ERRORS_KEPT]
        REQUEST_TABLE.apply(request, "confirm_failed", scope=None, changes={"errors": errors}, reason=message)


def request_discard(*, scope: Scope, request_id: int) -> None:
    """Delete a draft that was not saved, with its lines and its kept file (also one a worker should have saved and
    did not: the worker then finds nothing)."""
    REQUEST_TABLE.require("discard", scope)
    with transitions.atomic():
        request = _locked(scope, request_id)
        REQUEST_TABLE.check(request, "discard", scope)
        _delete_kept_file(request)
        RemovalDraftLine.objects.filter(request=request).delete()
        REQUEST_TABLE.apply(request, "discard", scope=scope)


def drafts_purge(*, older_than: timedelta) -> int:
    """Drafts nobody confirmed or discarded (ready, refused, a check or a save no worker finished) created more than
    ``older_than`` ago: deleted with their draft lines and kept files, like a discard (audited). Answers how many."""
    limit = clock.now() - older_than
    stale = RemovalRequest.objects.drafts().filter(created_at__lt=limit)
    purged = 0
    for pk in stale.values_list("pk", flat=True)[:500]:
        with transitions.atomic():
            request = stale.select_for_update(skip_locked=True).filter(pk=pk).first()
            if request is None:
                continue
            REQUEST_TABLE.hold(request)
            _delete_kept_file(request)
            RemovalDraftLine.objects.filter(request=request).delete()
            REQUEST_TABLE.apply(request, "expire", scope=None, data={"created_at": request.created_at.isoformat()})
        purged += 1
    return purged
