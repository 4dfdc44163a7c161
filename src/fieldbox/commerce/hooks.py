"""What commerce adds to the service side when it starts, so that service never imports commerce:

- a signed work report takes its used materials out of the technician's van and leaves the ones left with the
  customer to bill (``services.field``, a hook on the report's table);
- the call page's "quote" and "parts" sections and the work order's pages show the quotes and offers
  (``call_quotes``, ``call_parts``, through ``service.call_sections``);
- the contract's page shows and chooses its price list for work outside it (``contract_billing``, through
  ``service.contract_sections``);
- the e-mails of quotes, offers, supplier orders and delivery notes (message kinds), and the scheduled expiry.
"""

from fieldbox.commerce import (  # noqa: F401 - sections of service's pages, beat tasks, prepaid minutes
    call_invoiced,
    call_parts,
    call_quotes,
    contract_billing,
    prepaid_hooks,
    tasks,
    tasks_invoicing,
)
from fieldbox.commerce.services import (  # noqa: F401 - message kinds and events
    buying_mail,
    delivery_mail,
    field,
    invoicing_mail,
    offers_answers,
    quotes_sending,
)
from fieldbox.service.choices import REPORT_TABLE

REPORT_TABLE.on_move(field.on_report_move)
