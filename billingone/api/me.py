"""/api/v1/me: the signed-in user's profile and security summary."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from billingone.accounts import overview
from billingone.accounts.flows import (
    recently_authenticated,
    remove_avatar,
    revoke_session,
    update_avatar,
    update_profile,
)
from billingone.accounts.sessions import live_sessions, session_row
from billingone.api.errors import ApiError, web_only
from billingone.api.pagination import paginate
from billingone.lib.images import ImageRejected
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


class LoginEventOut(Schema):
    at: datetime
    outcome: str
    method: str
    ip: str | None
    location: str
    device: str


class PasskeyEventOut(Schema):
    at: datetime
    event: str
    passkey_name: str
    ip: str | None
    device: str


class SessionOut(Schema):
    id: str
    kind: str  # web | app
    device: str
    location: str
    ip: str | None
    last_active: datetime
    current: bool


class Page(Schema):
    count: int
    next: str | None


class LoginHistoryPage(Page):
    items: list[LoginEventOut]


class PasskeyEventsPage(Page):
    items: list[PasskeyEventOut]


class SessionsPage(Page):
    items: list[SessionOut]


def mfa_summary(user) -> dict:
    state = overview.mfa_state(user)
    return {
        "totp": bool(state["totp"]),
        "recovery_codes_left": state["recovery_codes_left"],
        "passkeys": len(state["passkeys"]),
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


@router.put("/me/avatar", response=MeOut, summary="Upload a new avatar (multipart `file`: PNG, JPEG or WebP ≤ 1 MB)")
def put_avatar(request, file: UploadedFile = File(...)):  # noqa: B008 (ninja's parameter declaration)
    try:
        update_avatar(request.user, file, request=request)
    except ImageRejected as exc:
        raise ApiError(422, "invalid", str(exc), fields={"file": [str(exc)]}) from None
    return me_payload(request)


@router.delete("/me/avatar", response=MeOut, summary="Remove the avatar")
def delete_avatar(request):
    remove_avatar(request.user, request=request)
    return me_payload(request)


@router.get("/me/login-history", response=LoginHistoryPage, summary="Sign-in attempts on your account, newest first")
def login_history(request, cursor: str | None = None, limit: int | None = None):
    def serialize(event) -> dict:
        return {
            "at": event.created_at,
            "outcome": event.outcome,
            "method": event.method,
            "ip": event.ip,
            "location": event.location,
            "device": event.device,
        }

    return paginate(overview.login_history(request.user), cursor=cursor, limit=limit, serialize=serialize)


@router.get("/me/passkey-events", response=PasskeyEventsPage, summary="Passkey audit log, newest first")
def passkey_events(request, cursor: str | None = None, limit: int | None = None):
    def serialize(event) -> dict:
        return {
            "at": event.created_at,
            "event": event.event,
            "passkey_name": event.passkey_name,
            "ip": event.ip,
            "device": event.device,
        }

    return paginate(overview.passkey_history(request.user), cursor=cursor, limit=limit, serialize=serialize)


def _own_session_key(request) -> str | None:
    """The caller's session: the app token's, else the browser cookie's."""
    token_session = getattr(request, "token_session", None)
    return token_session.session_key if token_session is not None else request.session.session_key


@router.get("/me/sessions", response=SessionsPage, summary="Your signed-in browsers and app installs, this one first")
def list_sessions(request, cursor: str | None = None, limit: int | None = None):
    current_key = _own_session_key(request)

    def serialize(tracked) -> dict:
        row = session_row(tracked, current_key)
        return {
            **{key: row[key] for key in ("kind", "device", "location", "ip", "last_active", "current")},
            "id": str(row["id"]),
        }

    return paginate(live_sessions(request.user, current_key), cursor=cursor, limit=limit, serialize=serialize)


@router.delete(
    "/me/sessions/{session_id}",
    response={204: None},
    summary="Sign a session out (needs a sign-in or re-authentication in the last 5 minutes)",
)
def delete_session(request, session_id: str):
    if not (session_id.isascii() and session_id.isdigit()) or len(session_id) > 18:
        raise ApiError(404, "not_found", "No such session.")
    own = getattr(request, "token_session", None) or request.session
    if not recently_authenticated(own, request.user):
        raise ApiError(
            401,
            "reauthentication_required",
            "Confirm it's you first: re-authenticate (POST /_allauth/app/v1/auth/reauthenticate), then retry.",
        )
    try:
        revoke_session(request, int(session_id), current_key=_own_session_key(request))
    except Http404:
        raise ApiError(404, "not_found", "No such session.") from None
    return Status(204, None)
