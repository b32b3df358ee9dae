"""Password validators beyond Django's: context words and breached passwords (SECURITY.md #3).

Both run at signup, password change and reset (they sit in AUTH_PASSWORD_VALIDATORS).
"""

from __future__ import annotations

import hashlib
import logging
import re

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError

logger = logging.getLogger(__name__)

PRODUCT_WORDS = ("billingone", "billing one")
MIN_WORD = 4  # shorter fragments ("bob") would refuse too many honest passphrases


def _normalise(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


class ContextWordsValidator:
    """Refuses passwords containing the product name, the user's email name or their
    organization names: the first words an attacker who knows the account would try."""

    def _words(self, user) -> set[str]:
        words = {_normalise(word) for word in PRODUCT_WORDS}
        if user is not None:
            email = getattr(user, "email", "") or ""
            words.add(_normalise(email.split("@", 1)[0]))
            if getattr(user, "pk", None):
                from billingone.orgs.models import Organization

                names = Organization.objects.filter(memberships__user_id=user.pk).values_list("name", "slug")
                words.update(_normalise(part) for pair in names for part in pair)
        return {word for word in words if len(word) >= MIN_WORD}

    def validate(self, password: str, user=None) -> None:
        flat = _normalise(password)
        if any(word in flat for word in self._words(user)):
            raise ValidationError(
                "Your password can't contain BillingOne, your email name or your organization's name.",
                code="password_context_word",
            )

    def get_help_text(self) -> str:
        return "Don't use BillingOne, your email name or your organization's name in it."


class BreachedPasswordValidator:
    """Have I Been Pwned range API with k-anonymity: only the first 5 hex characters of the
    SHA-1 leave the server. When the service cannot be reached the password is accepted and
    the outage logged (fail open): an outage must not stop people from signing up."""

    def validate(self, password: str, user=None) -> None:
        if not getattr(settings, "PASSWORD_BREACH_CHECK", False):
            return
        digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()
        prefix, suffix = digest[:5], digest[5:]
        try:
            response = httpx.get(
                f"{settings.PASSWORD_BREACH_API}/{prefix}",
                headers={"Add-Padding": "true", "User-Agent": "BillingOne password check"},
                timeout=3.0,
                follow_redirects=False,
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            logger.warning(
                "Breached-password check unavailable; password accepted", extra={"error": type(exc).__name__}
            )
            return
        for line in response.text.splitlines():
            found, _, count = line.partition(":")
            if found.strip() == suffix and count.strip() not in ("", "0"):
                raise ValidationError(
                    "This password has appeared in a data breach. Choose a different one.",
                    code="password_breached",
                )

    def get_help_text(self) -> str:
        return "It must not be a password known from a data breach."
