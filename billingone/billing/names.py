"""Name and domain normalisation: the evidence client matching compares."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

LEGAL_WORDS = {"pty", "ltd", "limited", "inc", "llc", "co", "corp", "corporation", "company", "plc", "the", "pte"}
WEBMAIL = {"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "bigpond.com", "icloud.com", "live.com"}


def normalise(name: str) -> str:
    """ "Cedar Dental Pty. Ltd." and "CEDAR DENTAL" are the same company."""
    text = name.lower().replace("&", " and ")
    words = re.sub(r"[^a-z0-9 ]+", " ", text).split()
    return " ".join(word for word in words if word not in LEGAL_WORDS)[:255]


def website_domain(url: str) -> str:
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def email_domain(email: str) -> str:
    domain = email.rpartition("@")[2].lower().strip()
    return "" if domain in WEBMAIL or "." not in domain else domain


def domains_of(*, email: str = "", website: str = "", extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The distinct, non-webmail domains a company is known by."""
    found = {email_domain(email), website_domain(website), *(d.lower().strip() for d in extra)}
    return tuple(sorted(d for d in found if d and d not in WEBMAIL))
