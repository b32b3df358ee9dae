"""/api/v1/me: the signed-in user's profile and security summary."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema
from pydantic import Field

from billingone.accounts.flows import update_profile
from billingone.api.errors import web_only
from billingone.orgs.models import Membership

router = Router(tags=["me"])


class MfaOut(Schema):
    totp: bool
    recovery_codes_left: int
    passkeys: int


class MembershipOut(Schema):
    slug: str
    name: str
    role: str


class LinksOut(Schema):
    mfa_enroll: str
    recovery_codes: str
    change_email: str
    change_password: str


class MeOut(Schema):
    id: str
    email: str
    name: str
    avatar_url: str | None
    mfa: MfaOut
    organizations: list[MembershipOut]
    links: LinksOut


class MeIn(Schema):
    name: str | None = Field(default=None, max_length=150)
    # Accepted only to answer clearly: these change on the web, with verification.
    email: str | None = None
    password: str | None = None


def mfa_summary(user) -> dict:
    authenticators = list(Authenticator.objects.filter(user=user))
    by_type = {kind: [a for a in authenticators if a.type == kind] for kind in Authenticator.Type.values}
    recovery = by_type[Authenticator.Type.RECOVERY_CODES]
    return {
        "totp": bool(by_type[Authenticator.Type.TOTP]),
        "recovery_codes_left": len(RecoveryCodes(recovery[0]).get_unused_codes()) if recovery else 0,
        "passkeys": len(by_type[Authenticator.Type.WEBAUTHN]),
    }


def me_payload(request: HttpRequest) -> dict:
    user = request.user
    memberships = Membership.objects.filter(user=user).select_related("organization").order_by("organization__name")
    absolute = request.build_absolute_uri
    return {
        "id": str(user.pk),
        "email": user.email,
        "name": user.name,
        "avatar_url": absolute(user.avatar.url) if user.avatar else None,
        "mfa": mfa_summary(user),
        "organizations": [
            {"slug": m.organization.slug, "name": m.organization.name, "role": m.role} for m in memberships
        ],
        "links": {
            "mfa_enroll": absolute(reverse("mfa_activate_totp")),
            "recovery_codes": absolute(reverse("mfa_view_recovery_codes")),
            "change_email": absolute(reverse("account_email")),
            "change_password": absolute(reverse("account_change_password")),
        },
    }


@router.get("/me", response=MeOut, summary="The signed-in user")
def get_me(request):
    return me_payload(request)


@router.patch("/me", response=MeOut, summary="Change the display name")
def patch_me(request, payload: MeIn):
    if payload.email is not None:
        raise web_only(request, reverse("account_email"), "Changing your email")
    if payload.password is not None:
        raise web_only(request, reverse("account_change_password"), "Changing your password")
    if payload.name is not None:
        update_profile(request.user, name=payload.name, request=request)
    return me_payload(request)


@router.api_operation(["PUT", "PATCH", "POST"], "/me/email", summary="Email changes are web-only")
def change_email(request):
    raise web_only(request, reverse("account_email"), "Changing your email")


@router.api_operation(["PUT", "PATCH", "POST"], "/me/password", summary="Password changes are web-only")
def change_password(request):
    raise web_only(request, reverse("account_change_password"), "Changing your password")
