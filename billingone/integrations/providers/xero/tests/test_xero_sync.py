"""Xero syncs on the worker against the simulator: delta vs full, the daily budget, token
refresh (concurrent, rotating, revoked), the tenant header and Retry-After."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest

from billingone.billing.models import Customer, Invoice, InvoiceLine
from billingone.integrations import flows
from billingone.integrations.base import NullProgress, ProviderContext
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.providers.xero import auth as xero_auth
from billingone.integrations.providers.xero.provider import Xero
from billingone.integrations.providers.xero.testing import connect_xero
from billingone.integrations.testing import membership_of
from billingone.testing.tasks import run_pending_tasks


def sync(personas, mode: str, organization=None) -> SyncRun:
    organization = organization or personas.org_a
    user = personas.alice if organization == personas.org_a else personas.charlie
    run = flows.request_sync(
        organization, "xero", mode=mode, trigger=SyncRun.Trigger.PERSON, membership=membership_of(user, organization)
    )
    run_pending_tasks()
    run.refresh_from_db()
    return run


def snapshot(organization) -> dict:
    rows = Invoice.objects.filter(source="xero", organization=organization, removed_at__isnull=True)
    lines = InvoiceLine.objects.filter(organization=organization)
    return {
        "invoices": {(r.external_id, r.number, r.source_status, r.total, r.amount_due, r.due_date) for r in rows},
        "lines": {(li.invoice.external_id, li.position, li.item_code, li.quantity, li.amount) for li in lines},
    }


@pytest.fixture
def sales_count(xero_sim):
    data = xero_sim.tenant().data
    return sum(1 for i in range(data.total) if data.invoice(i)["Type"] == "ACCREC")


def test_full_then_delta_sees_a_changed_a_new_and_a_voided_invoice(xero_sim, personas, sales_count):
    connect_xero(personas.alice, personas.org_a, xero_sim)
    full = sync(personas, "full")
    assert full.status == SyncRun.Status.SUCCEEDED, full.error_message
    contacts = Customer.objects.filter(source="xero", organization=personas.org_a).count()
    assert full.created == sales_count + contacts and full.percent == 100
    data = xero_sim.tenant().data
    sales = [
        i
        for i in range(data.total)
        if data.invoice(i)["Type"] == "ACCREC" and data.invoice(i)["Status"] == "AUTHORISED"
    ]
    changed, voided, new = xero_sim.change_invoice(sales[0]), xero_sim.void_invoice(sales[1]), xero_sim.add_invoice()
    xero_sim.requests.clear()

    delta = sync(personas, "delta")
    assert delta.status == SyncRun.Status.SUCCEEDED, delta.error_message
    assert (delta.created, delta.updated, delta.removed) == (1, 2, 0)
    assert all("If-Modified-Since" in call["headers"] for call in xero_sim.requests)
    row = Invoice.objects.get(source="xero", organization=personas.org_a, external_id=changed["InvoiceID"])
    assert row.total == Decimal(str(changed["Total"]))
    assert row.lines.order_by("position").first().quantity == Decimal(str(changed["LineItems"][0]["Quantity"]))
    assert Invoice.objects.get(source="xero", external_id=voided["InvoiceID"]).display_status() == "voided"
    assert Invoice.objects.get(source="xero", external_id=new["InvoiceID"]).lines.count() == len(new["LineItems"])

    # the same data through a full sync into another organization: identical rows
    connect_xero(personas.charlie, personas.org_b, xero_sim)
    assert sync(personas, "full", personas.org_b).status == SyncRun.Status.SUCCEEDED
    assert snapshot(personas.org_a) == snapshot(personas.org_b)
    again = sync(personas, "full")
    assert (again.created, again.updated, again.removed) == (0, 0, 0)


def test_every_call_carries_the_tenant_header_and_pages_of_1000(xero_sim, personas):
    connect_xero(personas.alice, personas.org_a, xero_sim, tenant_index=1)
    assert sync(personas, "full").status == SyncRun.Status.SUCCEEDED
    assert xero_sim.requests
    assert {call["headers"]["xero-tenant-id"] for call in xero_sim.requests} == {xero_sim.tenant_ids[1]}
    assert all("pageSize=1000" in call["path"] for call in xero_sim.requests)
    assert "If-Modified-Since" not in xero_sim.requests[0]["headers"]


def test_retry_after_is_honoured_and_a_garbled_page_retried(xero_sim, personas):
    connect_xero(personas.alice, personas.org_a, xero_sim)
    xero_sim.faults.add("429", path="/Invoices")
    xero_sim.faults.add("malformed", path="/Invoices")
    started = time.monotonic()
    run = sync(personas, "full")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
    assert time.monotonic() - started >= 1.0  # Retry-After: 1 was waited out


@pytest.fixture
def big_sim(settings):
    from billingone.integrations.providers.xero.testing import xero_simulator_fixture

    yield from xero_simulator_fixture(settings, invoices=2600, companies=12, tenants=1)


def test_daily_budget_running_out_stops_cleanly(big_sim, personas):
    connection = connect_xero(personas.alice, personas.org_a, big_sim)
    big_sim.limits.use_day_budget(big_sim.tenant_ids[0], 5000 - 2)  # 2 calls left: contacts + 1 page
    run = sync(personas, "full")
    assert run.status == SyncRun.Status.QUEUED and run.error_code == "daily_limit"  # continues after the reset
    assert "daily API limit" in run.error_message and "00:00 UTC" in run.error_message
    assert run.next_attempt_at is not None
    assert Invoice.objects.filter(source="xero", organization=personas.org_a).count() == 1000  # the page it got is kept
    assert big_sim.limits.stats["429:day"] == 0  # we stopped before Xero had to refuse us
    connection.refresh_from_db()
    assert connection.status != Connection.Status.NEEDS_ATTENTION


def test_a_daily_429_stops_at_once(xero_sim, personas):
    connect_xero(personas.alice, personas.org_a, xero_sim)
    xero_sim.limits.per_day = 0
    provider = Xero(
        ProviderContext(
            organization=personas.org_a,
            credentials=dict(Connection.objects.get(organization=personas.org_a).get_credentials()),
        )
    )
    started = time.monotonic()
    with pytest.raises(Exception) as caught:
        provider.sync("full", NullProgress())
    assert caught.value.code == "daily_limit" and not caught.value.permanent
    assert time.monotonic() - started < 5 and xero_sim.limits.stats["429:day"] == 1


def expire(connection: Connection) -> dict:
    credentials = connection.get_credentials()
    credentials["expires_at"] = str(time.time() - 5)
    connection.set_credentials(credentials)
    connection.save()
    return credentials


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_exchange_once_and_keep_the_new_token(xero_sim, personas):
    connection = connect_xero(personas.alice, personas.org_a, xero_sim)
    stale = expire(connection)
    barrier, tokens, errors = threading.Barrier(2), [], []

    def worker():
        from django.db import connection as db

        try:
            provider = Xero(
                ProviderContext(organization=personas.org_a, credentials=dict(stale), connection=connection)
            )
            barrier.wait()
            tokens.append(provider.access_token())
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert xero_sim.identity.grants[-1].refreshes == 1
    assert tokens[0] == tokens[1] != stale["access_token"]
    stored = Connection.objects.get(pk=connection.pk).get_credentials()
    assert stored["access_token"] == tokens[0] and stored["refresh_token"] == xero_sim.identity.grants[-1].refresh_token
    assert stored["refresh_token"] != stale["refresh_token"]


def test_revoked_grant_marks_the_connection_needs_attention(xero_sim, personas):
    connection = connect_xero(personas.alice, personas.org_a, xero_sim)
    expire(connection)
    xero_sim.identity.grants[-1].revoked = True
    run = sync(personas, "delta")
    assert run.status == SyncRun.Status.FAILED and run.permanent and run.error_code == "needs_reauth"
    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_ATTENTION
    assert "Reconnect Xero" in connection.status_reason


def test_rotated_refresh_token_is_saved_before_use(xero_sim, personas):
    connection = connect_xero(personas.alice, personas.org_a, xero_sim)
    before = expire(connection)
    assert sync(personas, "delta").status == SyncRun.Status.SUCCEEDED
    after = Connection.objects.get(pk=connection.pk).get_credentials()
    assert after["refresh_token"] != before["refresh_token"] and xero_auth.is_fresh(after)
    assert after["refresh_token"] not in Connection.objects.get(pk=connection.pk).credentials_token


def test_server_errors_and_an_expired_token_mid_sync_recover(xero_sim, personas):
    connect_xero(personas.alice, personas.org_a, xero_sim)
    xero_sim.faults.add("5xx", path="/Invoices", status=503)
    xero_sim.faults.add("token_expiry", path="/Invoices", after=0)
    run = sync(personas, "full")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
    assert xero_sim.identity.grants[-1].refreshes == 1  # the 401 was met with one refresh, then a retry


def test_a_change_during_a_full_sync_is_caught_by_the_next_delta(xero_sim, personas):
    connect_xero(personas.alice, personas.org_a, xero_sim)
    xero_sim.faults.add("page_change", path="/Invoices")  # invoice 0 changes while we page
    assert sync(personas, "full").status == SyncRun.Status.SUCCEEDED
    assert sync(personas, "delta").status == SyncRun.Status.SUCCEEDED
    data = xero_sim.tenant().data
    changed = [data.invoice(i) for i in data.overrides]
    assert len(changed) == 1 and changed[0]["Type"] == "ACCREC"
    row = Invoice.objects.get(source="xero", organization=personas.org_a, external_id=changed[0]["InvoiceID"])
    assert row.total == Decimal(str(changed[0]["Total"]))
    assert row.lines.get(position=0).quantity == Decimal(str(changed[0]["LineItems"][0]["Quantity"]))


def test_an_organisation_disconnected_in_xero_needs_attention(xero_sim, personas):
    connection = connect_xero(personas.alice, personas.org_a, xero_sim)
    xero_sim.identity.grants[-1].connections.clear()  # removed from BillingOne inside Xero
    run = sync(personas, "delta")
    assert run.status == SyncRun.Status.FAILED and run.permanent and run.error_code == "permission_missing"
    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_ATTENTION and "Reconnect Xero" in connection.status_reason
