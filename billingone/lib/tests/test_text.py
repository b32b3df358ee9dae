from __future__ import annotations

import pytest

from billingone.lib.text import name_problem, parse_id, short_quote


@pytest.mark.parametrize("value", ["²", "١٢", "1" * 19, "-1", "1.0", "", " 1", True, None, 3.0])
def test_parse_id_refuses_what_is_not_a_row_id(value):
    assert parse_id(value) is None


@pytest.mark.parametrize(("value", "expected"), [("7", 7), ("1" * 18, int("1" * 18)), (42, 42)])
def test_parse_id_reads_ascii_digits(value, expected):
    assert parse_id(value) == expected


def test_short_quote_keeps_a_prefix_only():
    quoted = short_quote("A" * 100_000)
    assert len(quoted) < 50 and quoted.startswith("“AAAA") and quoted.endswith("…”")
    assert short_quote("full") == "“full”"


@pytest.mark.parametrize("value", ["   ", "\t", "a\x00b", "\x00", "line\nbreak"])
def test_names_of_spaces_or_control_characters_are_refused(value):
    assert name_problem(value)


@pytest.mark.parametrize("value", ["", "Alice", "  Alice  ", "Zoë O’Brien"])
def test_ordinary_names_pass(value):
    assert name_problem(value) is None
