"""The audit log in words: every move of every transition table has its own label, and states read as the screens
say them, in the reader's language (page and CSV)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from fieldbox.accounts.audit_labels import state_label
from fieldbox.accounts.choices import INVITATION_TABLE, PARTNERSHIP_TABLE
from fieldbox.accounts.forms import AuditFilterForm
from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.core.audit import ACTION_LABELS
from fieldbox.core.transitions import Table
from fieldbox.fleet.choices import DEVICE_TABLE, SUBSCRIPTION_TABLE
from fieldbox.jobs.choices import JOB_TABLE
from fieldbox.removals.choices import LINE_TABLE, PICKUP_TABLE, REQUEST_TABLE

TABLES: tuple[Table[Any], ...] = (
    JOB_TABLE,
    DEVICE_TABLE,
    SUBSCRIPTION_TABLE,
    REQUEST_TABLE,
    LINE_TABLE,
    PICKUP_TABLE,
    PARTNERSHIP_TABLE,
    INVITATION_TABLE,
)


def test_every_move_of_every_table_has_a_label():
    missing = [f"{t.name}.{a}" for t in TABLES for a in t.moves if f"{t.name}.{a}" not in ACTION_LABELS]
    assert missing == []


@pytest.mark.parametrize("language", ["en", "it", "fr"])
def test_no_two_actions_share_a_label(language):
    with translation.override(language):
        by_label: dict[str, list[str]] = {}
        for action, label in ACTION_LABELS.items():
            by_label.setdefault(str(label), []).append(action)
        shared = {label: actions for label, actions in by_label.items() if len(actions) > 1}
        assert shared == {}
        offered = [label for code, label in AuditFilterForm().fields["action"].choices if code]
        assert len(offered) == len(set(offered)) == len(ACTION_LABELS)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_the_states_of_every_table_read_as_their_labels(table):
    with translation.override("it"):
        for state in table.states:
            assert state_label(f"{table.name}.any", state.value) == str(state.label)


@pytest.mark.django_db
def test_the_log_and_its_export_give_states_in_the_readers_language(tenant):
    from fieldbox.jobs.tests.test_views import taken_job

    taken_job(tenant)
    client = signed_in(tenant.provider_admin)
    client.cookies["fieldbox_language"] = "it"
    page = client.get(reverse("accounts:audit") + "?action=job.take").content.decode()
    assert "<td" in page and "In corso" in page and "Assegnato" in page
    assert "in_progress" not in page
    export = client.get(reverse("accounts:audit") + "?action=job.take&format=csv").content.decode()
    assert "Assegnato,In corso" in export and "in_progress" not in export


def test_rows_no_table_makes_read_in_words_too():
    with translation.override("en"):
        assert state_label("member.role", "customer_care") == "Customer care"
        assert state_label("token.revoke", "revoked") == "Revoked"
        assert state_label("outbox.retry", "failed") == "Failed"
        assert state_label("unknown.thing", "odd_code") == "odd_code"
