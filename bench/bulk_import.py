"""Bulk team import: how long the dry-run preview of a 5,000-row CSV takes (budget: 2 s).

Run: python bench/bulk_import.py [rows]   (uses a throw-away test database; DATABASE_URL picks
PostgreSQL). Prints the time of each stage and of the whole web request, as a user waits for it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billingone.settings")
os.environ.setdefault("BILLINGONE_ENV", "test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

BUDGET_SECONDS = 2.0


def make_csv(rows: int) -> bytes:
    """Mostly good rows, with every kind of problem sprinkled in, as a real file would have."""
    lines = ["email,role,name"]
    roles = ["viewer", "engineer", "finance", "admin"]
    for n in range(rows):
        if n % 97 == 0:
            lines.append(f"not-an-email-{n},viewer,Broken {n}")
        elif n % 89 == 0:
            lines.append(f"person{n - 1}@example.com,viewer,Duplicate {n}")
        elif n % 83 == 0:
            lines.append(f"person{n}@example.com,superuser,Unknown role {n}")
        elif n % 251 == 0:
            lines.append("bob@org-a.test,viewer,Already a member")
        else:
            lines.append(f"person{n}@example.com,{roles[n % 4]},Person {n}")
    return ("\n".join(lines) + "\n").encode()


def timed(label: str, function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    elapsed = time.perf_counter() - start
    print(f"  {label:<38} {elapsed * 1000:8.1f} ms")
    return result, elapsed


def main(rows: int) -> None:
    from billingone.orgs.bulk import judge, parse_csv, preview_import
    from billingone.orgs.models import Invitation, Membership
    from billingone.orgs.team import new_token
    from billingone.testing.personas import make_personas

    personas = make_personas()
    owner = Membership.objects.select_related("organization", "user").get(user=personas.alice)
    for n in range(0, rows, 50):  # some rows are already invited
        Invitation.objects.create(
            organization=personas.org_a,
            email=f"person{n + 1}@example.com",
            role="viewer",
            token_hash=new_token()[1],
            expires_at=timezone.now() + timezone.timedelta(days=7),
        )
    data = make_csv(rows)
    print(f"Bulk import preview, {rows:,} rows ({len(data) / 1024:.0f} KB), {connection.vendor}")
    parsed, _ = timed("parse CSV", parse_csv, data)
    timed("judge rows (2 queries)", judge, parsed, owner)
    (_, judged), _ = timed("preview_import (parse+judge+store)", preview_import, owner, data, filename="bench.csv")

    client = Client()
    client.force_login(personas.alice, backend="django.contrib.auth.backends.ModelBackend")
    upload = SimpleUploadedFile("bench.csv", data, content_type="text/csv")
    response, post_s = timed("POST upload (web request)", client.post, "/org-a/settings/team/import/", {"file": upload})
    assert response.status_code == 302, response.status_code
    page, get_s = timed("GET preview page (render)", client.get, response["Location"])
    assert page.status_code == 200
    total = post_s + get_s
    counts: dict[str, int] = {}
    for row in judged:
        counts[row.verdict] = counts.get(row.verdict, 0) + 1
    print(f"  verdicts: {counts}")
    print(
        f"  upload → preview shown: {total:.2f} s = {total / BUDGET_SECONDS:.0%} of the {BUDGET_SECONDS:.0f} s budget"
    )
    # Apply (not budgeted): invitations and audit rows are written; emails go to the task queue.
    applied, _ = timed("POST apply (web request)", client.post, response["Location"] + "apply/")
    assert applied.status_code == 302, applied.status_code


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        main(size)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
