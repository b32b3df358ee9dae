"""Organization URL slugs: shape, reserved words, and suggestions from a name."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.text import slugify

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$")

# First path segments the site itself uses, and words that would mislead in a URL.
RESERVED_SLUGS = frozenset(
    """
    about accounts account admin administrator api app apps assets auth billing billingone blog
    dashboard docs download downloads help healthz home invitations invite invites join legal login
    logout media new oauth org orgs organization organizations password pricing privacy register
    root security settings setup signin signout signup static status support system team terms user
    users webhooks well-known www _allauth
    """.split()
)


def validate_slug(value: str) -> None:
    if not SLUG_RE.match(value or ""):
        raise ValidationError(
            "Use 3–40 lowercase letters, digits or hyphens, starting and ending with a letter or digit.",
            code="invalid_slug",
        )
    if "--" in value:
        raise ValidationError("A slug cannot contain two hyphens in a row.", code="invalid_slug")
    if value in RESERVED_SLUGS:
        raise ValidationError(f"“{value}” is reserved; please choose another.", code="reserved_slug")


def suggest_slug(name: str, taken: callable) -> str:
    """A valid, free slug derived from a name; `taken(slug)` says whether one is in use."""
    base = re.sub(r"-{2,}", "-", slugify(name))[:34].strip("-") or "org"
    if len(base) < 3:
        base = f"{base}-org"
    if base in RESERVED_SLUGS:
        base = f"{base}-team"
    candidate, counter = base, 2
    while taken(candidate):
        candidate = f"{base}-{counter}"
        counter += 1
    return candidate
