"""The accounting API's query language as the simulator reads it: `where` (comparisons joined
by AND / OR, string methods), `order`, the list filters (IDs, InvoiceNumbers, ContactIDs,
Statuses) and If-Modified-Since. What Xero would refuse becomes a QueryError (a 400).

    where=Type=="ACCREC" AND Total>=100.5 AND Date<DateTime(2026, 10, 1)
    where=Contact.ContactID==Guid("…") OR Status!="PAID"
    where=Name.Contains("acme")
    order=InvoiceNumber DESC  |  order=UpdatedDateUTC, Total DESC
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
COMPARISON = re.compile(r"^\s*([\w.]+)\s*(==|!=|>=|<=|>|<|=)\s*(.+?)\s*$")
METHOD = re.compile(r'^\s*([\w.]+)\.(Contains|StartsWith|EndsWith)\(\s*"([^"]*)"\s*\)\s*$')
DATETIME = re.compile(
    r"^DateTime\(\s*(\d{4})\s*,\s*(\d{1,2})\s*,\s*(\d{1,2})(?:\s*,\s*(\d{1,2})\s*,\s*(\d{1,2})\s*,\s*(\d{1,2}))?\s*\)$"
)
GUID = re.compile(r'^Guid\(\s*"([0-9a-fA-F-]{36})"\s*\)$')
ORDER_TERM = re.compile(r"^\s*([\w.]+)(?:\s+(ASC|DESC))?\s*$", re.IGNORECASE)

Record = dict
Predicate = Callable[[Record], bool]


class QueryError(ValueError):
    """A request Xero would refuse with a 400 ValidationException."""


def parse_if_modified_since(value: str) -> int:
    """Milliseconds since the epoch; Xero accepts ISO 8601 and the HTTP date format."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            raise QueryError(f"If-Modified-Since is not a date: {value[:40]}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def field_value(record: Record, path: str):
    """A (dotted) field of a record, MS-JSON dates as aware datetimes."""
    value = record
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    if isinstance(value, str) and (match := MS_DATE.match(value)):
        return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)
    return value


def literal(text: str):
    """A where-clause value: "text", true/false, a number, DateTime(y, m, d[, h, m, s]), Guid("…")."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if match := DATETIME.match(text):
        return datetime(*(int(part) for part in match.groups() if part is not None), tzinfo=UTC)
    if match := GUID.match(text):
        return match.group(1).lower()
    try:
        return float(text)
    except ValueError:
        raise QueryError(f"Unsupported value in where clause: {text[:40]}") from None


def compare(actual, operator: str, expected) -> bool:
    if isinstance(expected, str) and isinstance(actual, str):
        actual, expected = actual.lower(), expected.lower()
    elif isinstance(expected, float) and isinstance(actual, int | float) and not isinstance(actual, bool):
        actual = float(actual)
    elif isinstance(expected, datetime) and isinstance(actual, datetime):
        pass
    elif type(actual) is not type(expected):
        return operator == "!="
    if operator in ("==", "="):
        return actual == expected
    if operator == "!=":
        return actual != expected
    try:
        return {">": actual > expected, ">=": actual >= expected, "<": actual < expected, "<=": actual <= expected}[
            operator
        ]
    except TypeError:
        raise QueryError(f"Cannot compare with {operator}") from None


def term(text: str, fields: frozenset[str]) -> Predicate:
    if match := METHOD.match(text):
        path, method, argument = match.groups()
        check_field(path, fields)
        test = {"Contains": str.__contains__, "StartsWith": str.startswith, "EndsWith": str.endswith}[method]
        return lambda record: test(str(field_value(record, path) or "").lower(), argument.lower())
    match = COMPARISON.match(text)
    if not match:
        raise QueryError(f"Unsupported where clause: {text.strip()[:60]}")
    path, operator, raw = match.groups()
    check_field(path, fields)
    expected = literal(raw)
    return lambda record: compare(field_value(record, path), operator, expected)


def check_field(path: str, fields: frozenset[str]) -> None:
    if path not in fields:
        raise QueryError(f"Unsupported where field: {path}")


def parse_where(where: str, fields: frozenset[str]) -> Predicate | None:
    """A predicate for `where`, or None when there is no clause. OR binds looser than AND."""
    if not where.strip():
        return None
    alternatives = []
    for branch in re.split(r"\s+OR\s+|\|\|", where):
        terms = [term(part, fields) for part in re.split(r"\s+AND\s+|&&", branch)]
        alternatives.append(terms)
    return lambda record: any(all(check(record) for check in terms) for terms in alternatives)


def sort(items: list, order: str, fields: frozenset[str], record: Callable = lambda item: item) -> list:
    """`order`: comma-separated fields, each ASC (default) or DESC; a stable sort, last key first.
    `record` finds the record in an item (items may carry more than the record)."""
    keys = []
    for part in order.split(","):
        match = ORDER_TERM.match(part)
        if not match or match.group(1) not in fields:
            raise QueryError(f"Unsupported order: {part.strip()[:60]}")
        keys.append((match.group(1), (match.group(2) or "ASC").upper() == "DESC"))
    for path, descending in reversed(keys):
        items = sorted(items, key=lambda item: sort_key(field_value(record(item), path)), reverse=descending)
    return items


def sort_key(value) -> tuple:
    if value is None:
        return (0, "")
    if isinstance(value, str):
        return (1, value.lower())
    if isinstance(value, datetime):
        return (1, value.timestamp())
    return (1, value)


def id_list(value: str) -> set[str]:
    """A comma-separated filter (IDs, InvoiceNumbers, ContactIDs, Statuses), compared case-insensitively."""
    return {part.strip().lower() for part in value.split(",") if part.strip()}
