"""One date format everywhere: templates use the named formats of billingone/formats/en
("c" for machine-readable attributes), and those read "27 Nov 2026" / "27 Nov 2026, 14:05"."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from django.template import Context, Template

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
# Y-m-d: the value of an <input type=date>; YEAR_MONTH_FORMAT: a month ("Nov 2026")
ALLOWED = {"DATETIME_FORMAT", "DATE_FORMAT", "YEAR_MONTH_FORMAT", "c", "Y-m-d"}
DATE_FILTER = re.compile(r"""\|date(?::(["'])(?P<format>[^"']*)\1)?""")


def test_templates_use_only_the_named_formats():
    odd = []
    for path in TEMPLATES.rglob("*"):
        if path.suffix not in {".html", ".txt"}:
            continue
        for match in DATE_FILTER.finditer(path.read_text()):
            if match.group("format") is not None and match.group("format") not in ALLOWED:
                odd.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
    assert odd == []


def test_the_named_formats_read_as_the_product_writes_dates():
    moment = datetime(2026, 11, 27, 14, 5, tzinfo=UTC)
    rendered = Template('{{ at|date }} | {{ at|date:"DATETIME_FORMAT" }}').render(Context({"at": moment}))
    assert rendered == "27 Nov 2026 | 27 Nov 2026, 14:05"
