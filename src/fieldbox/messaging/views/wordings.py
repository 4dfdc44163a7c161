"""Message wordings: the default text of every message, and the organisation's own per language."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.accounts.choices import Role
from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import run_service, scope_required
from fieldbox.messaging import kinds, rendering, selectors, services
from fieldbox.messaging.forms import WordingForm
from fieldbox.messaging.segments import sms_parts
from fieldbox.messaging.services.wordings import LANGUAGES


def _kind(key: str, language: str) -> kinds.MessageKind:
    kind = kinds.KINDS.get(key)
    if kind is None or not kind.overridable or language not in LANGUAGES:
        raise Http404
    return kind


@scope_required(Role.PROVIDER_ADMIN)
def wording_list(request: AuthedRequest) -> HttpResponse:
    own = selectors.wordings_for(request.scope)
    rows = [
        {"kind": kind, "languages": [(lang, (kind.key, lang) in own) for lang in LANGUAGES]}
        for kind in kinds.overridable()
    ]
    return render(request, "messaging/wordings.html", {"rows": rows})


def _initial(kind: kinds.MessageKind, request: AuthedRequest, language: str) -> dict[str, str]:
    own = selectors.wordings_for(request.scope).get((kind.key, language))
    if own is not None:
        return {"subject": own.subject, "body": own.body}
    placeholders = {name: "{{ %s }}" % name for name in kind.variables}  # noqa: UP031 - template braces
    default = rendering.render(kind, {**kind.sample, **placeholders}, language)
    return {"subject": default.subject, "body": default.body.strip()}


@scope_required(Role.PROVIDER_ADMIN)
@require_http_methods(["GET", "POST"])
def wording_edit(request: AuthedRequest, kind: str, language: str) -> HttpResponse:
    spec = _kind(kind, language)
    form = WordingForm(request.POST or None, initial=_initial(spec, request, language), sms=spec.is_sms)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = run_service(
            request,
            form,
            lambda: services.wording_save(
                scope=request.scope, kind=kind, language=language, subject=data.get("subject", ""), body=data["body"]
            ),
        )
        if saved is not None:
            messages.success(request, _("Wording saved: the next messages use it."))
            return redirect("messaging:wordings")
    own = (kind, language) in selectors.wordings_for(request.scope)
    preview = rendering.preview(spec, language, request.scope.organisation)
    context = {"kind": spec, "language": language, "form": form, "own": own, "preview": preview}
    context["parts"] = sms_parts(preview.body) if spec.is_sms else None
    return render(request, "messaging/wording_edit.html", context)


@scope_required(Role.PROVIDER_ADMIN)
@require_POST
def wording_preview(request: AuthedRequest, kind: str, language: str) -> HttpResponse:
    """The wording being edited, rendered with the example values, or why it cannot be saved."""
    spec = _kind(kind, language)
    form = WordingForm(request.POST, sms=spec.is_sms)
    context: dict[str, object] = {"kind": spec}
    if form.is_valid():
        try:
            context["preview"] = rendering.check_wording(
                spec, form.cleaned_data.get("subject", ""), form.cleaned_data["body"], language
            )
        except ValidationError as exc:
            context["problems"] = exc.messages
    else:
        context["problems"] = [e for errors in form.errors.values() for e in errors]
    if spec.is_sms and "preview" in context:
        context["parts"] = sms_parts(context["preview"].body)  # type: ignore[attr-defined]
    return render(request, "messaging/_wording_preview.html", context)


@scope_required(Role.PROVIDER_ADMIN)
@require_POST
def wording_reset(request: AuthedRequest, kind: str, language: str) -> HttpResponse:
    _kind(kind, language)
    run_service(request, None, lambda: services.wording_delete(scope=request.scope, kind=kind, language=language))
    messages.success(request, _("Back to the default wording."))
    return redirect("messaging:wordings")
