"""Readable device names from User-Agent strings: "Chrome on macOS", "BillingOne app on iOS"."""

from __future__ import annotations

import re
from functools import lru_cache

from ua_parser import parse

# The mobile app identifies itself as "BillingOne/<version> (...)"; allauth headless clients
# that send no User-Agent at all are shown as an app too.
APP_PATTERN = re.compile(r"^BillingOne(?:[- ]?(?:Mobile|iOS|App))?/(?P<version>[\w.]+)", re.IGNORECASE)
OS_NAMES = {"Mac OS X": "macOS", "Windows": "Windows", "iOS": "iOS", "Android": "Android", "Linux": "Linux"}
BROWSER_NAMES = {"HeadlessChrome": "Chrome", "Chrome Mobile": "Chrome", "Mobile Safari": "Safari"}


@lru_cache(maxsize=512)
def device_name(user_agent: str | None) -> str:
    user_agent = (user_agent or "").strip()
    if not user_agent:
        return "Unknown device"
    parsed = parse(user_agent)
    os_family = parsed.os.family if parsed.os else None
    os_name = OS_NAMES.get(os_family or "", os_family)
    app = APP_PATTERN.match(user_agent)
    if app:
        return f"BillingOne app on {os_name}" if os_name else "BillingOne app"
    browser = parsed.user_agent.family if parsed.user_agent else None
    if browser and browser != "Other":
        browser = BROWSER_NAMES.get(browser, browser)
        return f"{browser} on {os_name}" if os_name and os_name != "Other" else browser
    return user_agent[:60]
