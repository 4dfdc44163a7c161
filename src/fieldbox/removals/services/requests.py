"""A removal request's way in: upload and check (a draft of lines), confirm (jobs for the removers), discard.

Small files are checked while the requester waits; larger ones (more than ``REMOVAL_IMPORT_BACKGROUND_ROWS`` rows)
are kept in the storage and checked by a worker (``removals.tasks``), which starts over from the kept file when it
runs again. The checked rows wait as ``RemovalDraftLine`` rows; confirming turns them into removal lines
("notified"), each with its removal job assigned to the remover, in one transaction with their audit events and
the e-mails to the removers, and deletes the drafts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fieldbox.accounts import selectors as accounts_selectors
from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import Organisation, User
from fieldbox.core import audit, uploads
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent
from fieldbox.core.tenancy import Scope
from fieldbox.core.uploads import RowError
from fieldbox.fleet.choices import SubscriptionStatus
from fieldbox.fleet.models import Subscription, Vehicle
from fieldbox.jobs.choices import JobKind, JobStatus
from fieldbox.jobs.models import Job
from fieldbox.removals import imports
from fieldbox.removals.choices import OPEN_LINE, LineStatus, RequestState
from fieldbox.removals.models import RemovalDraftLine, RemovalLine, RemovalRequest
from fieldbox.removals.notifications import notify_removers

REQUESTERS = (Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.AGENCY)
DRAFT_STATES = (RequestState.CHECKING, RequestState.READY, RequestState.SAVING, RequestState.REFUSED)
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
    return RemovalRequest.objects.get(pk=request_id, provider=scope.organisation)


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
    scope.require_role(*REQUESTERS)
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
    with transaction.atomic():  # a refused file leaves no request and no draft line
        request = RemovalRequest.objects.create(state=RequestState.READY, **fields)
        checked = imports.check(scope, request, table)
        if not checked.lines or (refuse_errors and checked.errors and not keep_valid_only):
            raise imports.ImportRefused(checked.errors)
        _keep(request, checked)
    return request


@uploads.collector_paused()
def request_dry_run(
    *, scope: Scope, stream: IO[bytes], file_name: str, size: int | None, shown: int
) -> tuple[imports.Checked, list[RemovalDraftLine]]:
    """Check a file as an upload does and keep nothing: what the check found and the first ``shown`` lines."""
    scope.require_role(*REQUESTERS)
    table = imports.read_table(stream, file_name, size)
    with transaction.atomic():
        request = RemovalRequest.objects.create(
            provider=scope.organisation,
            created_by=scope.user,
            file_name=(file_name or "")[-255:],
            rows_total=len(table) - 1,
            state=RequestState.CHECKING,
        )
        checked = imports.check(scope, request, table)
        lines = list(draft_lines(request)[:shown])
        transaction.set_rollback(True)  # the request and its draft lines were only the check's
    return checked, lines


def _keep(request: RemovalRequest, checked: imports.Checked) -> None:
    """Keep what the check found on the draft (in the caller's transaction)."""
    request.rows_done = checked.rows_total
    request.errors = _errors_of(checked.errors)
    request.error_count = checked.rows_in_error
    request.save(update_fields=["rows_done", "errors", "error_count", "state"])
    audit.record(
        actor=request.created_by,
        organisation=request.provider,
        obj=request,
        action="removal_request.check",
        to_state=request.state,
        data={"rows": checked.rows_total, "lines": checked.lines, "rows_in_error": checked.rows_in_error},
    )


def _upload_in_background(scope: Scope, stream: IO[bytes], fields: dict[str, Any]) -> RemovalRequest:
    from fieldbox.removals.tasks import check_request

    with transaction.atomic():
        request = RemovalRequest.objects.create(state=RequestState.CHECKING, **fields)
        stream.seek(0)
        default_storage.save(stored_path(request), ContentFile(stream.read()))
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=request,
            action="removal_request.upload",
            to_state=request.state,
            data={"rows": request.rows_total},
        )
        transaction.on_commit(lambda: check_request.delay(request.pk))
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
    with transaction.atomic():
        locked = RemovalRequest.objects.select_for_update().filter(pk=request.pk, state=RequestState.CHECKING).first()
        if locked is None:  # discarded meanwhile: the lines written since go too
            RemovalDraftLine.objects.filter(request_id=request.pk).delete()
            return "gone"
        locked.state = RequestState.READY if checked.lines else RequestState.REFUSED
        _keep(locked, checked)
        _delete_kept_file(locked)
    return str(locked.state)


# ---- confirm and discard -------------------------------------------------------------------------------


def _locked(scope: Scope, request_id: int, states: tuple[str, ...]) -> RemovalRequest:
    request = RemovalRequest.objects.select_for_update().filter(pk=request_id, provider=scope.organisation).first()
    if request is None:
        raise RemovalRequest.DoesNotExist
    if request.state not in states:
        raise Conflict(_("Not possible while the request is “%(state)s”.") % {"state": request.get_state_display()})
    return request


def request_confirm_later(*, scope: Scope, request_id: int, keep_valid_only: bool = False) -> RemovalRequest:
    """A large request is saved by a worker: mark it "saving" and queue it (the page shows the progress)."""
    from fieldbox.removals.tasks import confirm_request

    scope.require_role(*REQUESTERS)
    with transaction.atomic():
        request = _locked(scope, request_id, (RequestState.READY,))
        _refuse_errors(request, keep_valid_only)
        request.state, request.keep_valid_only = RequestState.SAVING, request.keep_valid_only or keep_valid_only
        request.save(update_fields=["state", "keep_valid_only"])
        transaction.on_commit(lambda: confirm_request.delay(request.pk, scope.user.pk))
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
    """Lines new → notified, one assigned removal job each, audit events, e-mails to the removers: all or nothing."""
    scope.require_role(*REQUESTERS)
    try:
        with transaction.atomic():
            request = _locked(scope, request_id, (RequestState.READY, RequestState.SAVING))
            _refuse_errors(request, keep_valid_only)
            drafts = _resolved(scope, request)
            if not drafts:
                raise Conflict(_("This request has no valid row to save."))
            _refuse_busy(drafts)
            jobs = _create_jobs(scope, request, drafts)
            lines = _create_lines(request, drafts, jobs)
            AuditEvent.objects.bulk_create(_events(scope, request, drafts, lines), batch_size=1000)
            RemovalDraftLine.objects.filter(request=request).delete()
            request.state, request.saved_at = RequestState.SAVED, timezone.now()
            request.keep_valid_only = request.keep_valid_only or keep_valid_only
            request.rows_done = len(lines)
            request.save(update_fields=["state", "saved_at", "keep_valid_only", "rows_done"])
            audit.record(
                actor=scope.user,
                organisation=scope.organisation,
                obj=request,
                action="removal_request.confirm",
                from_state=RequestState.READY,
                to_state=RequestState.SAVED,
                data={"lines": len(lines)},
            )
            notify_removers(request)
    except IntegrityError:
        raise Conflict(
            _("A vehicle of this request was put in another open removal meanwhile: discard it and upload again.")
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


def _resolved(scope: Scope, request: RemovalRequest) -> list[_Draft]:
    """The draft lines with their vehicle (by VIN), active subscription (by number) and accepted remover, found
    again in three queries whatever their number; a Conflict names the vehicles changed since the check."""
    provider, drafts = scope.organisation, RemovalDraftLine.objects.filter(request=request)
    vehicles = dict(
        Vehicle.objects.filter(provider=provider, vin__in=drafts.values("vin")).exclude(vin="").values_list("vin", "pk")
    )
    subscriptions = {
        number: (pk, vehicle_id, customer_id, product_id)
        for number, pk, vehicle_id, customer_id, product_id in Subscription.objects.filter(
            provider=provider, number__in=drafts.values("number"), status=SubscriptionStatus.ACTIVE
        ).values_list("number", "pk", "vehicle_id", "customer_id", "product_id")
    }
    partners = set(
        accounts_selectors.accepted_installers_for(scope)
        .filter(pk__in=drafts.values("company_id"))
        .values_list("pk", flat=True)
    )
    found, changed = [], []
    for line in drafts.order_by("row"):
        vehicle_id, subscription = vehicles.get(line.vin), subscriptions.get(line.number)
        company_id, wished_on = line.company_id, line.wished_on
        if (
            vehicle_id is None
            or subscription is None
            or subscription[1] != vehicle_id
            or company_id is None
            or company_id not in partners
            or wished_on is None
        ):
            changed.append(line.vin)
        else:
            sub_id, _vehicle, customer_id, product_id = subscription
            found.append(_Draft(line, vehicle_id, sub_id, customer_id, product_id, company_id, wished_on))
    if changed:
        message = _(
            "These vehicles, their subscriptions or their removers changed since the check: %(vins)s. Discard this "
            "request and upload the file again."
        )
        raise Conflict(message % {"vins": ", ".join(changed[:20])})
    today = timezone.localtime(timezone.now(), ZoneInfo(provider.time_zone)).date()
    past = [d.line.vin for d in found if d.wished_on < today]
    if past:
        message = _(
            "The wished date of these vehicles is now past: %(vins)s. Discard this request and upload it again."
        )
        raise Conflict(message % {"vins": ", ".join(past[:20])})
    return found


def _refuse_busy(drafts: list[_Draft]) -> None:
    """No vehicle may have gone into another open removal since the check (one query)."""
    busy = set(
        RemovalLine.objects.filter(vehicle_id__in=[d.vehicle_id for d in drafts], status__in=OPEN_LINE).values_list(
            "vehicle_id", flat=True
        )
    )
    vins = [d.line.vin for d in drafts if d.vehicle_id in busy]
    if vins:
        message = _("These vehicles were put in another open removal meanwhile: %(vins)s. Discard this request.")
        raise Conflict(message % {"vins": ", ".join(vins[:20])})


def _end_of_day(day: date, tz_name: str) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(tz_name))


def _create_jobs(scope: Scope, request: RemovalRequest, drafts: list[_Draft]) -> list[Job]:
    provider, now = scope.organisation, timezone.now()
    jobs = []
    for d in drafts:
        n = d.line
        jobs.append(
            Job(
                provider=provider,
                kind=JobKind.REMOVAL,
                status=JobStatus.ASSIGNED,
                subscription_id=d.subscription_id,
                vehicle_id=d.vehicle_id,
                customer_id=d.customer_id,
                product_id=d.product_id,
                company_id=d.company_id,
                assigned_at=now,
                visible_from=now,
                deadline_at=_end_of_day(d.wished_on, provider.time_zone),
                spec={"notes": " — ".join(x for x in (n.place, n.comment) if x)[:500]} if n.place or n.comment else {},
            )
        )
    return Job.objects.bulk_create(jobs, batch_size=1000)


def _create_lines(request: RemovalRequest, drafts: list[_Draft], jobs: list[Job]) -> list[RemovalLine]:
    """The drafts as notified lines, each with its job (multi-row inserts; the unique index refuses a busy vehicle)."""
    lines = [
        RemovalLine(
            request=request,
            row=d.line.row,
            status=LineStatus.NOTIFIED,
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
    return RemovalLine.objects.bulk_create(lines, batch_size=1000)


def _events(scope: Scope, request: RemovalRequest, drafts: list[_Draft], lines: list[RemovalLine]) -> list[AuditEvent]:
    """What audit.record writes, for every job created and every line notified."""
    common = {"actor": scope.user, "actor_label": scope.user.email, "organisation": scope.organisation}
    events: list[AuditEvent] = []
    for d, n in zip(drafts, lines, strict=True):
        assert n.job is not None
        events.append(
            AuditEvent(
                **common,
                object_type=Job._meta.label_lower,
                object_id=str(n.job.pk),
                object_label=n.job.number,
                action="job.create",
                to_state=JobStatus.ASSIGNED,
                data={"removal_request": request.number, "row": n.row, "company": d.line.code},
            )
        )
        events.append(
            AuditEvent(
                **common,
                object_type=RemovalLine._meta.label_lower,
                object_id=str(n.pk),
                object_label=f"{request.number}/{n.row}",
                action="removal_line.notify",
                from_state=LineStatus.NEW,
                to_state=LineStatus.NOTIFIED,
            )
        )
    return events


def request_confirm_failed(request_id: int, message: str) -> None:
    """A background save refused (a vehicle went into another removal): the draft is ready again, with why."""
    with transaction.atomic():
        request = RemovalRequest.objects.select_for_update().filter(pk=request_id, state=RequestState.SAVING).first()
        if request is None:
            return
        request.state = RequestState.READY
        request.errors = [RowError(0, "", message).as_dict(), *request.errors][:ERRORS_KEPT]
        request.save(update_fields=["state", "errors"])


def request_discard(*, scope: Scope, request_id: int) -> None:
    """Delete a draft that was not saved, with its lines and its kept file."""
    scope.require_role(*REQUESTERS)
    with transaction.atomic():
        request = _locked(scope, request_id, (RequestState.CHECKING, RequestState.READY, RequestState.REFUSED))
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=request,
            action="removal_request.discard",
            from_state=request.state,
        )
        _delete_kept_file(request)
        RemovalDraftLine.objects.filter(request=request).delete()
        request.delete()


def drafts_purge(*, older_than: timedelta) -> int:
    """Drafts nobody confirmed or discarded (ready, refused, or a check no worker finished) created more than
    ``older_than`` ago: deleted with their draft lines and kept files, like a discard (audited). Answers how many."""
    limit = timezone.now() - older_than
    stale = RemovalRequest.objects.filter(
        state__in=(RequestState.CHECKING, RequestState.READY, RequestState.REFUSED), created_at__lt=limit
    )
    purged = 0
    for pk in stale.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            request = stale.select_for_update(skip_locked=True).filter(pk=pk).first()
            if request is None:
                continue
            audit.record(
                actor=None,
                organisation=request.provider,
                obj=request,
                action="removal_request.expire",
                from_state=request.state,
                data={"created_at": request.created_at.isoformat()},
            )
            _delete_kept_file(request)
            RemovalDraftLine.objects.filter(request=request).delete()
            request.delete()
        purged += 1
    return purged
