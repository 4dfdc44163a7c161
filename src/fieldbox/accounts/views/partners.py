"""Partners: the provider's installer companies, the company's clients (INVERS "Manage Companies")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.accounts import selectors, services
from fieldbox.accounts.choices import (
    ADMIN_ROLES,
    INSTALLER_ADMINS,
    PARTNERSHIP_TABLE,
    PROVIDER_ADMINS,
    PartnershipStatus,
    Role,
)
from fieldbox.accounts.forms import CompanyRegistrationForm, PartnerInviteForm, ReasonForm
from fieldbox.accounts.models import Partnership
from fieldbox.accounts.services.partnerships import holdings, partnership_by_token
from fieldbox.accounts.views.common import remember_language
from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import page_of, run_service, scope_required


@scope_required()
def partner_list(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    status = request.GET.get("status") or ""
    if status not in PartnershipStatus.values:
        status = ""
    return render(
        request,
        "accounts/partners.html",
        {
            "page": page_of(request, selectors.partnerships_for(scope, status or None)),
            "status": status,
            "statuses": PartnershipStatus.choices,
            "counts": selectors.partnership_counts(scope),
            "invite_form": PartnerInviteForm() if scope.role == Role.PROVIDER_ADMIN else None,
        },
    )


@scope_required(*PROVIDER_ADMINS)
@require_http_methods(["GET", "POST"])
def partner_invite(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    form = PartnerInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if run_service(request, form, lambda: services.partnership_invite(scope=scope, email=email)):
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": email})
            return redirect("accounts:partners")
    return render(request, "accounts/partner_invite.html", {"form": form})


@scope_required()
def partner_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    partnership = selectors.partnership_for(scope, pk)
    allowed = PARTNERSHIP_TABLE.allowed(partnership, scope)
    context = {
        "partnership": partnership,
        "form": ReasonForm(),
        "can": {action: action in allowed for action in ("accept", "decline", "end")},
        # What ending it does to the work still open with this partner (jobs back to drafts, removals in the way).
        "holdings": holdings(partnership) if "end" in allowed else [],
    }
    return render(request, "accounts/partner_detail.html", context)


def _act(request: AuthedRequest, pk: int, action: str, done: str) -> HttpResponse:
    scope = request.scope
    selectors.partnership_for(scope, pk)  # 404 outside the scope
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    calls = {
        "accept": lambda: services.partnership_accept(scope=scope, partnership_id=pk),
        "decline": lambda: services.partnership_decline(scope=scope, partnership_id=pk, reason=reason),
        "end": lambda: services.partnership_end(scope=scope, partnership_id=pk, reason=reason),
    }
    if run_service(request, None, calls[action]):
        messages.success(request, done)
    return redirect("accounts:partner_detail", pk=pk)


@scope_required(*INSTALLER_ADMINS)
@require_POST
def partner_accept(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "accept", _("Invitation accepted: this client can now assign you jobs."))


@scope_required(*INSTALLER_ADMINS)
@require_POST
def partner_decline(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "decline", _("Invitation declined."))


@scope_required(*ADMIN_ROLES)
@require_POST
def partner_end(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "end", _("The partnership has ended."))


@require_http_methods(["GET", "POST"])
def partner_join(request: HttpRequest, token: str) -> HttpResponse:
    """The link of a partnership invitation: "Complete Registration", or sign in and answer."""
    partnership = partnership_by_token(token)
    problem = None
    if partnership is None:
        problem = _("This invitation link is not valid. Check that you copied the whole link.")
    elif partnership.status != PartnershipStatus.PENDING:
        problem = _("This invitation was already answered or withdrawn.")
    elif partnership.is_expired:
        problem = _("This invitation has expired. Ask %(provider)s for a new one.") % {
            "provider": partnership.provider.name
        }
    if problem or partnership is None:
        return render(request, "accounts/link_problem.html", {"problem": problem}, status=410)
    scope = getattr(request, "scope", None)
    if partnership.installer is None and scope is not None and scope.role == Role.INSTALLER_ADMIN:
        return _answer_for_my_company(request, token, partnership)
    known = partnership.installer is not None or selectors.user_exists(partnership.invited_email)
    if known or request.user.is_authenticated:
        if request.user.is_authenticated:
            return redirect("/partners/?status=pending")
        messages.info(
            request, _("Sign in to answer the invitation of %(provider)s.") % {"provider": partnership.provider.name}
        )
        return redirect(f"/accounts/login/?next=/partners/join/{token}/")
    form = CompanyRegistrationForm(request.POST or None, initial={"language": partnership.provider.language})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = run_service(
            request,
            form,
            lambda: services.company_register(
                raw_token=token,
                company_name=data["company_name"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
                language=data["language"],
            ),
        )
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your company is registered. Accept or decline the invitation below."))
            return remember_language(request, redirect("/partners/?status=pending"), user.language)
    return render(request, "accounts/company_register.html", {"form": form, "partnership": partnership, "token": token})


def _answer_for_my_company(request: HttpRequest, token: str, partnership: Partnership) -> HttpResponse:
    """A signed-in installer company admin opened an invitation sent to an address of theirs."""
    scope = request.scope  # type: ignore[attr-defined]
    if request.method == "POST":
        claimed = run_service(request, None, lambda: services.partnership_claim(scope=scope, raw_token=token))
        if claimed is not None:
            return redirect("accounts:partner_detail", pk=claimed.pk)
    return render(request, "accounts/partner_claim.html", {"partnership": partnership})
