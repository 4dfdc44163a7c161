"""Security headers: the Content-Security-Policy (no inline script or style, a nonce per request), Permissions-Policy,
and, with production settings, HSTS and cookies sent over HTTPS only. The browser side (no page violates the policy)
is tests/browser/test_security_headers.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.test import Client

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import make_tenant, signed_in

TEMPLATES = Path(__file__).resolve().parents[2]
# What a browser would refuse under the policy: a style attribute, an inline event handler, a script or style
# element without the request's nonce (a script that loads a file is fine). E-mails (read by mail programs) and the
# PDF templates (drawn by WeasyPrint, not a browser) keep their inline styles.
INLINE = re.compile(r'\sstyle="|\son[a-z]+="|<script(?![^>]*\ssrc=)(?![^>]*nonce=)[^>]*>|<style(?![^>]*nonce=)[^>]*>')
NOT_FOR_BROWSERS = re.compile(r"/email/|pdf\.html$|/certificate\.html$")


def directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_carry_the_policy_and_their_style_blocks_the_nonce(db):
    response = Client().get("/accounts/login/")
    policy = directives(response)
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"] and policy["connect-src"] == ["'self'"]
    assert policy["img-src"][:3] == ["'self'", "data:", "blob:"]
    everything = " ".join(" ".join(v) for v in policy.values())
    assert "unsafe-inline" not in everything and "unsafe-eval" not in everything
    pp = response.headers["Permissions-Policy"]
    assert "camera=(self)" in pp and "geolocation=(self)" in pp and "microphone=()" in pp and "payment=()" in pp


def test_a_style_block_is_allowed_by_the_nonce_of_its_own_response(db):
    client = signed_in(member(make_tenant("alpha").company, Role.OFFICE))
    pages = [client.get("/desk/calls/") for _ in range(2)]
    nonces = []
    for page in pages:
        assert page.status_code == 200
        found = re.search(r'<style nonce="([^"]+)">', page.content.decode())
        assert found, "the calls page lost its style block"
        assert f"'nonce-{found.group(1)}'" in directives(page)["style-src"]
        nonces.append(found.group(1))
    assert nonces[0] != nonces[1]  # a new nonce for every response


def test_no_template_shown_in_a_browser_has_inline_script_or_style():
    found = []
    for path in sorted(TEMPLATES.glob("*/templates/**/*.html")):
        if NOT_FOR_BROWSERS.search(path.as_posix()):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if INLINE.search(line):
                found.append(f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()[:120]}")
    assert not found, "inline script or style (the CSP refuses it):\n" + "\n".join(found)


def _production(**extra: str) -> dict[str, str]:
    drop = ("FIELDBOX_TESTING", "FIELDBOX_DEMO", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update({"SECRET_KEY": "a-production-secret-" + "k7#Qz" * 12, "ALLOWED_HOSTS": "fieldbox.example.com"})
    env.update(extra)
    return env


PROBE = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/healthz", secure=True, HTTP_HOST="fieldbox.example.com")
plain = Client().get("/accounts/login/", HTTP_HOST="fieldbox.example.com")
from django.conf import settings
print(json.dumps({"headers": dict(response.headers), "plain": [plain.status_code, plain.headers.get("Location")],
                  "cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE]}))
"""


def test_production_sends_hsts_redirects_to_https_and_keeps_cookies_to_https(tmp_path):
    env = _production(
        FIELDBOX_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="fieldbox.config.settings",
        MAP_TILE_URL="https://{s}.tiles.example.org/{z}/{x}/{y}.png",
        CSP_EXTRA_IMG_SRC="https://photos.example.net",
    )
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    headers = seen["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert seen["plain"] == [301, "https://fieldbox.example.com/accounts/login/"]
    assert seen["cookies"] == [True, True]
    img = next(p for p in headers["Content-Security-Policy"].split(";") if p.strip().startswith("img-src")).split()
    assert "https://*.tiles.example.org" in img and "https://photos.example.net" in img
    assert "camera=(self)" in headers["Permissions-Policy"]
