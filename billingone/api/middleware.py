"""Middleware for /api/v1: every answer is the JSON error shape, and bodies are JSON objects."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from billingone.api.errors import STATUS_CODES, error_response

API_PREFIX = "/api/v1"
BODY_METHODS = {"POST", "PUT", "PATCH"}

MESSAGES = {
    400: "The request could not be read.",
    403: "You are not allowed to do this.",
    404: "No such API endpoint.",
    413: "The request body is too large.",
    500: "Something went wrong on our side. It has been logged.",
}


def is_api(request: HttpRequest) -> bool:
    return request.path_info == API_PREFIX or request.path_info.startswith(API_PREFIX + "/")


class ApiErrorShapeMiddleware:
    """Django answers some /api/v1 errors before or around ninja: the URL resolver's 404 (an HTML page
    listing every URL with DEBUG on), ninja's plain-text 405, the HTML 400 of an oversized body.
    Rewrite any such non-JSON error into API.md's shape, whatever DEBUG says."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api(request):
            return self.get_response(request)
        if self._declared_size(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
            return error_response(413, "too_large", f"The request body is too large (at most {limit} kB).")
        response = self.get_response(request)
        if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
            return response
        return self._shaped(request, response)

    @staticmethod
    def _declared_size(request: HttpRequest) -> int:
        try:
            return int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return 0

    @staticmethod
    def _shaped(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        status = response.status_code
        if status == 405:
            allowed = response.get("Allow", "")
            message = f"{request.method} is not allowed here; use {allowed or 'another method'}."
            return error_response(405, "method_not_allowed", message, headers={"Allow": allowed} if allowed else None)
        code = STATUS_CODES.get(status, "internal_error" if status >= 500 else "error")
        message = MESSAGES.get(status, "The request failed.")
        headers = {"Retry-After": response["Retry-After"]} if response.has_header("Retry-After") else None
        return error_response(status, code, message, headers=headers)


class JSONObjectBodyMiddleware:
    """Refuse API request bodies that are JSON but not an object: every body in API.md is one,
    and a list or a bare string would otherwise be read as "no fields" and silently accepted."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            is_api(request)
            and request.method in BODY_METHODS
            and request.content_type == "application/json"
            and request.body.strip()
        ):
            try:
                parsed = json.loads(request.body)
            except ValueError:
                return error_response(400, "bad_request", "The request body is not valid JSON.")
            if not isinstance(parsed, dict):
                return error_response(422, "invalid", "The request body must be a JSON object.")
        return self.get_response(request)
