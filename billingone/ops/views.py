"""Uploaded files (avatars, logos) and error pages."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.static import serve

from billingone.api.errors import error_response

SERVABLE_MEDIA_TYPES = {".png", ".jpg", ".jpeg", ".webp"}


@require_GET
def media(request, path: str) -> HttpResponse:
    """Serve an uploaded image: images only, never sniffed, sandboxed if opened directly."""
    if not any(path.lower().endswith(ext) for ext in SERVABLE_MEDIA_TYPES):
        raise Http404("No such file")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _wants_json(request):
        return error_response(404, "not_found", "Not found.")
    return render(request, "errors/404.html", {"removal": _removal(exception)}, status=404)


def _removal(exception) -> dict | None:
    from billingone.orgs.tenancy import NoLongerMember

    if not isinstance(exception, NoLongerMember):
        return None
    return {"organization": exception.organization_name, "at": exception.removed_at}


def forbidden(request, exception=None):
    if _wants_json(request):
        return error_response(403, "forbidden", str(exception) or "Your role does not allow this.")
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


def server_error(request):
    if _wants_json(request):
        return error_response(500, "internal_error", "Something went wrong on our side. It has been logged.")
    return render(request, "errors/500.html", status=500)


def bad_request(request, exception=None):
    if _wants_json(request):
        return error_response(400, "bad_request", "The request could not be understood.")
    return render(request, "errors/400.html", status=400)


def csrf_failure(request, reason=""):
    if _wants_json(request):
        return error_response(403, "forbidden", "CSRF check failed: send the CSRF token with browser-session calls.")
    reason = "Your form expired or came from another site. Reload the page and try again."
    return render(request, "errors/403.html", {"reason": reason}, status=403)
