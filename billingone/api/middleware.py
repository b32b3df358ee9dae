"""Refuse API request bodies that are JSON but not an object: every body in API.md is one,
and a list or a bare string would otherwise be read as "no fields" and silently accepted."""

from __future__ import annotations

import json

from billingone.api.errors import error_response

BODY_METHODS = {"POST", "PUT", "PATCH"}


class JSONObjectBodyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.path.startswith("/api/")
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
