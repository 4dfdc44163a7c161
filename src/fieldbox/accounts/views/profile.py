"""A person's own pages: profile, API tokens, and the link of an invitation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.accounts import selectors, services
from fieldbox.accounts.forms import AccountSetupForm, ProfileForm, TokenCreateForm
from fieldbox.accounts.services.invitations import invitation_by_token, invitation_problem
from fieldbox.accounts.views.common import remember_language
from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import run_service, scope_required


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language": user.language,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(
            request,
            form,
            lambda: services.profile_update(
                user=user, first_name=data["first_name"], last_name=data["last_name"], language=data["language"]
            ),
        ):
            messages.success(request, _("Profile saved."))
            response = redirect("accounts:profile")
            return remember_language(request, response, data["language"])
    return render(request, "accounts/profile.html", {"form": form, "memberships": selectors.memberships_of(user)})


@scope_required()
@require_http_methods(["GET", "POST"])
def token_list(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    form = TokenCreateForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        created = run_service(
            request,
            form,
            lambda: services.token_create(scope=scope, name=form.cleaned_data["name"], days=form.cleaned_data["days"]),
        )
        if created:
            secret = created[1]
            form = TokenCreateForm()
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": selectors.tokens_for(scope),
            "form": form,
            "secret": secret,
        },
    )


@scope_required()
@require_POST
def token_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    selectors.token_for(scope, pk)
    if run_service(request, None, lambda: services.token_revoke(scope=scope, token_id=pk)):
        messages.success(request, _("Token revoked: it no longer opens the API."))
    return redirect("accounts:tokens")


@require_http_methods(["GET", "POST"])
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """A new person sets name and password; a signed-in person with the invited address joins."""
    invitation = invitation_by_token(token)
    problem = invitation_problem(invitation)
    if problem or invitation is None:
        return render(request, "accounts/link_problem.html", {"problem": problem}, status=410)
    user = request.user if request.user.is_authenticated else None
    if user is not None:
        joined = None
        if request.method == "POST":
            joined = run_service(request, None, lambda: services.invitation_accept(raw_token=token, user=user))
        if joined is not None:
            messages.success(request, _("You joined %(name)s.") % {"name": invitation.organisation.name})
            return redirect("web:home")
        return render(request, "accounts/invitation_join.html", {"invitation": invitation})
    has_account = selectors.user_exists(invitation.email)
    if has_account:
        messages.info(request, _("Sign in with %(email)s to accept the invitation.") % {"email": invitation.email})
        return redirect(f"/accounts/login/?next=/invitations/{token}/")
    form = AccountSetupForm(request.POST or None, initial={"language": invitation.organisation.language})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new_user = run_service(
            request,
            form,
            lambda: services.invitation_accept(
                raw_token=token,
                user=None,
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
                language=data["language"],
            ),
        )
        if new_user is not None:
            login(request, new_user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to %(name)s.") % {"name": invitation.organisation.name})
            response = redirect("web:home")
            return remember_language(request, response, new_user.language)
    return render(request, "accounts/invitation_setup.html", {"form": form, "invitation": invitation})
