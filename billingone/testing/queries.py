"""Query-count checks: a page or endpoint costs the same number of statements at any size."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext

PAGE_BUDGET = 12  # statements a page or endpoint may run (README: lists paginated, ≤ 12 queries)


def statements_of(client, path: str, headers: dict | None = None) -> tuple[int, list[str]]:
    """Statements one GET runs (after a warm-up GET, so per-session first-request work is not counted)."""
    client.get(path, headers=headers or {})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, headers=headers or {})
    assert response.status_code == 200, (path, response.status_code)
    return len(queries), [query["sql"] for query in queries]


def assert_flat(client, path: str, grow: Callable[[], object], headers: dict | None = None) -> int:
    """GET `path`, grow its rows with `grow()`, GET again: the same statements, within the budget."""
    few, _ = statements_of(client, path, headers)
    grow()
    many, many_sql = statements_of(client, path, headers)
    assert many == few, (path, few, many, many_sql)
    assert many <= PAGE_BUDGET, (path, many, many_sql)
    return many
