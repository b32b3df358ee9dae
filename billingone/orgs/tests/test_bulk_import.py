"""Bulk import: CSV parsing, the dry-run verdicts, apply (emails from the task), bad files."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billingone.audit.models import AuditEvent
from billingone.orgs.bulk import parse_csv
from billingone.orgs.errors import FlowError
from billingone.orgs.models import BulkImport, Invitation
from billingone.orgs.team import new_token
from billingone.testing.tasks import run_pending_tasks

UPLOAD = "/org-a/settings/team/import/"
FORMULA = "=cmd|' /C calc'!A0"


def csv_file(text: str | bytes, name: str = "team.csv") -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def upload(client, text):
    return client.post(UPLOAD, {"file": csv_file(text)})


@pytest.mark.parametrize(
    "text",
    [
        "email,role,name\nada@example.com,finance,Ada\n",
        "\ufeffemail,role,name\r\nada@example.com,finance,Ada\r\n",
        "Email;Role;Name\nada@example.com;finance;Ada\n",
        "name,role,email\nAda,finance,ada@example.com\n",
        "ada@example.com,finance,Ada\n",
        "email,role\n\nada@example.com , Finance \n",
    ],
    ids=["comma", "bom-crlf", "semicolon", "reordered-header", "no-header", "blank-lines-spaces"],
)
def test_accepted_shapes(text):
    rows = parse_csv(text.encode())
    assert [(r.email, r.role) for r in rows] == [("ada@example.com", "finance")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"email\trole\tname\nada@example.com\tfinance\tAda\n", "separated by a comma or a semicolon"),
        (b"Ada,finance\nGrace,viewer\n", "The first row should be the header email,role,name"),
        (b"email,name\nada@example.com,Ada\n", "no “role” column"),
        (b"", "The file is empty"),
        (b"email,role,name\n", "a header but no rows"),
        ("email,role\nadé@example.com,viewer\n".encode("latin-1"), "not UTF-8"),
    ],
    ids=["wrong-delimiter", "missing-header", "missing-role-column", "empty", "header-only", "latin-1"],
)
def test_bad_files_are_refused_with_a_clear_message(data, message, personas, client_for):
    with pytest.raises(FlowError, match=re.escape(message)):
        parse_csv(data)
    response = client_for(personas.alice).post(UPLOAD, {"file": csv_file(data)})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not BulkImport.objects.exists()


def test_10001_rows_are_refused_naming_the_limit(personas, client_for):
    text = "email,role\n" + "".join(f"p{n}@example.com,viewer\n" for n in range(10_001))
    response = upload(client_for(personas.alice), text)
    assert response.status_code == 422
    assert "The file has 10,001 rows; the limit is 10,000 rows per import." in response.content.decode()
    rows = parse_csv(("email,role\n" + "".join(f"p{n}@example.com,viewer\n" for n in range(10_000))).encode())
    assert len(rows) == 10_000


def test_preview_gives_every_row_a_verdict_and_invites_nobody(personas, client_for):
    Invitation.objects.create(
        organization=personas.org_a,
        email="pending@example.com",
        role="viewer",
        token_hash=new_token()[1],
        expires_at=timezone.now() + timezone.timedelta(days=7),
    )
    text = "\n".join(
        [
            "email,role,name",
            "ok@example.com,finance,Okay",
            "not-an-email,viewer,",
            "role@example.com,superuser,",
            "ok@example.com,viewer,Again",
            "bob@org-a.test,viewer,Bob",
            "pending@example.com,viewer,",
            "boss@example.com,owner,Boss",
        ]
    )
    admin = client_for(personas.member("admin"))
    response = upload(admin, text)
    assert response.status_code == 302
    preview = admin.get(response["Location"])
    verdicts = re.findall(r'data-verdict="(\w+)"', preview.content.decode())
    assert sorted(verdicts) == sorted(
        ["ok", "invalid_email", "unknown_role", "duplicate", "member", "invited", "role_above"]
    )
    assert b"Invite 1 person" in preview.content
    assert Invitation.objects.count() == 1 and not mail.outbox


def test_apply_invites_the_good_rows_and_the_worker_sends_the_emails(
    personas, client_for, django_capture_on_commit_callbacks
):
    text = "email,role,name\na@example.com,finance,A\nb@example.com,engineer,B\nbad,viewer,\n"
    owner = client_for(personas.alice)
    preview_url = upload(owner, text)["Location"]
    batch = BulkImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(f"{preview_url}apply/")
    assert response.status_code == 302
    assert sorted(Invitation.objects.values_list("email", "role")) == [
        ("a@example.com", "finance"),
        ("b@example.com", "engineer"),
    ]
    assert not mail.outbox  # sent by the worker, not the request
    run_pending_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.com", "b@example.com"]
    assert all("/invitations/" in m.body for m in mail.outbox)
    summary = AuditEvent.objects.get(action="member.bulk_import")
    assert summary.data["invited"] == 2 and summary.data["verdicts"]["invalid_email"] == 1
    assert AuditEvent.objects.filter(action="member.invite", data__source="bulk").count() == 2
    # Applying twice does nothing more.
    again = owner.post(f"{preview_url}apply/", follow=True)
    assert b"already applied" in again.content
    assert Invitation.objects.count() == 2
    batch.refresh_from_db()
    assert batch.applied_at is not None


def test_apply_rechecks_rows_that_changed_since_the_preview(personas, client_for):
    owner = client_for(personas.alice)
    preview_url = upload(owner, "email,role\nlate@example.com,viewer\n")["Location"]
    owner.post("/org-a/settings/team/invite/", {"email": "late@example.com", "role": "viewer"})
    owner.post(f"{preview_url}apply/")
    assert Invitation.objects.filter(email="late@example.com").count() == 1


def test_a_formula_in_a_name_is_stored_as_text_and_exported_inert(personas, client_for):
    owner = client_for(personas.alice)
    preview_url = upload(owner, f'email,role,name\nf@example.com,viewer,"{FORMULA}"\n')["Location"]
    results = owner.get(f"{preview_url}results.csv")
    assert results["Content-Type"].startswith("text/csv")
    row = list(csv.reader(io.StringIO(results.content.decode())))[1]
    assert row[3] == "'" + FORMULA  # a spreadsheet shows it as text, never runs it
    owner.post(f"{preview_url}apply/")
    assert Invitation.objects.get().name == FORMULA  # stored exactly as typed, never evaluated


def test_template_csv_is_itself_importable(personas, client_for):
    response = client_for(personas.alice).get("/org-a/settings/team/import/template.csv")
    assert response["Content-Disposition"] == 'attachment; filename="billingone-team-import.csv"'
    rows = parse_csv(response.content)
    assert [r.role for r in rows] == ["finance", "engineer"]


def test_previews_belong_to_their_organization(personas, client_for):
    preview_url = upload(client_for(personas.alice), "email,role\nx@example.com,viewer\n")["Location"]
    batch = BulkImport.objects.get()
    charlie = client_for(personas.charlie)
    assert charlie.get(preview_url).status_code == 404
    assert charlie.get(f"/org-b/settings/team/import/{batch.pk}/").status_code == 404
    assert charlie.post(f"/org-b/settings/team/import/{batch.pk}/apply/").status_code == 404
    assert not Invitation.objects.exists()


def test_finance_cannot_import(personas, client_for):
    response = upload(client_for(personas.member("finance")), "email,role\nx@example.com,viewer\n")
    assert response.status_code == 403
    assert not BulkImport.objects.exists()
