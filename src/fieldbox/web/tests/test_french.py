"""French that reads right: a no-break space before the high punctuation, buttons that say what they do, and a
request ("demande") that is feminine."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.web.tests.test_translations import LOCALE

NBSP = "\u00a0"
# A high punctuation mark that ends a word or a placeholder, not in a time (10:00), an address (https://) or a header.
MARK = re.compile(r"(?<![\d/])(?P<before>.)(?P<mark>[:;?!])(?=\s|$|<|\")")


def _wrong_marks(text: str, space: str) -> list[str]:
    found = []
    for m in MARK.finditer(text.replace("Authorization:", "")):
        if m.group("before") != space:
            found.append(text[max(0, m.start() - 20) : m.end() + 5])
    return found


def _messages(po_text: str) -> list[tuple[str, str]]:
    """(references, msgstr text) of each entry, msgstrs unescaped and joined."""
    found = []
    for block in po_text.split("\n\n")[1:]:
        refs = " ".join(line for line in block.splitlines() if line.startswith("#:"))
        tail = block[block.find("\nmsgstr") + 1 :] if "\nmsgstr" in block else ""
        strs = re.findall(r'^(?:msgstr(?:\[\d\])? )?"(.*)"$', tail, re.M)
        found.append((refs, "".join(strs).replace('\\"', '"').replace("\\n", "\n")))
    return found


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_french_puts_a_no_break_space_before_high_punctuation(domain):
    text = (LOCALE / "fr" / "LC_MESSAGES" / f"{domain}.po").read_text(encoding="utf-8")
    wrong = []
    for refs, msgstr in _messages(text):
        # SMS keep a plain space: GSM-7 has no no-break space, one would make the whole SMS UCS-2 (half as long).
        wrong += _wrong_marks(msgstr, " " if "/sms/" in refs else NBSP)
    assert wrong == []


def test_the_mission_page_button_opens(db):
    client = Client()
    client.cookies["fieldbox_language"] = "fr"
    page = client.get("/mission/").content.decode()
    assert '<button type="submit">Ouvrir</button>' in page and "En cours" not in page


def test_a_removal_request_is_feminine_and_a_job_too(tenant):
    from fieldbox.removals.tests.factories import confirmed_request

    request, _removals = confirmed_request(tenant, count=1)
    client = signed_in(tenant.dispatcher)
    client.cookies["fieldbox_language"] = "fr"
    assert "Créée le" in client.get("/removal-requests/").content.decode()
    detail = client.get(f"/removal-requests/{request.pk}/").content.decode()
    assert "<dt>Créée le</dt>" in detail and "Créé le" not in detail
    export = client.get("/removal-requests/?format=csv").content.decode()
    assert export.splitlines()[0].split(",")[1] == "Créée le"
