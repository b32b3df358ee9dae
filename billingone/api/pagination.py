"""List pagination of API.md: {"items", "count", "next"} with ?cursor=&limit= (limit ≤ 100)."""

from __future__ import annotations

import base64
import binascii

from django.db.models import QuerySet

from billingone.api.errors import ApiError

MAX_LIMIT = 100
DEFAULT_LIMIT = 50


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        offset = int(base64.urlsafe_b64decode(cursor.encode()).decode().removeprefix("o:"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(422, "invalid", "The cursor is not valid.", fields={"cursor": ["Not a valid cursor."]}) from None
    if offset < 0:
        raise ApiError(422, "invalid", "The cursor is not valid.", fields={"cursor": ["Not a valid cursor."]})
    return offset


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def paginate(queryset: QuerySet, *, cursor: str | None, limit: int | None, serialize, load=list) -> dict:
    """One page of `queryset` (which must be ordered) with items passed through `serialize`;
    `load` turns the page's slice into rows (for lists that enrich a page in one more query)."""
    limit = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(422, "invalid", f"limit must be between 1 and {MAX_LIMIT}.", fields={"limit": ["Out of range."]})
    offset = _decode_cursor(cursor)
    rows = load(queryset[offset : offset + limit + 1])
    has_more = len(rows) > limit
    return {
        "items": [serialize(row) for row in rows[:limit]],
        "count": queryset.count(),
        "next": encode_cursor(offset + limit) if has_more else None,
    }
