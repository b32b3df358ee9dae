"""The API's one error shape (API.md):
{"error": {"code", "message", "fields"?, "web_url"?}} for every 4xx, and for 500s too."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.errors import Throttled as NinjaThrottled

logger = logging.getLogger(__name__)

MAX_MESSAGE = 300  # no message or field error echoes a large input back

STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
}


class ApiError(Exception):
    """Raise from an endpoint or flow to answer with a specific error."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        web_url: str | None = None,
        extra: dict | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields, self.web_url, self.extra, self.headers = fields, web_url, extra or {}, headers or {}


def web_only(request: HttpRequest, web_path: str, what: str) -> ApiError:
    return ApiError(
        403,
        "web_only",
        f"{what} is only available on the BillingOne web app.",
        web_url=request.build_absolute_uri(web_path),
    )


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    fields: dict | None = None,
    web_url: str | None = None,
    extra: dict | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    body: dict = {"code": code, "message": _cut(message)}
    if fields:
        body["fields"] = {_cut(key, 100): [_cut(str(m)) for m in messages] for key, messages in fields.items()}
    if web_url:
        body["web_url"] = web_url
    body.update(extra or {})
    response = JsonResponse({"error": body}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _cut(text: str, limit: int = MAX_MESSAGE) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def validation_fields(errors: list[dict]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        location = [str(part) for part in error.get("loc", []) if part not in ("body", "query", "path", "form")]
        # ninja nests the body under the parameter name (e.g. "payload"); the client never sees it.
        if len(location) > 1 and location[0] in ("payload", "data", "body"):
            location = location[1:]
        key = ".".join(location) or "__all__"
        fields.setdefault(key, []).append(str(error.get("msg", "Invalid value")))
    return fields


def install(api) -> None:
    """Register the handlers on a NinjaAPI instance."""

    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        return error_response(
            exc.status,
            exc.code,
            exc.message,
            fields=exc.fields,
            web_url=exc.web_url,
            extra=exc.extra,
            headers=exc.headers,
        )

    @api.exception_handler(ValidationError)
    def invalid(request, exc: ValidationError):
        return error_response(422, "invalid", "Some fields are invalid.", fields=validation_fields(exc.errors))

    @api.exception_handler(DjangoValidationError)
    def invalid_model(request, exc: DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return error_response(422, "invalid", "Some fields are invalid.", fields=fields)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return error_response(401, "not_authenticated", "Sign in first: send a valid X-Session-Token.")

    @api.exception_handler(AuthorizationError)
    def unauthorized(request, exc):
        return error_response(403, "forbidden", str(exc) or "You are not allowed to do this.")

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return error_response(403, "forbidden", str(exc) or "Your role does not allow this.")

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error_response(404, "not_found", "Not found.")

    @api.exception_handler(NinjaThrottled)
    def throttled(request, exc: NinjaThrottled):
        wait = int(exc.wait or 60)
        return error_response(
            429, "rate_limited", f"Too many requests; try again in {wait} s.", headers={"Retry-After": str(wait)}
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        code = STATUS_CODES.get(exc.status_code, "error")
        return error_response(exc.status_code, code, str(exc.message))

    @api.exception_handler(Exception)
    def server_error(request, exc):
        logger.exception("Unhandled API error", extra={"path": request.path})
        return error_response(500, "internal_error", "Something went wrong on our side. It has been logged.")
