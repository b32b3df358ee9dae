"""The QuickBooks query language subset (PROVIDERS.md §3.3), parsed the way QBO reads it:

    SELECT * | count(*) FROM <Entity> [WHERE <cond> [AND <cond>]…] [ORDERBY <field> [ASC|DESC]]
        [STARTPOSITION n] [MAXRESULTS n]

with <cond> = `field op value` (op one of = < > <= >= LIKE IN). Keywords are case-insensitive,
entity names are not; no OR, no JOIN, no projections beyond `*` (python-quickbooks sends
`SELECT *, Sku FROM Item`, which QBO accepts). STARTPOSITION is 1-based; MAXRESULTS defaults
to 100 and is capped at 1000.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

MAX_RESULTS = 1000
DEFAULT_RESULTS = 100
TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:\\.|''|[^'\\])*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op><=|>=|!=|=|<|>|\(|\)|,|\*)
      | (?P<word>[A-Za-z_][\w.]*)
    )""",
    re.VERBOSE,
)


class QueryError(ValueError):
    """A query QBO would refuse with a QueryParserError (Fault code 4000)."""


@dataclass
class Condition:
    field: str
    op: str
    values: list[object]


@dataclass
class Query:
    entity: str
    count: bool = False
    where: list[Condition] = field(default_factory=list)
    order_by: str = ""
    descending: bool = False
    start: int = 1
    max_results: int = DEFAULT_RESULTS


def tokenize(text: str) -> list[tuple[str, object]]:
    tokens: list[tuple[str, object]] = []
    position = 0
    text = text.strip().rstrip(";")
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise QueryError(f"Encountered unexpected input at column {position + 1}")
        position = match.end()
        kind = match.lastgroup
        raw = match.group(kind)
        if kind == "string":
            tokens.append(("value", raw[1:-1].replace("\\'", "'").replace("''", "'")))
        elif kind == "number":
            tokens.append(("value", Decimal(raw)))
        elif kind == "word" and raw.lower() in ("true", "false"):
            tokens.append(("value", raw.lower() == "true"))
        else:
            tokens.append((kind, raw))
    return tokens


class Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.position = 0

    def peek(self) -> tuple[str, object] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, object]:
        token = self.peek()
        if token is None:
            raise QueryError("The query ended unexpectedly")
        self.position += 1
        return token

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and str(token[1]).upper() in words:
            self.position += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.keyword(word):
            found = self.peek()
            raise QueryError(f"Expected {word}, found {found[1] if found else 'the end'}")

    def integer(self) -> int:
        kind, value = self.take()
        if kind != "value" or not isinstance(value, Decimal) or value != int(value) or value < 0:
            raise QueryError(f"Expected a whole number, found {value}")
        return int(value)

    def parse(self) -> Query:
        self.expect("SELECT")
        count = self.projection()
        self.expect("FROM")
        kind, entity = self.take()
        if kind != "word":
            raise QueryError(f"Expected an entity name, found {entity}")
        query = Query(entity=str(entity), count=count)
        if self.keyword("WHERE"):
            query.where.append(self.condition())
            while self.keyword("AND"):
                query.where.append(self.condition())
        if self.keyword("ORDERBY") or (self.keyword("ORDER") and self.keyword("BY")):
            query.order_by = str(self.take()[1])
            query.descending = self.keyword("DESC")
            if not query.descending:
                self.keyword("ASC")
        if self.keyword("STARTPOSITION"):
            query.start = max(1, self.integer())
        if self.keyword("MAXRESULTS"):
            query.max_results = min(MAX_RESULTS, self.integer())
        if self.peek() is not None:
            raise QueryError(f'Encountered "{self.peek()[1]}": OR, JOIN and GROUP BY are not supported')
        return query

    def projection(self) -> bool:
        if self.keyword("COUNT"):
            for expected in ("(", "*", ")"):
                if self.take()[1] != expected:
                    raise QueryError("count(*) is the only aggregate")
            return True
        if self.take() != ("op", "*"):
            raise QueryError("Only SELECT * and SELECT count(*) are supported")
        while self.peek() == ("op", ","):  # `SELECT *, Sku`: extra columns QBO already returns
            self.take()
            self.take()
        return False

    def condition(self) -> Condition:
        kind, name = self.take()
        if kind != "word":
            raise QueryError(f"Expected a property name, found {name}")
        if self.keyword("IN"):
            return Condition(str(name), "IN", self.value_list())
        if self.keyword("LIKE"):
            kind, pattern = self.take()
            if kind != "value" or not isinstance(pattern, str):
                raise QueryError("LIKE needs a quoted pattern")
            return Condition(str(name), "LIKE", [pattern])
        kind, op = self.take()
        if kind != "op" or op not in ("=", "<", ">", "<=", ">="):
            raise QueryError(f"Unsupported operator {op}")
        kind, value = self.take()
        if kind != "value":
            raise QueryError(f"Expected a value after {op}, found {value}")
        return Condition(str(name), str(op), [value])

    def value_list(self) -> list[object]:
        if self.take() != ("op", "("):
            raise QueryError("IN needs a parenthesised list")
        values = []
        while True:
            kind, value = self.take()
            if kind != "value":
                raise QueryError(f"Expected a value in the IN list, found {value}")
            values.append(value)
            kind, separator = self.take()
            if separator == ")":
                return values
            if separator != ",":
                raise QueryError("IN list values are separated by commas")


def parse(text: str) -> Query:
    return Parser(text).parse()


# ---- evaluation ----------------------------------------------------------------------------


def lookup(entity: dict, path: str) -> object:
    """A property by dotted path; a reference (CustomerRef) compares by its value."""
    value: object = entity
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value


def comparable(left: object, right: object) -> tuple[object, object] | None:
    """Both sides as the same type (times with offsets compare as instants), or None."""
    if isinstance(right, bool) or isinstance(left, bool):
        return (left, right) if isinstance(left, bool) and isinstance(right, bool) else None
    if isinstance(left, (int, float, Decimal)) or isinstance(right, Decimal):
        try:
            return Decimal(str(left)), Decimal(str(right))
        except InvalidOperation:
            return None
    if isinstance(left, str) and isinstance(right, str):
        if "T" in left and "T" in right:
            try:
                return datetime.fromisoformat(left), datetime.fromisoformat(right)
            except ValueError:
                pass
        if left.isdigit() and right.isdigit():  # Ids compare as numbers
            return int(left), int(right)
        return left.lower(), right.lower()
    return None


def like(value: object, pattern: str) -> bool:
    regex = "^" + ".*".join(re.escape(part) for part in pattern.lower().split("%")) + "$"
    return isinstance(value, str) and re.match(regex, value.lower(), re.DOTALL) is not None


def matches(entity: dict, condition: Condition) -> bool:
    value = lookup(entity, condition.field)
    if condition.op == "LIKE":
        return like(value, str(condition.values[0]))
    if condition.op == "IN":
        return any(_compare(value, "=", candidate) for candidate in condition.values)
    return _compare(value, condition.op, condition.values[0])


def _compare(value: object, op: str, expected: object) -> bool:
    pair = comparable(value, expected)
    if pair is None:
        return False
    left, right = pair
    try:
        return {
            "=": left == right,
            "<": left < right,
            ">": left > right,
            "<=": left <= right,
            ">=": left >= right,
        }[op]
    except TypeError:  # naive vs aware times
        return False


def sort_key(path: str):
    def key(entity: dict):
        value = lookup(entity, path)
        if isinstance(value, str) and value.isdigit():
            return (0, int(value), "")
        if isinstance(value, (int, float)):
            return (0, value, "")
        if isinstance(value, str) and "T" in value:
            try:
                return (1, datetime.fromisoformat(value).timestamp(), "")
            except ValueError:
                pass
        return (2, 0, str(value or "").lower())

    return key
