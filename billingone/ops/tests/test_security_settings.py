"""Headers on every response, and production settings that fail closed."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db


def production_env(tmp_path: Path, **overrides) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "BILLINGONE_", "DATABASE"))
    }
    env.update(
        BILLINGONE_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEYS="1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        ALLOWED_HOSTS="app.billingone.test",
        SITE_URL="https://app.billingone.test",
        SMTP_HOST="smtp.billingone.test",
        BILLINGONE_VAR_DIR=str(tmp_path),
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run_manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_security_headers_on_pages(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"):
        assert directive in csp
    assert "'unsafe-inline'" not in csp and "'nonce-" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_deploy_check_is_clean_in_production(tmp_path):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS"])
def test_production_refuses_to_start_without_keys(missing, tmp_path):
    result = run_manage("check", env=production_env(tmp_path, **{missing: None}))
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr


def test_production_cookies_and_hsts(tmp_path):
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.SECURE_HSTS_SECONDS, s.DEBUG, s.SESSION_ENGINE]))"
    )
    env = production_env(tmp_path, DJANGO_SETTINGS_MODULE="billingone.settings")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert json.loads(result.stdout) == [
        "__Host-sessionid",
        "__Host-csrftoken",
        True,
        True,
        "Lax",
        31536000,
        False,
        "django.contrib.sessions.backends.db",
    ]


def test_errors_do_not_leak_details(client, settings):
    settings.DEBUG = False
    response = client.get("/definitely/not/here/")
    assert response.status_code == 404
    assert b"Page not found" in response.content and b"URLconf" not in response.content
