"""Bulk team import: a CSV of `email,role[,name]` → a dry-run preview → apply (invitations).

The preview gives every row a verdict; apply re-checks them (the team may have changed in
between) and invites the rows that are still fine. Emails go out from a background task.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from billingone.audit.log import record
from billingone.orgs import limits, roles
from billingone.orgs.errors import Conflict, FlowError
from billingone.orgs.flows import require
from billingone.orgs.models import BulkImport, Invitation, Membership
from billingone.orgs.roles import Role
from billingone.orgs.team import lock_organization, new_invitation, record_invitation

MAX_ROWS = 10_000
MAX_BYTES = 2 * 1024 * 1024
EMAIL_BATCH = 200
TEMPLATE_CSV = "email,role,name\nada@example.com,finance,Ada Lovelace\ngrace@example.com,engineer,Grace Hopper\n"

VERDICTS = {
    "ok": "Will be invited",
    "invalid_email": "Invalid email address",
    "unknown_role": "Unknown role",
    "duplicate": "Duplicate in this file",
    "member": "Already a member",
    "invited": "Already invited",
    "role_above": "Role above yours",
}


@dataclass
class Row:
    line: int
    email: str
    role: str
    name: str
    verdict: str = "ok"

    @property
    def message(self) -> str:
        return VERDICTS[self.verdict]


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise FlowError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.", field="file")
    try:
        text = data.decode("utf-8-sig")  # with or without a byte-order mark
    except UnicodeDecodeError:
        raise FlowError("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.", field="file") from None
    if not text.strip():
        raise FlowError("The file is empty.", field="file")
    return text


def _delimiter(first_line: str) -> str:
    commas, semicolons = first_line.count(","), first_line.count(";")
    if commas == 0 and semicolons == 0:
        raise FlowError(
            "Columns must be separated by a comma or a semicolon (email,role,name); this file uses neither.",
            field="file",
        )
    return "," if commas >= semicolons else ";"


def _columns(first: list[str]) -> tuple[dict[str, int], bool]:
    """Column positions and whether the first row is a header."""
    cells = [cell.strip().lower() for cell in first]
    if "email" in cells:
        if "role" not in cells:
            raise FlowError("The header has no “role” column: it should be email,role,name.", field="file")
        columns = {key: cells.index(key) for key in ("email", "role", "name") if key in cells}
        return columns, True
    if first and "@" in first[0]:
        return {"email": 0, "role": 1, "name": 2}, False
    raise FlowError(
        "The first row should be the header email,role,name (or start directly with an email address). "
        "Download the template to see the format.",
        field="file",
    )


def parse_csv(data: bytes) -> list[Row]:
    text = _decode(data)
    first_line = next(line for line in text.splitlines() if line.strip())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    records = [(reader.line_num, cells) for cells in reader if any(cell.strip() for cell in cells)]
    if not records:
        raise FlowError("The file has no rows.", field="file")
    columns, has_header = _columns(records[0][1])
    body = records[1:] if has_header else records
    if len(body) > MAX_ROWS:
        raise FlowError(f"The file has {len(body):,} rows; the limit is {MAX_ROWS:,} rows per import.", field="file")
    if not body:
        raise FlowError("The file has a header but no rows.", field="file")

    def cell(cells: list[str], key: str) -> str:
        index = columns.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    return [Row(line, cell(c, "email").lower(), cell(c, "role").lower(), cell(c, "name")[:150]) for line, c in body]


def judge(rows: list[Row], membership: Membership) -> list[Row]:
    """Give each row its verdict against the team as it is now (two queries in total)."""
    organization = membership.organization
    members = {
        e.lower() for e in Membership.objects.filter(organization=organization).values_list("user__email", flat=True)
    }
    invited = {
        e.lower()
        for e in Invitation.objects.pending().filter(organization=organization).values_list("email", flat=True)
    }
    grantable = {role.value for role in roles.assignable_roles(membership.role)}
    known = {role.value for role in roles.ROLES_BY_POWER}
    seen: set[str] = set()
    for row in rows:
        row.verdict = _verdict(row, members, invited, grantable, known, seen)
    return rows


def _verdict(row: Row, members: set, invited: set, grantable: set, known: set, seen: set) -> str:
    try:
        validate_email(row.email)
    except ValidationError:
        return "invalid_email"
    if row.email in seen:
        return "duplicate"
    seen.add(row.email)
    if row.role not in known:
        return "unknown_role"
    if row.email in members:
        return "member"
    if row.email in invited:
        return "invited"
    if row.role not in grantable:
        return "role_above"
    return "ok"


def summary(rows: list[Row]) -> dict[str, int]:
    counts = dict.fromkeys(VERDICTS, 0)
    for row in rows:
        counts[row.verdict] += 1
    return counts


def preview_import(membership: Membership, data: bytes, *, filename: str = "") -> tuple[BulkImport, list[Row]]:
    """Parse and judge a CSV (a dry run: nobody is invited) and keep it for apply."""
    require(membership, "members.manage")
    rows = judge(parse_csv(data), membership)
    batch = BulkImport.objects.create(
        organization=membership.organization,
        created_by=membership.user,
        filename=filename[:200],
        rows=[[r.line, r.email, r.role, r.name] for r in rows],
    )
    return batch, rows


def stored_rows(batch: BulkImport, membership: Membership) -> list[Row]:
    return judge([Row(*values) for values in batch.rows], membership)


@transaction.atomic
def apply_import(membership: Membership, batch: BulkImport, *, request=None) -> dict[str, int]:
    """Invite every row that is still fine; the emails are sent by a background task."""
    require(membership, "members.manage")
    lock_organization(membership.organization)
    batch = BulkImport.objects.select_for_update().get(pk=batch.pk, organization=membership.organization)
    if batch.applied_at:
        raise Conflict("This import was already applied.")
    rows = stored_rows(batch, membership)
    ready = [row for row in rows if row.verdict == "ok"]
    limits.spend(limits.BULK_INVITES, membership.organization, len(ready))
    invitations = Invitation.objects.bulk_create(
        [new_invitation(membership, email=r.email, role=Role(r.role), name=r.name) for r in ready], batch_size=500
    )
    for invitation in invitations:  # one audit event per invitation, like one-by-one invites
        record_invitation(membership, invitation, source="bulk", request=request)
    ids = [invitation.pk for invitation in invitations]
    batch.applied_at = timezone.now()
    batch.save(update_fields=["applied_at"])
    counts = summary(rows)
    record(
        "member.bulk_import",
        organization=membership.organization,
        request=request,
        actor=membership.user,
        target=batch,
        data={"filename": batch.filename, "rows": len(rows), "invited": len(ids), "verdicts": counts},
    )
    transaction.on_commit(lambda: _enqueue_emails(ids))
    return counts


def _enqueue_emails(ids: list[int]) -> None:
    from billingone.orgs.tasks import send_invitation_emails

    for start in range(0, len(ids), EMAIL_BATCH):
        send_invitation_emails.enqueue(ids[start : start + EMAIL_BATCH])
