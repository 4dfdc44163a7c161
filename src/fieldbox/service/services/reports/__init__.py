"""The digital work report (Appsistance "rapportino digitale"): written on the phone while the work order is carried
out, signed by the technician and the customer, then frozen.

- ``report_draft``: the one draft of a work order, made when the technician opens its report (accepted or in
  progress);
- ``report_update``: arrival and departure, work done, the customer's observations, travel, expenses, and the
  materials used or left with the customer (the work order's ``Material`` rows used/left);
- ``report_sign``: both signatures (PNG data URLs from signature_pad, checked with Pillow, stored under a random
  name) and the signers' names; the content shown on the PDF is kept as signed, with its SHA-256; the arrival and
  departure become a time entry (``hours.record_entry``); the work order is done; the PDF goes to the customer
  through the outbox;
- ``report_correct``: a signed report is never edited: a correction is a new draft version that replaces it, and
  the old one becomes "corrected" when the new one is signed;
- ``report_send``: the signed PDF e-mailed again.
"""

from fieldbox.service.services.reports.drafts import (
    DATA_URL,
    KIND,
    MAX_AMOUNT,
    MAX_KM,
    MAX_LINES,
    MAX_QUANTITY,
    MAX_TRAVEL_MINUTES,
    NAME_LIMIT,
    PDF,
    REPORT_MATERIALS,
    SIGNATURE_MAX_BYTES,
    SIGNATURE_MAX_PIXELS,
    TEXT_LIMIT,
    ExpenseLine,
    MaterialLine,
    R,
    clean_signature,
    current_report,
    language_of,
    recipient,
    report_draft,
    report_for,
    report_materials,
    report_update,
    reports_for,
)
from fieldbox.service.services.reports.signing import (
    Signed,
    build_content,
    content_hash,
    filename,
    pdf_of,
    report_correct,
    report_send,
    report_sign,
)

__all__ = [
    "DATA_URL",
    "KIND",
    "MAX_AMOUNT",
    "MAX_KM",
    "MAX_LINES",
    "MAX_QUANTITY",
    "MAX_TRAVEL_MINUTES",
    "NAME_LIMIT",
    "PDF",
    "REPORT_MATERIALS",
    "SIGNATURE_MAX_BYTES",
    "SIGNATURE_MAX_PIXELS",
    "TEXT_LIMIT",
    "ExpenseLine",
    "MaterialLine",
    "R",
    "Signed",
    "build_content",
    "clean_signature",
    "content_hash",
    "current_report",
    "filename",
    "language_of",
    "pdf_of",
    "recipient",
    "report_correct",
    "report_draft",
    "report_for",
    "report_materials",
    "report_send",
    "report_sign",
    "report_update",
    "reports_for",
]
