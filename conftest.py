"""Shared pytest fixtures: personas, signed-in clients, app tokens, the browser."""

from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the
# test body are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from billingone.testing.browser import CHROMIUM_ARGS, CHROMIUM_PATH, chromium_available, localhost_url
from billingone.testing.personas import PASSWORD, make_personas


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is the production hasher (tested in accounts/tests/test_passwords.py); tests that
    # create dozens of users use a fast one so the suite stays quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_sync_now_cooldown(settings):
    # Tests sync the same integration again within seconds; the cooldown itself is tested in
    # billingone/integrations/tests/test_limits.py, which sets it back.
    settings.SYNC_NOW_COOLDOWN_SECONDS = 0


@pytest.fixture(autouse=True)
def _audit_rows_can_be_flushed(request):
    """Transactional tests end with Django's flush, which deletes every row; the append-only
    triggers on audit events are lifted for that flush only, and restored for the next test."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")  # set up first, so it is torn down after us
    from django.db import connection

    from billingone.audit import triggers

    triggers.install(connection)
    yield
    triggers.remove(connection)


@pytest.fixture
def personas(db):
    return make_personas()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def client_for(client):
    """client_for(user): Django's test client signed in as `user` through a real session."""

    def sign_in(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return sign_in


@pytest.fixture
def app_token(client):
    """app_token(user): a session token from the real allauth headless login (the mobile app's)."""

    def login(user, password: str = PASSWORD) -> str:
        from django.test import Client

        response = Client().post(
            "/_allauth/app/v1/auth/login",
            {"email": user.email, "password": password},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        return response.json()["meta"]["session_token"]

    return login


@pytest.fixture(scope="session")
def browser():
    if not chromium_available():
        pytest.fail(f"Chromium not found at {CHROMIUM_PATH}: run `apt-get install -y chromium` (make test does).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def live_url(live_server):
    return localhost_url(live_server.url)


@pytest.fixture
def page(browser, live_url):
    context = browser.new_context(base_url=live_url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def back_to_latest():
    """For tests that migrate backwards: leave the schema with every migration applied, as the
    next test on this worker expects (later tables would otherwise be missing)."""
    yield
    from billingone.testing.migrations import migrate_to_latest

    migrate_to_latest()
