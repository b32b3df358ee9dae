"""Bulk seeders for bench/pages.py: each `seed_<kind>(world, n)` tops its kind of row up to n.

Rows go in with bulk_create (a few statements per thousand rows), so seeding 10,000 rows costs
seconds, not the minutes that flows (audit, notifications) would take one row at a time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

BATCH = 2_000
USER_AGENTS = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "BillingOne/2.3.1 (iPhone; iOS 17.5)",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
]
IPS = ["203.0.113.7", "198.51.100.23", "81.2.69.142", "1.128.0.1"]
AUDIT_ACTIONS = ["member.invite", "member.role_change", "org.update", "integration.connect", "session.revoke"]


@dataclass
class World:
    """What every seeder and URL builder needs: the personas and how many rows each kind has."""

    personas: object
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def org(self):
        return self.personas.org_a

    @property
    def user(self):
        return self.personas.alice

    def missing(self, kind: str, n: int) -> range:
        """The index range still to create for `kind` to reach n rows; records the new total."""
        have = self.counts.get(kind, 0)
        self.counts[kind] = max(have, n)
        return range(have, n)


def _bulk(model, rows) -> None:
    model.objects.bulk_create(rows, batch_size=BATCH)


def seed_notifications(world: World, n: int) -> None:
    from billingone.notifications.models import Notification

    now = timezone.now()
    _bulk(
        Notification,
        [
            Notification(
                user=world.user,
                organization=None if i % 10 == 0 else world.org,
                event="sync.failed",
                title=f"Sync {i} failed",
                body="Pax8 answered 503.",
                url="/org-a/settings/integrations/",
                created_at=now - timedelta(minutes=i),
                read_at=None if i % 2 else now,
            )
            for i in world.missing("notifications", n)
        ],
    )


def seed_sessions(world: World, n: int) -> None:
    """Live sessions of the user: a Django session row each (so allauth finds them alive)."""
    from allauth.usersessions.models import UserSession
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    user = world.user
    data = SessionStore().encode(
        {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": user.get_session_auth_hash(),
        }
    )
    indexes = world.missing("sessions", n)
    keys = [secrets.token_hex(16) for _ in indexes]
    now, expires = timezone.now(), timezone.now() + timedelta(hours=12)
    _bulk(Session, [Session(session_key=key, session_data=data, expire_date=expires) for key in keys])
    _bulk(
        UserSession,
        [
            UserSession(
                user=user,
                session_key=key,
                ip=IPS[i % len(IPS)],
                user_agent=USER_AGENTS[i % len(USER_AGENTS)],
                created_at=now - timedelta(hours=1),
                last_seen_at=now - timedelta(seconds=i),
            )
            for i, key in zip(indexes, keys, strict=True)
        ],
    )


def seed_members(world: World, n: int) -> None:
    from billingone.accounts.models import User
    from billingone.orgs.models import Membership

    indexes = world.missing("members", n)
    users = [User(email=f"member{i:05d}@bench.test", name=f"Member {i:05d}", password="!") for i in indexes]
    _bulk(User, users)
    users = User.objects.filter(email__in=[u.email for u in users])
    roles = ["viewer", "engineer", "finance", "admin"]
    _bulk(
        Membership,
        [Membership(user=u, organization=world.org, role=roles[u.pk % len(roles)]) for u in users],
    )


def seed_invitations(world: World, n: int) -> None:
    from billingone.orgs.models import Invitation

    expires = timezone.now() + timedelta(days=7)
    _bulk(
        Invitation,
        [
            Invitation(
                organization=world.org,
                email=f"invitee{i:05d}@bench.test",
                role="viewer",
                token_hash=secrets.token_hex(32),
                invited_by=world.user,
                sent_at=timezone.now(),
                expires_at=expires,
            )
            for i in world.missing("invitations", n)
        ],
    )


def seed_audit(world: World, n: int) -> None:
    from billingone.audit.models import AuditEvent

    people = list(world.personas.members.values())
    now = timezone.now()
    _bulk(
        AuditEvent,
        [
            AuditEvent(
                organization=world.org,
                created_at=now - timedelta(seconds=i),
                actor=people[i % len(people)],
                actor_label=people[i % len(people)].email,
                action=AUDIT_ACTIONS[i % len(AUDIT_ACTIONS)],
                target_type="orgs.membership",
                target_id=str(i),
                target_label=f"member{i}@bench.test",
                ip=IPS[i % len(IPS)],
            )
            for i in world.missing("audit", n)
        ],
    )


def _connections(world: World) -> dict:
    from billingone.integrations.models import Connection

    return {
        key: Connection.objects.get_or_create(organization=world.org, provider=key, defaults={"status": "connected"})[0]
        for key in ("pax8", "xero")
    }


def seed_sync_runs(world: World, n: int) -> None:
    from billingone.integrations.models import SyncRun

    connections = _connections(world)
    keys = list(connections)
    now = timezone.now()
    runs = []
    for i in world.missing("sync_runs", n):
        key = keys[i % len(keys)]
        started = now - timedelta(minutes=10 * i + 5)
        runs.append(
            SyncRun(
                organization=world.org,
                connection=connections[key],
                provider=key,
                trigger="schedule",
                status="succeeded" if i % 7 else "failed",
                error_message="" if i % 7 else "Pax8 answered 503.",
                queued_at=started,
                started_at=started,
                finished_at=started + timedelta(seconds=40),
                created=i % 13,
                updated=i % 5,
            )
        )
    _bulk(SyncRun, runs)


def seed_login_events(world: World, n: int) -> None:
    from billingone.accounts.models import LoginEvent

    now = timezone.now()
    _bulk(
        LoginEvent,
        [
            LoginEvent(
                user=world.user,
                outcome="success" if i % 5 else "failure",
                method="password",
                ip=IPS[i % len(IPS)],
                location="Australia",
                device="Chrome on macOS",
                created_at=now - timedelta(minutes=i),
            )
            for i in world.missing("login_events", n)
        ],
    )


def seed_billing(world: World, n: int) -> None:
    """n customers (each a client, linked), n subscriptions and n invoices with two lines each,
    written through the neutral store as a provider's sync would."""
    from decimal import Decimal

    from billingone.billing import matching, store
    from billingone.integrations.base import Side
    from billingone.integrations.records import (
        CustomerRecord,
        InvoiceLineRecord,
        InvoiceRecord,
        Kind,
        SubscriptionRecord,
    )

    todo = world.missing("billing", n)
    line = InvoiceLineRecord(description="Seats", quantity=Decimal(3), unit_price=Decimal(10), amount=Decimal(30))
    for start in range(todo.start, todo.stop, BATCH):
        ids = range(start, min(start + BATCH, todo.stop))
        customers = [CustomerRecord(f"c{i}", f"Client {i}", email=f"ap@client{i}.example") for i in ids]
        subscriptions = [SubscriptionRecord(f"s{i}", f"c{i}", product_name="Seats", quantity=Decimal(3)) for i in ids]
        invoices = [InvoiceRecord(f"i{i}", f"c{i}", number=f"INV-{i}", lines=(line, line)) for i in ids]
        store.upsert(world.org, "bench", 1, Kind.CUSTOMER, customers)
        store.upsert(world.org, "bench", 1, Kind.SUBSCRIPTION, subscriptions)
        store.upsert(world.org, "bench", 1, Kind.INVOICE, invoices)
    matching.match_source(world.org, "bench", Side.BILLING)


def seed_dashboard(world: World, n: int) -> None:
    """What the Dashboard reads, n of each: subscriptions with costs and terms, invoices over 14 months
    in two currencies and every status, queue findings, invoice drafts, and audit events (most of
    them not shown on the Dashboard, the worst case for its activity feed)."""
    from datetime import date
    from decimal import Decimal

    from billingone.billing.models import Client, Finding, Invoice, InvoiceDraft, Subscription

    org, today = world.org, timezone.localdate()
    seed_audit(world, n)
    client = Client.objects.get_or_create(organization=org, name="Bench client")[0]
    terms, statuses = ("monthly", "annual", "multi_year", "one_time"), ("paid", "submitted", "draft", "voided")
    drafts = ("approved", "pushed", "failed", "pushed")  # one open "draft" per client at most

    def month(back: int) -> date:
        index = today.year * 12 + today.month - 1 - back
        return date(index // 12, index % 12 + 1, 1 + back % 27)

    todo = world.missing("dashboard", n)
    _bulk(Subscription, [
        Subscription(organization=org, source="pax8", external_id=f"ds{i}", fingerprint="x", quantity=1 + i % 9,
                     unit_cost=Decimal(5 + i % 40), currency=("AUD", "USD")[i % 2], billing_term=terms[i % 4],
                     status=("active", "cancelled")[i % 5 == 0], start_date=month(i % 30),
                     end_date=month(i % 6) if i % 5 == 0 else None)
        for i in todo
    ])  # fmt: skip
    _bulk(Invoice, [
        Invoice(organization=org, source="xero", external_id=f"di{i}", fingerprint="x", number=f"D-{i}",
                issue_date=month(i % 14), due_date=month(i % 14) + timedelta(days=14), status=statuses[i % 4],
                kind=("invoice", "credit_note")[i % 17 == 0], currency=("AUD", "USD")[i % 2],
                subtotal=Decimal(100 + i % 500), total=Decimal(110 + i % 550), amount_due=Decimal(i % 3 * 50))
        for i in todo
    ])  # fmt: skip
    _bulk(Finding, [
        Finding(organization=org, key=f"df{i}", client=client, client_label="Bench client", kind="under_billed",
                monthly_impact=Decimal(i % 90), currency=("AUD", "USD")[i % 2], queued=True, current=True,
                status=("open", "snoozed")[i % 4 == 0])
        for i in todo
    ])  # fmt: skip
    _bulk(InvoiceDraft, [
        InvoiceDraft(organization=org, client=client, target="xero", status=drafts[i % 4],
                     currency=("AUD", "USD")[i % 2], total=Decimal(i % 300), idempotency_key=f"bench-{i}",
                     pushed_at=timezone.now() - timedelta(days=i % 400) if i % 2 else None)
        for i in todo
    ])  # fmt: skip
