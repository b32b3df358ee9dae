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
    # Client-link suggestions at or above this confidence are confirmed without a person (the
    # organization's own choice, off by default: billing/client_flows.py set_auto_confirm).
    auto_confirm_links = models.PositiveSmallIntegerField(null=True, blank=True)

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


class SlugRedirect(models.Model):
    """An organization's former slug, redirecting to its current one until `expires_at`."""

    old_slug = models.SlugField(max_length=40, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="slug_redirects")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.old_slug} → {self.organization.slug}"


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        from django.utils import timezone

        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A pending membership: an email and a role, waiting for its single-use link.

    Only a SHA-256 hash of the link's token is stored (SECURITY.md #7); a new token is issued
    every time the email is (re)sent, which also invalidates the previous link.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=ROLE_CHOICES)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "email"], name="invitation_org_email"),
            # The pending list, newest first: read in index order and cut at a page.
            models.Index(fields=["organization", "-created_at", "-id"], name="invitation_org_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization} ({self.role})"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def status(self) -> str:
        from django.utils import timezone

        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class BulkImport(models.Model):
    """A validated CSV waiting for "Apply": the preview's rows, so apply needs no re-upload."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="bulk_imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=200, blank=True)
    rows = models.JSONField(default=list)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk} into {self.organization}"
