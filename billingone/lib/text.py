"""Input text at the edge: database ids, short quotes of what was sent, and names people type."""

from __future__ import annotations

import unicodedata

MAX_ID_DIGITS = 18  # a bigint holds 19 digits; more cannot be one of our rows
QUOTE_LIMIT = 40


def parse_id(value: object) -> int | None:
    """A row id from a path or a body, or None. ASCII digits only: "²".isdigit() is True, and
    int() refuses it; 40 digits overflow the database's integer."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not text or len(text) > MAX_ID_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def short_quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """“value” for an error message, cut to `limit` characters: never echo a 100 kB input back."""
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return f"“{text}”"


def name_problem(value: str) -> str | None:
    """Why a typed name cannot be saved, or None. Empty is the caller's business (some names are
    optional); only spaces, NUL bytes and other control characters are always refused."""
    if any(unicodedata.category(char) == "Cc" for char in value):
        return "Names cannot contain control characters (such as NUL bytes or line breaks)."
    if value and not value.strip():
        return "Enter a name, not only spaces."
    return None
