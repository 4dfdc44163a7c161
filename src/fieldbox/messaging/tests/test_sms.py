"""SMS: GSM 03.38 segments, phone numbers in E.164, and the SMS backends up to a real HTTP gateway."""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from fieldbox.messaging.channels import Result, sms
from fieldbox.messaging.models import OutboxMessage
from fieldbox.messaging.phones import PhoneField, format_phone, normalise_phone
from fieldbox.messaging.segments import GSM7_BASIC, GSM7_EXTENSION, is_gsm7, sms_parts

# Nothing here is saved; the shared set-up clears the cache, which lives in the database.
pytestmark = pytest.mark.django_db

# --- segments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments", "per_segment"),
    [
        ("", "GSM-7", 0, 0, 160),
        ("a" * 160, "GSM-7", 160, 1, 160),
        ("a" * 161, "GSM-7", 161, 2, 153),
        ("a" * 306, "GSM-7", 306, 2, 153),
        ("a" * 307, "GSM-7", 307, 3, 153),
        ("€" * 80, "GSM-7", 160, 1, 160),
        ("€" * 80 + "a", "GSM-7", 161, 2, 153),
        ("^{}\\[~]|€\f", "GSM-7", 20, 1, 160),
        ("ж" * 70, "UCS-2", 70, 1, 70),
        ("ж" * 71, "UCS-2", 71, 2, 67),
        ("ж" * 134, "UCS-2", 134, 2, 67),
        ("ж" * 135, "UCS-2", 135, 3, 67),
        ("😀", "UCS-2", 2, 1, 70),
        ("😀" * 35, "UCS-2", 70, 1, 70),
        ("😀" * 35 + "a", "UCS-2", 71, 2, 67),
    ],
)
def test_sms_parts_at_the_boundaries(text: str, encoding: str, units: int, segments: int, per_segment: int) -> None:
    parts = sms_parts(text)
    assert (parts.encoding, parts.units, parts.segments, parts.per_segment) == (
        encoding,
        units,
        segments,
        per_segment,
    )


def test_italian_accents_stay_gsm7_but_a_circumflex_switches_to_ucs2() -> None:
    italian = "Perché è già così? Sì, però più tardi: l'appuntamento è alle 9 (€ 50)."
    parts = sms_parts(italian)
    assert parts.encoding == "GSM-7"
    assert parts.units == len(italian) + 1  # € takes two septets

    french = "Le technicien arrivera demain, c'est la fête."
    assert sms_parts(french).encoding == "UCS-2"
    assert sms_parts(french).units == len(french)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà", True),
        ("line\nbreak\rand form\ffeed", True),
        ("È arrivato", False),  # capital E grave is not in GSM 03.38
        ("back`tick", False),
        ("ê", False),
        ("😀", False),
    ],
)
def test_is_gsm7(text: str, expected: bool) -> None:
    assert is_gsm7(text) is expected
    assert (sms_parts(text).encoding == "GSM-7") is expected


def test_the_tables_have_the_size_of_gsm_03_38() -> None:
    # 128 codes of the default alphabet less the escape, and the 10 characters of the extension table.
    assert len(GSM7_BASIC) == 127
    assert len(GSM7_EXTENSION) == 10
    assert not GSM7_BASIC & GSM7_EXTENSION


_texts = st.text(alphabet=st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION)) | st.characters(), max_size=400)


@given(text=_texts, extra=st.characters())
@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_appending_a_character_never_needs_fewer_parts(text: str, extra: str) -> None:
    assert sms_parts(text + extra).segments >= sms_parts(text).segments


@given(text=_texts)
@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_encoding_follows_the_alphabet_and_parts_are_the_fewest(text: str) -> None:
    parts = sms_parts(text)
    assert (parts.encoding == "GSM-7") is is_gsm7(text)
    if text:
        assert (parts.segments - 1) * parts.per_segment < parts.units <= parts.segments * parts.per_segment
    else:
        assert parts.segments == 0


# --- phone numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["333 123 4567", "3331234567", "+39 333 123 4567", "0039 333.123.4567", "+39 (333) 123-4567", " 333/1234567 "],
)
def test_an_italian_mobile_is_normalised_to_e164(raw: str) -> None:
    assert normalise_phone(raw) == "+393331234567"


def test_a_number_with_its_country_code_ignores_the_default_region() -> None:
    assert normalise_phone("+33 6 12 34 56 78") == "+33612345678"
    assert normalise_phone("0033 6 12 34 56 78") == "+33612345678"


def test_the_region_defaults_to_the_setting(settings: Any) -> None:
    settings.PHONE_DEFAULT_REGION = "FR"
    assert normalise_phone("06 12 34 56 78") == "+33612345678"
    assert normalise_phone("333 123 4567", region="IT") == "+393331234567"


@pytest.mark.parametrize("raw", ["", "hello", "+39 33", "333", "+39 333 123 4567 ext. 2", "333-CALL-NOW", "+0039 333"])
def test_a_bad_number_is_refused(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalise_phone(raw)
    assert caught.value.code == "invalid_phone"
    assert "valid phone number" in caught.value.messages[0]


def test_format_phone_for_display() -> None:
    assert format_phone("+393331234567") == "+39 333 123 4567"
    assert format_phone("+33612345678") == "+33 6 12 34 56 78"
    assert format_phone("") == ""


class _PhoneForm(forms.Form):
    mobile = PhoneField()
    landline = PhoneField(required=False)


def test_the_phone_field_cleans_to_e164_and_allows_empty_when_optional() -> None:
    form = _PhoneForm(data={"mobile": "333 123 4567", "landline": ""})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"mobile": "+393331234567", "landline": ""}
    assert 'type="tel"' in str(form["mobile"])


def test_the_phone_field_names_the_field_of_a_bad_number() -> None:
    form = _PhoneForm(data={"mobile": "12", "landline": "nope"})
    assert not form.is_valid()
    assert form.errors.as_data()["mobile"][0].code == "invalid_phone"
    assert form.errors.as_data()["landline"][0].code == "invalid_phone"
    assert not _PhoneForm(data={"mobile": ""}).is_valid()


# --- backends ---------------------------------------------------------------------------------


def _message(pk: int, body: str = "Il tecnico arriva alle 9.", **fields: Any) -> OutboxMessage:
    fields.setdefault("recipient", "+393331234567")
    fields.setdefault("idempotency_key", f"job:{pk}:reminder")
    return OutboxMessage(pk=pk, channel="sms", body=body, **fields)


@pytest.fixture
def locmem(settings: Any) -> Iterator[list[dict[str, str]]]:
    settings.SMS_BACKEND = "locmem"
    settings.SMS_SENDER = "Fieldbox"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def test_locmem_records_each_message_with_the_default_sender(locmem: list[dict[str, str]]) -> None:
    results = sms.send_batch([_message(1), _message(2, "Ciao", sender="Acme", recipient="+33612345678")])
    assert [(r.message_id, r.ok) for r in results] == [(1, True), (2, True)]
    assert results[0].provider_message_id != results[1].provider_message_id
    assert locmem == [
        {
            "to": "+393331234567",
            "body": "Il tecnico arriva alle 9.",
            "sender": "Fieldbox",
            "reference": "job:1:reminder",
        },
        {"to": "+33612345678", "body": "Ciao", "sender": "Acme", "reference": "job:2:reminder"},
    ]


def test_a_message_over_the_part_limit_or_empty_is_refused_for_good(
    locmem: list[dict[str, str]], settings: Any
) -> None:
    settings.SMS_MAX_SEGMENTS = 2
    results = sms.send_batch([_message(1, "a" * 307), _message(2, "a" * 306), _message(3, "")])
    assert [(r.ok, r.permanent) for r in results] == [(False, True), (True, False), (False, True)]
    assert "3 parts" in results[0].error
    assert [m["body"] for m in locmem] == ["a" * 306]


def test_the_file_backend_writes_one_readable_file_per_message(tmp_path: Path, settings: Any) -> None:
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "var" / "sms")  # not there yet
    results = sms.send_batch([_message(1, "Perché è già così? €5"), _message(2, "Ciao 😀")])
    assert all(r.ok for r in results)
    files = sorted((tmp_path / "var" / "sms").iterdir())
    assert sorted(f.name for f in files) == sorted(r.provider_message_id for r in results)
    texts = {f.name: f.read_text(encoding="utf-8") for f in files}
    first = texts[results[0].provider_message_id]
    assert "To: +393331234567" in first
    assert "Reference: job:1:reminder" in first
    assert "Perché è già così? €5" in first
    assert "GSM-7" in first
    assert "UCS-2" in texts[results[1].provider_message_id]


def test_the_console_backend_prints_a_block(settings: Any, capsys: pytest.CaptureFixture[str]) -> None:
    settings.SMS_BACKEND = "console"
    [result] = sms.send_batch([_message(7, "Appuntamento confermato")])
    out = capsys.readouterr().out
    assert result.ok
    assert result.provider_message_id in out
    assert "To: +393331234567" in out
    assert "Appuntamento confermato" in out

    stream = io.StringIO()
    sms.ConsoleBackend(stream=stream).send(to="+33612345678", body="Salut", sender="X", reference="r")
    assert "Salut" in stream.getvalue()
    assert "From: X" in stream.getvalue()


class RecordingBackend(sms.SmsBackend):
    """A backend of one's own, named by its dotted path."""

    sent: list[str] = []
    closed = 0

    def send(self, *, to: str, body: str, sender: str, reference: str) -> str:
        self.sent.append(reference)
        return f"own-{reference}"

    def close(self) -> None:
        type(self).closed += 1


def test_a_dotted_path_names_a_backend_class_used_once_per_batch(settings: Any) -> None:
    settings.SMS_BACKEND = f"{__name__}.RecordingBackend"
    RecordingBackend.sent, RecordingBackend.closed = [], 0
    results = sms.send_batch([_message(1), _message(2)])
    assert [r.provider_message_id for r in results] == ["own-job:1:reminder", "own-job:2:reminder"]
    assert RecordingBackend.closed == 1


def test_an_unknown_backend_is_a_configuration_error(settings: Any) -> None:
    settings.SMS_BACKEND = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured):
        sms.get_backend()


# --- Twilio, against a local HTTP server ------------------------------------------------------


@dataclass
class _Reply:
    status: int = 201
    payload: Any = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Gateway:
    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    replies: list[_Reply] = field(default_factory=list)

    def next_reply(self) -> _Reply:
        if self.replies:
            return self.replies.pop(0)
        return _Reply(201, {"sid": f"SM{len(self.requests):032d}", "status": "queued"})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so a reused connection shows

    def do_POST(self) -> None:
        gateway: _Gateway = self.server.gateway  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        gateway.requests.append(
            {"path": self.path, "headers": dict(self.headers), "form": parse_qs(body), "peer": self.client_address}
        )
        reply = gateway.next_reply()
        time.sleep(reply.delay)
        data = json.dumps(reply.payload).encode() if reply.payload is not None else b"<html>moved</html>"
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the client that timed out has gone away


@pytest.fixture
def gateway(settings: Any) -> Iterator[_Gateway]:
    server = _Server(("127.0.0.1", 0), _Handler)
    state = _Gateway(url=f"http://127.0.0.1:{server.server_address[1]}")
    server.gateway = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "twilio"
    settings.SMS_API_URL = state.url + "/"
    settings.SMS_API_USER = "AC0123456789abcdef"
    settings.SMS_API_TOKEN = "s3cret-token"
    settings.SMS_SENDER = "Fieldbox"
    settings.SMS_TIMEOUT = 2.0
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_twilio_posts_each_message_with_basic_auth_and_returns_the_sid(gateway: _Gateway) -> None:
    results = sms.send_batch([_message(1, "Arrivo alle 9 è €"), _message(2, "Ciao", sender="Acme")])
    assert [(r.ok, r.provider_message_id) for r in results] == [(True, f"SM{1:032d}"), (True, f"SM{2:032d}")]
    first, second = gateway.requests
    assert first["path"] == "/2010-04-01/Accounts/AC0123456789abcdef/Messages.json"
    expected = base64.b64encode(b"AC0123456789abcdef:s3cret-token").decode()
    assert first["headers"]["Authorization"] == f"Basic {expected}"
    assert first["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert first["form"] == {"To": ["+393331234567"], "From": ["Fieldbox"], "Body": ["Arrivo alle 9 è €"]}
    assert second["form"]["From"] == ["Acme"]
    assert first["peer"] == second["peer"]  # one connection for the batch


def test_a_twilio_refusal_is_permanent_and_keeps_its_code(gateway: _Gateway) -> None:
    error = {
        "code": 21211,
        "message": "The 'To' number +393331234567 is not a valid phone number.",
        "more_info": "https://www.twilio.com/docs/errors/21211",
        "status": 400,
    }
    gateway.replies = [_Reply(400, error)]
    results = sms.send_batch([_message(1), _message(2)])
    refused, sent = results
    assert refused == Result(1, False, error=refused.error, permanent=True, status=400)
    assert "21211" in refused.error
    assert "is not a valid phone number" in refused.error
    assert sent.ok  # the next message of the batch still goes


@pytest.mark.parametrize("status", [503, 500, 429])
def test_throttling_and_server_errors_are_retried(gateway: _Gateway, status: int) -> None:
    gateway.replies = [_Reply(status, {"code": 20003 if status == 429 else 20500, "message": "Try later"})]
    [result] = sms.send_batch([_message(1)])
    assert (result.ok, result.permanent, result.status) == (False, False, status)
    assert "Try later" in result.error


def test_a_redirect_is_not_followed(gateway: _Gateway) -> None:
    gateway.replies = [_Reply(302, None, headers={"Location": gateway.url + "/elsewhere"})]
    [result] = sms.send_batch([_message(1)])
    assert (result.ok, result.status) == (False, 302)
    assert len(gateway.requests) == 1


def test_a_success_without_sid_is_parked_rather_than_sent_twice(gateway: _Gateway) -> None:
    gateway.replies = [_Reply(200, {"status": "queued"})]
    [result] = sms.send_batch([_message(1)])
    assert (result.ok, result.permanent) == (False, True)


def test_a_slow_gateway_times_out_and_is_retried(gateway: _Gateway, settings: Any) -> None:
    settings.SMS_TIMEOUT = 0.2
    gateway.replies = [_Reply(201, {"sid": "SMlate"}, delay=1.0)]
    started = time.monotonic()
    [result] = sms.send_batch([_message(1)])
    assert time.monotonic() - started < 0.9
    assert (result.ok, result.permanent) == (False, False)
    assert "timed out" in result.error


def test_an_unreachable_gateway_is_retried(settings: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SMS_BACKEND = "twilio"
    settings.SMS_API_URL = f"http://127.0.0.1:{port}"
    settings.SMS_API_USER, settings.SMS_API_TOKEN = "AC1", "token"
    [result] = sms.send_batch([_message(1)])
    assert (result.ok, result.permanent) == (False, False)
    assert "unreachable" in result.error


def test_missing_credentials_fail_for_good_without_a_request(gateway: _Gateway, settings: Any) -> None:
    settings.SMS_API_TOKEN = ""
    [result] = sms.send_batch([_message(1)])
    assert (result.ok, result.permanent) == (False, True)
    assert "SMS_API_TOKEN" in result.error
    assert gateway.requests == []
