"""CSV cells that spreadsheets will not execute (CSV/formula injection, OWASP).

A cell starting with =, +, -, @, tab or carriage return is read as a formula by Excel,
LibreOffice and Sheets; prefixing a single quote makes it plain text. Data is stored as
typed; only what we *write* to a CSV goes through `safe_cell`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(list(header))
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return output.getvalue()
