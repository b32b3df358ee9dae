"""Audit Logs reads as words: labels for actions, targets and fields (the keys stay in
attributes and filters' values), and IPs and emails are never broken mid-word."""

from __future__ import annotations

import html
import re
from pathlib import Path

from billingone.audit.log import diff, record
from billingone.audit.tests.test_section import SECTION

# Visible text only: tags (and their attributes, where keys may stay for machines) removed.
TAGS = re.compile(r"<[^>]+>")


def visible_text(page: str) -> str:
    body = page.split('<main id="main"', 1)[1]
    return html.unescape(TAGS.sub(" ", body))


def test_rows_and_filters_show_labels_not_keys(personas, client_for):
    record(
        "org.update",
        organization=personas.org_a,
        actor=personas.alice,
        target=personas.org_a,
        changes=diff({"session_timeout_minutes": None}, {"session_timeout_minutes": 30}),
    )
    page = client_for(personas.alice).get(SECTION).content.decode()
    text = visible_text(page)
    assert "Organization settings changed" in text and "Organization" in text
    assert "Session timeout minutes" in text
    for key in ("orgs.organization", "org.update", "session_timeout_minutes"):
        assert key not in text, key
    assert '<option value="orgs.organization">Organization</option>' in page
    assert 'title="org.update"' in page  # the key is still there for those who look


def test_ips_and_emails_are_kept_whole(personas, client_for):
    record("org.update", organization=personas.org_a, actor=personas.alice, target=personas.org_a)
    page = client_for(personas.alice).get(SECTION).content.decode()
    assert '<td class="nowrap">alice@org-a.test</td>' in page
    assert re.search(r'<td class="mono nowrap">[^<]*</td>', page)
    css = (Path(__file__).resolve().parents[3] / "static/css/app.css").read_text()
    rule = re.search(r"\.audit-table td \{([^}]*)\}", css).group(1)
    assert "anywhere" not in rule and "break-all" not in rule
