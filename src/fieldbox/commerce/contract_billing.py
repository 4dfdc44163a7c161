"""The contract page's billing terms (``service.contract_sections``): the price list invoicing uses for the work a
contract does not include, shown to the office and the admins with the form that chooses it (the organisation's
active lists, or the customer's list). The form posts to ``views.contract_billing``, which saves it through
``invoicing_settings.contract_terms_save`` (the same the API calls). Imported at start-up by ``commerce.hooks``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from fieldbox.commerce.choices import BILLERS
from fieldbox.commerce.models.invoicing import ContractTerms
from fieldbox.commerce.selectors_catalogue import price_lists_for
from fieldbox.core.tenancy import Scope
from fieldbox.service import contract_sections


class BillingTermsForm(forms.Form):
    price_list_id = forms.TypedChoiceField(
        label=_("Price list for work outside the contract"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Hours, visits and parts the contract does not include are billed at its prices."),
    )

    def __init__(self, *args: Any, lists: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["price_list_id"].choices = [("", _("Customer's list")), *lists]  # type: ignore[attr-defined]


def terms_of(scope: Scope, contract_id: int) -> ContractTerms | None:
    return ContractTerms.objects.visible_to(scope).filter(contract_id=contract_id).select_related("price_list").first()


def list_choices(scope: Scope, terms: ContractTerms | None) -> list[tuple[int, str]]:
    """The organisation's active price lists, by name, and the one the contract has even when no longer active."""
    chosen = Q(pk=terms.price_list_id) if terms is not None and terms.price_list_id else Q(pk__in=[])
    lists = price_lists_for(scope).filter(Q(active=True) | chosen).order_by("name", "pk")
    return list(lists.values_list("pk", "name"))


def billing_part(request: HttpRequest, contract: Any, bound: dict[str, Any]) -> str | None:
    scope = getattr(request, "scope", None)
    if scope is None or scope.role not in BILLERS:
        return None
    terms = terms_of(scope, contract.pk)
    form = bound.get("billing_form") or BillingTermsForm(
        lists=list_choices(scope, terms), initial={"price_list_id": terms.price_list_id if terms else None}
    )
    context = {"contract": contract, "terms": terms, "form": form}
    return render_to_string("commerce/contracts/_billing.html", context, request=request)


contract_sections.register(billing_part)
