"""Organizations (tenants) and memberships (a user's role in one organization)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from billingone.orgs.roles import ROLE_CHOICES, Role
from billingone.orgs.slugs import validate_slug

DEFAULT_PRIMARY_COLOR = "#2457D6"
DEFAULT_ACCENT_COLOR = "#0E9F6E"


def logo_path(instance: Organization, filename: str) -> str:
    # Server-chosen key under the organization's own folder (SECURITY.md 5.3.2).
    return f"orgs/{instance.public_id}/branding/{uuid.uuid4()}.png"


class Organization(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=40, unique=True, validators=[validate_slug])
    created_at = models.DateTimeField(auto_now_add=True)

    # Policies (Organization section); enforced by the accounts app.
    require_mfa = models.BooleanField(default=False)
    session_timeout_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Idle minutes before sessions are signed out; empty = off."
    )

    # Branding (Branding section): CSS variables on every page and email of the organization.
    primary_color = models.CharField(max_length=7, default=DEFAULT_PRIMARY_COLOR)
    accent_color = models.CharField(max_length=7, default=DEFAULT_ACCENT_COLOR)
    logo = models.ImageField(upload_to=logo_path, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=ROLE_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")]
        ordering = ["organization__name"]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} ({self.role})"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)
