"""Organization flows: creating one, remembering which one a user works in, its settings and branding."""

from __future__ import annotations

from datetime import timedelta

from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from billingone.audit.log import diff, record
from billingone.lib.images import ImageRejected, clean_image
from billingone.lib.text import name_problem
from billingone.orgs import roles
from billingone.orgs.branding import BrandColorError, check_readable, normalize_color
from billingone.orgs.errors import FlowError, NotAllowed
from billingone.orgs.models import (
    DEFAULT_ACCENT_COLOR,
    DEFAULT_PRIMARY_COLOR,
    Membership,
    Organization,
    SlugRedirect,
)
from billingone.orgs.roles import Role
from billingone.orgs.slugs import suggest_slug, validate_slug


def typed_name(value: str, field: str = "name") -> str:
    """A typed name, trimmed; only spaces or control characters (NUL bytes) are a field error."""
    problem = name_problem(value or "")
    if problem:
        raise FlowError(problem, field=field)
    return (value or "").strip()


@transaction.atomic
def create_organization(user, name: str, *, request: HttpRequest | None = None, slug: str = "") -> Organization:
    """A new organization with `user` as its Owner, audited."""
    name = name.strip()[:100] or f"{user.display_name}'s organization"
    slug = slug or suggest_slug(name, slug_taken)
    organization = Organization(name=name, slug=slug)
    organization.full_clean()
    organization.save()
    Membership.objects.create(user=user, organization=organization, role=Role.OWNER)
    user.last_organization = organization
    user.save(update_fields=["last_organization"])
    record(
        "org.create",
        organization=organization,
        request=request,
        actor=user,
        target=organization,
        changes={"name": {"before": None, "after": name}, "slug": {"before": None, "after": slug}},
    )
    return organization


def landing_organization(user) -> Organization | None:
    """Where a user lands after sign-in: the organization used last, else their first."""
    memberships = Membership.objects.filter(user=user).select_related("organization")
    if user.last_organization_id and any(m.organization_id == user.last_organization_id for m in memberships):
        return user.last_organization
    first = memberships.order_by("created_at").first()
    return first.organization if first else None


def remember_organization(user, organization: Organization) -> None:
    if user.last_organization_id != organization.pk:
        user.last_organization = organization
        user.save(update_fields=["last_organization"])


# ---- Organization settings and branding -------------------------------------------------

SLUG_REDIRECT_DAYS = 30
LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 4096 * 4096
LOGO_SIZE = (720, 240)  # fits the 36 px header at 3× and the 40 px email header


def require(membership: Membership, capability: str) -> None:
    """Flows check permission themselves, whoever calls them (web, API, task)."""
    if not roles.has_capability(membership.role, capability):
        raise NotAllowed(roles.refusal(membership.role, capability))


def has_mfa(user) -> bool:
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def slug_taken(slug: str, organization: Organization | None = None) -> bool:
    """In use by another organization, or still redirecting to one (for 30 days)."""
    others = Organization.objects.filter(slug=slug)
    redirects = SlugRedirect.objects.filter(old_slug=slug, expires_at__gt=timezone.now())
    if organization is not None:
        others = others.exclude(pk=organization.pk)
        redirects = redirects.exclude(organization=organization)
    return others.exists() or redirects.exists()


def check_slug(slug: str, organization: Organization | None = None) -> str:
    """A free, valid slug, exactly as given: "ACME" is refused, not quietly saved as "acme"."""
    slug = (slug or "").strip()
    try:
        validate_slug(slug.lower())
    except ValidationError as exc:
        raise FlowError(exc.messages[0], field="slug") from None
    if slug != slug.lower():
        raise FlowError(f"URLs are lowercase: use “{slug.lower()}”.", field="slug")
    if slug_taken(slug, organization):
        raise FlowError("This URL is already taken; please choose another.", field="slug")
    return slug


def _move_slug(organization: Organization, old: str, new: str) -> None:
    now = timezone.now()
    SlugRedirect.objects.filter(expires_at__lte=now).delete()
    SlugRedirect.objects.filter(old_slug=new, organization=organization).delete()
    SlugRedirect.objects.update_or_create(
        old_slug=old,
        defaults={"organization": organization, "expires_at": now + timedelta(days=SLUG_REDIRECT_DAYS)},
    )


@transaction.atomic
def update_organization(
    membership: Membership,
    *,
    name: str,
    slug: str,
    require_mfa: bool,
    session_timeout_minutes: int | None,
    request: HttpRequest | None = None,
) -> Organization:
    """Name, URL slug (the old one redirects for 30 days), MFA requirement and idle timeout."""
    require(membership, "org.manage")
    organization = Organization.objects.select_for_update().get(pk=membership.organization_id)
    before = {f: getattr(organization, f) for f in ORG_FIELDS}
    name = " ".join(typed_name(name).split())
    if not name:
        raise FlowError("Enter the organization's name.", field="name")
    slug = check_slug(slug, organization)
    if require_mfa and not organization.require_mfa and not has_mfa(membership.user):
        raise FlowError(
            "Turn on two-factor authentication for your own account first, or you would lock yourself out.",
            field="require_mfa",
        )
    if session_timeout_minutes is not None and not 5 <= session_timeout_minutes <= 720:
        raise FlowError("Choose between 5 and 720 idle minutes, or leave it empty for off.", field="session_timeout")
    organization.name, organization.slug = name[:100], slug
    organization.require_mfa, organization.session_timeout_minutes = require_mfa, session_timeout_minutes
    organization.save(update_fields=list(ORG_FIELDS))
    if before["slug"] != slug:
        _move_slug(organization, before["slug"], slug)
    changes = diff(before, {f: getattr(organization, f) for f in ORG_FIELDS})
    if changes:
        record("org.update", organization=organization, request=request, target=organization, changes=changes)
    membership.organization = organization
    return organization


ORG_FIELDS = ("name", "slug", "require_mfa", "session_timeout_minutes")
BRAND_FIELDS = ("primary_color", "accent_color", "logo")


def _brand_state(organization: Organization) -> dict:
    return {
        "primary_color": organization.primary_color,
        "accent_color": organization.accent_color,
        "logo": organization.logo.name or None,
    }


def clean_colors(primary: str, accent: str) -> tuple[str, str]:
    try:
        primary = normalize_color(primary)
        check_readable(primary, "Primary colour")
    except BrandColorError as exc:
        raise FlowError(str(exc), field="primary_color") from None
    try:
        accent = normalize_color(accent)
        check_readable(accent, "Accent colour")
    except BrandColorError as exc:
        raise FlowError(str(exc), field="accent_color") from None
    return primary, accent


@transaction.atomic
def update_branding(
    membership: Membership,
    *,
    primary_color: str,
    accent_color: str,
    logo=None,
    remove_logo: bool = False,
    request: HttpRequest | None = None,
) -> Organization:
    """Colours (#RRGGBB, each readable with white or dark text) and an optional new logo."""
    require(membership, "org.manage")
    organization = Organization.objects.select_for_update().get(pk=membership.organization_id)
    before = _brand_state(organization)
    primary, accent = clean_colors(primary_color, accent_color)
    clean_logo = None
    if logo is not None:
        try:
            clean_logo = clean_image(logo, max_bytes=LOGO_MAX_BYTES, max_pixels=LOGO_MAX_PIXELS, size=LOGO_SIZE)
        except ImageRejected as exc:
            raise FlowError(str(exc), field="logo") from None
    organization.primary_color, organization.accent_color = primary, accent
    old_logo = organization.logo.name
    if clean_logo is not None:
        organization.logo.save("logo.png", clean_logo, save=False)
    elif remove_logo:
        organization.logo = ""
    organization.save(update_fields=list(BRAND_FIELDS))
    if old_logo and old_logo != organization.logo.name:
        transaction.on_commit(lambda: organization.logo.storage.delete(old_logo))
    changes = diff(before, _brand_state(organization))
    if changes:
        record("org.branding_update", organization=organization, request=request, target=organization, changes=changes)
    membership.organization = organization
    return organization


@transaction.atomic
def reset_branding(membership: Membership, *, request: HttpRequest | None = None) -> Organization:
    """Back to BillingOne's colours and logo."""
    require(membership, "org.manage")
    organization = Organization.objects.select_for_update().get(pk=membership.organization_id)
    before = _brand_state(organization)
    old_logo = organization.logo.name
    organization.primary_color, organization.accent_color = DEFAULT_PRIMARY_COLOR, DEFAULT_ACCENT_COLOR
    organization.logo = ""
    organization.save(update_fields=list(BRAND_FIELDS))
    if old_logo:
        transaction.on_commit(lambda: organization.logo.storage.delete(old_logo))
    changes = diff(before, _brand_state(organization))
    if changes:
        record("org.branding_reset", organization=organization, request=request, target=organization, changes=changes)
    membership.organization = organization
    return organization
