"""Playwright driving Debian's Chromium (no browser download), pages loaded as localhost.

WebAuthn needs a secure context, and Chromium treats http://localhost as one, not
http://127.0.0.1; so live-server URLs are rewritten to localhost.
"""

from __future__ import annotations

import os
import shutil

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM_PATH) or shutil.which("chromium") is not None


def localhost_url(url: str) -> str:
    return url.replace("127.0.0.1", "localhost")


def sign_in(page, base_url: str, email: str, password: str) -> None:
    """Sign in through the real login form, and wait for its answer to load.

    Returning before the POST's response arrives would let the caller's next goto() abort it:
    the server has signed the browser in, but the browser never stores the session cookie.
    """
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
