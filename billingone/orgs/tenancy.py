"""The tenancy gate: the one way a request reaches an organization's data.

`gate()` resolves an organization slug for the signed-in user: 404 when they are not a
member (the organization's existence is not revealed), 403 when their role lacks the
capability. `org_view` wraps web views, `org_endpoint` wraps API operations; both mark the
wrapped function so the tenancy and matrix tests can find every gated route.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.utils import timezone

from billingone.orgs import roles
from billingone.orgs.models import Membership, SlugRedirect

GATE_ATTRIBUTE = "tenancy_capability"


class SlugMoved(Exception):
    """The slug is an organization's former one (kept 30 days); the member is sent on."""

    def __init__(self, old_slug: str, new_slug: str):
        super().__init__(new_slug)
        self.old_slug, self.new_slug = old_slug, new_slug

    def new_path(self, path: str) -> str:
        # Replace only the slug segment, e.g. /old/settings/ → /new/settings/,
        # /api/v1/orgs/old/members → /api/v1/orgs/new/members.
        marker = "/orgs/" if path.startswith("/api/") else "/"
        head, _, tail = path.partition(f"{marker}{self.old_slug}")
        return f"{head}{marker}{self.new_slug}{tail}"


def find_membership(user, slug: str) -> Membership:
    if not user.is_authenticated:
        raise Http404("No such organization")
    membership = Membership.objects.select_related("organization").filter(user=user, organization__slug=slug).first()
    if membership is None:
        moved = SlugRedirect.objects.filter(old_slug=slug, expires_at__gt=timezone.now()).select_related("organization")
        redirect = moved.first()
        # Only members learn where an organization went; everyone else gets the usual 404.
        if redirect and Membership.objects.filter(user=user, organization=redirect.organization).exists():
            raise SlugMoved(slug, redirect.organization.slug)
        raise removed_from(user, slug) or Http404("No such organization")
    return membership


class NoLongerMember(Http404):
    """Still a 404 (nothing of the organization is reachable), but a former member is told why."""

    def __init__(self, organization_name: str, removed_at):
        super().__init__("No longer a member")
        self.organization_name, self.removed_at = organization_name, removed_at


def removed_from(user, slug: str) -> NoLongerMember | None:
    """The removal of `user` from the organization at `slug`, from its audit log, if there was one."""
    from billingone.audit.models import AuditEvent

    removal = (
        AuditEvent.objects.filter(
            organization__slug=slug, action="member.remove", target_type="accounts.user", target_id=str(user.pk)
        )
        .select_related("organization")
        .order_by("-created_at")
        .first()
    )
    if removal is None:
        return None
    return NoLongerMember(removal.organization.name, removal.created_at)


def moved_response(request: HttpRequest, moved: SlugMoved) -> HttpResponse:
    """Web GET: 302 to the new URL. Other methods and the API: 307, which keeps the method and
    body; the API also says so in its error shape. Temporary, because the redirect expires."""
    location = moved.new_path(request.get_full_path())
    if request.path.startswith("/api/"):
        from billingone.api.errors import error_response

        response = error_response(
            307, "moved", f"This organization's URL is now “{moved.new_slug}”.", extra={"slug": moved.new_slug}
        )
        response["Location"] = location
        return response
    if request.method in ("GET", "HEAD"):
        return HttpResponseRedirect(location)
    response = HttpResponse(status=307)
    response["Location"] = location
    return response


def gate(request: HttpRequest, slug: str, capability: str) -> Membership:
    """The membership of request.user in `slug`, if their role grants `capability`."""
    roles.capability(capability)  # an unknown capability is a programming error, fail loudly
    membership = find_membership(request.user, slug)
    request.organization = membership.organization
    request.membership = membership
    if not roles.has_capability(membership.role, capability):
        from billingone.audit.log import record

        record(
            "authz.denied",
            organization=membership.organization,
            request=request,
            data={"capability": capability, "path": request.path[:200], "role": membership.role},
        )
        raise PermissionDenied(roles.refusal(membership.role, capability))
    return membership


def org_view(capability: str, methods: Iterable[str] = ("GET", "HEAD")) -> Callable:
    """Gate a web view taking `slug`: sign-in first, then membership (404), capability (403),
    then the allowed methods (405), in that order, so outsiders learn nothing."""
    allowed = {method.upper() for method in methods}
    if "GET" in allowed:
        allowed.add("HEAD")

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                gate(request, slug, capability)
            except SlugMoved as moved:
                return moved_response(request, moved)
            if request.method not in allowed:
                return HttpResponseNotAllowed(sorted(allowed))
            return view(request, slug, *args, **kwargs)

        setattr(wrapper, GATE_ATTRIBUTE, capability)
        return wrapper

    return decorator


def org_endpoint(capability: str) -> Callable:
    """Gate a django-ninja operation whose path has `{slug}`."""

    def decorator(operation: Callable) -> Callable:
        @functools.wraps(operation)
        def wrapper(request: HttpRequest, slug: str, *args, **kwargs):
            try:
                gate(request, slug, capability)
            except SlugMoved as moved:
                return moved_response(request, moved)
            return operation(request, slug, *args, **kwargs)

        setattr(wrapper, GATE_ATTRIBUTE, capability)
        return wrapper

    return decorator


def gated_capability(view: Callable) -> str | None:
    return getattr(view, GATE_ATTRIBUTE, None)
