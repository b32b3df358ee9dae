"""Render docs/security/audit-events.md from the registry (python -m billingone.audit.docs)."""

from __future__ import annotations

from billingone.audit.events import AUDIT_EVENTS

HEADER = """# Audit events

Every change is recorded through `billingone.audit.log.record()` as an append-only `AuditEvent`:
when (UTC), organization, actor (a user, or `system` for background work), IP and user agent, the
action, its target, and a before/after of the changed fields. Secrets never appear in it.
Rows cannot be updated or deleted: the model refuses, and database triggers refuse as well.

Who can read it: members whose role has `audit.read` (Owner, Admin, Finance), in their organization only.

This list is the registry in `billingone/audit/events.py`; a test keeps the two identical.

| action | meaning |
|---|---|
"""


def render() -> str:
    return HEADER + "".join(f"| `{action}` | {meaning} |\n" for action, meaning in AUDIT_EVENTS.items())


if __name__ == "__main__":
    import django

    django.setup()
    print(render(), end="")
