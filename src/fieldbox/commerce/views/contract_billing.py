"""The contract page's billing terms, posted from its part (``commerce.contract_billing``): the price list of the
work the contract does not include, saved through ``invoicing_settings.contract_terms_save``. Another organisation's
contract answers 404; a refused choice comes back on the contract's page with its error."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldbox.commerce.choices import BILLERS
from fieldbox.commerce.contract_billing import BillingTermsForm, list_choices, terms_of
from fieldbox.commerce.services import invoicing_settings
from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import run_service, scope_required
from fieldbox.service import selectors_contracts as contract_reads
from fieldbox.service.views import contracts as contract_views


@scope_required(*sorted(BILLERS))
@require_POST
def contract_billing(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    contract = contract_reads.contract_for(scope, pk)
    form = BillingTermsForm(request.POST, lists=list_choices(scope, terms_of(scope, pk)))
    if form.is_valid():
        chosen = form.cleaned_data["price_list_id"]
        saved = run_service(
            request,
            form,
            lambda: invoicing_settings.contract_terms_save(scope=scope, contract_id=pk, price_list_id=chosen),
        )
        if saved is not None:
            name = saved.price_list.name if saved.price_list else _("the customer's list")
            messages.success(
                request,
                _("Contract %(number)s: work outside it is billed from %(list)s.")
                % {"number": contract.number, "list": name},
            )
            return redirect(reverse("service:contract", kwargs={"pk": pk}) + "#billing")
    return contract_views.page(request, pk, billing_form=form)


urlpatterns: list[URLPattern] = [
    path("commerce/contracts/<int:pk>/billing-terms/", contract_billing, name="contract_billing"),
]
