"""Italian, French and English are complete: no UI string is left untranslated."""

from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def entries(po: Path) -> list[tuple[str, list[str], bool]]:
    """(msgid, msgstrs, fuzzy) of every message but the header."""
    found, msgid, strs, fuzzy, current = [], None, [], False, None
    for line in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if msgid:
                found.append((msgid, strs, fuzzy))
            msgid, strs, fuzzy, current = None, [], False, None
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("msgid "):
            msgid, current = line[7:-1], "id"
        elif line.startswith("msgstr"):
            strs.append(line.split(" ", 1)[1][1:-1])
            current = "str"
        elif line.startswith('"') and current == "id":
            msgid = (msgid or "") + line[1:-1]
        elif line.startswith('"') and current == "str":
            strs[-1] += line[1:-1]
    return found


@pytest.mark.parametrize("language", ["it", "fr", "en"])
@pytest.mark.parametrize(("domain", "least"), [("django", 250), ("djangojs", 10)])
def test_every_message_is_translated(language, domain, least):
    po = LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
    messages = entries(po)
    assert len(messages) > least
    missing = [msgid for msgid, strs, fuzzy in messages if fuzzy or not all(strs)]
    assert missing == []


def test_the_scanner_speaks_the_chosen_language(db):
    client = Client()
    client.cookies["fieldbox_language"] = "it"
    catalog = client.get("/i18n/js/").content.decode()
    assert '"Scan": "Scansiona"' in catalog


def test_pages_speak_the_chosen_language(db):
    client = Client()
    client.cookies["fieldbox_language"] = "it"
    assert "Accedi" in client.get("/accounts/login/").content.decode()
    client.cookies["fieldbox_language"] = "fr"
    assert "Mot de passe oublié" in client.get("/accounts/login/").content.decode()
    with translation.override("it"):
        from fieldbox.accounts.choices import PartnershipStatus

        assert str(PartnershipStatus.PENDING.label) == "In attesa"
