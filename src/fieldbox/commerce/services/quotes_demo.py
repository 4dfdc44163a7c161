"""The demo's quote (issue 15, point 12): a technician's finding on a work order, priced from the price list,
sent, accepted by the customer's link and turned into materials of that work order, through the same services a
person uses. For ``fieldbox demo``; nothing else calls it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fieldbox.commerce import links
from fieldbox.commerce.models import Quote
from fieldbox.commerce.services import quotes, quotes_convert, quotes_sending
from fieldbox.core.tenancy import Scope


def demo_quote(
    *,
    office: Scope,
    technician: Scope,
    work_order_id: int,
    finding: str,
    lines: Sequence[Mapping[str, Any]],
    into: str = "work_order",
) -> Quote:
    """Ask (the technician), price and send (the office), accept (the customer's link), convert (the office)."""
    quote = quotes.quote_request(scope=technician, work_order_id=work_order_id, finding=finding, lines=lines)
    quotes.quote_apply_price_list(scope=office, quote_id=quote.pk)
    sent, _to = quotes_sending.quote_send(scope=office, quote_id=quote.pk)
    assert sent.sent_at is not None
    quotes_sending.quote_answer_by_link(token=links.token_for("quote", sent.pk, sent.sent_at), accept=True)
    quotes_convert.quote_convert(scope=office, quote_id=quote.pk, into=into)
    quote.refresh_from_db()
    return quote
