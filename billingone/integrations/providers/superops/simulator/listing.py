"""ListInfoInput on the simulator: condition (simple or compound), sort and page, as the Help
Center's "Search, pagination, and sorting" describes them (PROVIDERS.md §4.3).

    {"page": 2, "pageSize": 100,
     "sort": [{"attribute": "invoiceDate", "order": "DESC"}],
     "condition": {"joinOperator": "AND", "operands": [
         {"attribute": "invoiceDate", "operator": "after", "value": "2026-10-01T00:00:00"},
         {"attribute": "client.name", "operator": "contains", "value": "dental"}]}}

A wrong input is a ListError, answered as SuperOps' `type_validation_failed` client error.
`hasMore` is true while pages remain and null (not false) on the last one, as live tenants answer.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 10


class ListError(Exception):
    """A ListInfoInput SuperOps would refuse: (code, message)."""

    def __init__(self, message: str, code: str = "type_validation_failed"):
        super().__init__(message)
        self.code, self.message = code, message


def value_at(row: dict, path: str) -> object:
    """A dot path into a row and its JSON associations ("client.name")."""
    value: object = row
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def as_time(value: object) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "").replace(" ", "T")[:19])
    except ValueError:
        raise ListError(f"'{str(value)[:40]}' is not a date-time (use 2022-04-10T10:15:30)") from None


def as_number(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ListError(f"'{str(value)[:40]}' is not a number") from None


def compare(actual: object, operator: str, expected: object) -> bool:
    text, wanted = str(actual if actual is not None else "").lower(), str(expected if expected is not None else "")
    string_ops = {
        "is": lambda: text == wanted.lower(),
        "isNot": lambda: text != wanted.lower(),
        "isEmpty": lambda: text == "",
        "isNotEmpty": lambda: text != "",
        "startsWith": lambda: text.startswith(wanted.lower()),
        "endsWith": lambda: text.endswith(wanted.lower()),
        "contains": lambda: wanted.lower() in text,
        "notContains": lambda: wanted.lower() not in text,
        "includes": lambda: text in {str(v).lower() for v in (expected if isinstance(expected, list) else [expected])},
        "notIncludes": lambda: (
            text not in {str(v).lower() for v in (expected if isinstance(expected, list) else [expected])}
        ),
    }
    if operator in string_ops:
        return string_ops[operator]()
    if operator in ("after", "before", "on", "between"):
        if actual in (None, ""):
            return False
        moment = as_time(actual)
        if operator == "between":
            if not isinstance(expected, list) or len(expected) != 2:
                raise ListError("between takes [from, to]")
            return as_time(expected[0]) <= moment <= as_time(expected[1])
        target = as_time(expected)
        return {"after": moment > target, "before": moment < target, "on": moment.date() == target.date()}[operator]
    numeric = {"greaterThan": ">", "greaterThanOrEqual": ">=", "lessThan": "<", "lessThanOrEqual": "<="}
    if operator in numeric:
        if actual in (None, ""):
            return False
        left, right = as_number(actual), as_number(expected)
        return {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[numeric[operator]]
    raise ListError(f"Unknown operator '{operator}'")


def matches(row: dict, condition: object, attributes: set[str]) -> bool:
    if not condition:
        return True
    if not isinstance(condition, dict):
        raise ListError("condition must be an object")
    if "joinOperator" in condition:
        join = str(condition["joinOperator"]).upper()
        operands = condition.get("operands")
        if join not in ("AND", "OR") or not isinstance(operands, list) or not operands:
            raise ListError("A compound condition takes joinOperator AND|OR and a list of operands")
        results = (matches(row, operand, attributes) for operand in operands)
        return all(results) if join == "AND" else any(results)
    attribute, operator = str(condition.get("attribute") or ""), str(condition.get("operator") or "")
    if attribute.split(".")[0] not in attributes:
        raise ListError(f"Unknown attribute '{attribute}'")
    return compare(value_at(row, attribute), operator, condition.get("value"))


def sort_key(attribute: str):
    def key(row: dict):
        value = value_at(row, attribute)
        if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
            return (0, Decimal(str(value)), "")
        return (1, Decimal(0), str(value or "").lower())

    return key


def ordered(rows: list[dict], listing: dict, attributes: set[str]) -> list[dict]:
    """The rows a ListInfoInput's condition keeps, in its sort order (every page of them)."""
    found = [row for row in rows if matches(row, listing.get("condition"), attributes)]
    for rule in reversed(listing.get("sort") or []):
        attribute = str(rule.get("attribute") or "")
        if attribute.split(".")[0] not in attributes:
            raise ListError(f"Unknown sort attribute '{attribute}'")
        found.sort(key=sort_key(attribute), reverse=str(rule.get("order") or "ASC") == "DESC")
    return found


def page_of(found: list[dict], listing: dict) -> tuple[list[dict], dict]:
    """One page of an ordered list: (its rows, listInfo)."""
    page = listing.get("page") or 1
    size = listing.get("pageSize") or DEFAULT_PAGE_SIZE
    if page < 1:
        raise ListError("page starts at 1")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ListError(f"pageSize must be between 1 and {MAX_PAGE_SIZE}", code="value_length_exceeds_limit")
    start = (page - 1) * size
    more = start + size < len(found)
    info = {"page": page, "pageSize": size, "hasMore": True if more else None, "totalCount": len(found)}
    return found[start : start + size], info


def select(rows: list[dict], listing: dict, attributes: set[str]) -> tuple[list[dict], dict]:
    """One page of `rows` for a ListInfoInput: (the page's rows, listInfo)."""
    page_of([], listing)  # a bad page or pageSize is refused before any work
    return page_of(ordered(rows, listing, attributes), listing)
