"""The one store: any provider's records upserted in a bounded number of statements, idempotent,
lines replaced only for changed parents, references resolved, sweeps and removals flag rows."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from billingone.billing import store
from billingone.billing.models import Customer, Invoice, InvoiceLine, Subscription
from billingone.integrations.records import (
    CustomerRecord,
    InvoiceLineRecord,
    InvoiceRecord,
    Kind,
    SubscriptionRecord,
)


def customers(n: int) -> list[CustomerRecord]:
    return [CustomerRecord(f"c{i}", f"Client {i} Pty Ltd", website=f"https://www.client{i}.example") for i in range(n)]


def invoices(n: int, quantity: str = "3") -> list[InvoiceRecord]:
    line = InvoiceLineRecord(
        description="Seats", quantity=Decimal(quantity), unit_price=Decimal("10"), amount=Decimal(30)
    )
    return [
        InvoiceRecord(f"i{i}", f"c{i % 5}", number=f"INV-{i}", total=Decimal(33), lines=(line, line)) for i in range(n)
    ]


def statements(callback) -> int:
    with CaptureQueriesContext(connection) as captured:
        callback()
    return len(captured)


def test_a_batch_costs_the_same_few_statements_at_any_size(personas):
    org = personas.org_a
    small = statements(lambda: store.upsert(org, "acme", 1, Kind.CUSTOMER, customers(5)))
    large = statements(lambda: store.upsert(org, "other", 1, Kind.CUSTOMER, customers(500)))
    rerun = statements(lambda: store.upsert(org, "other", 2, Kind.CUSTOMER, customers(500)))
    # (On PostgreSQL a large batch goes through COPY: one statement more than a small one's.)
    assert small <= large <= small + 1 <= 6 and rerun <= 6
    assert statements(lambda: store.upsert(org, "acme", 1, Kind.INVOICE, invoices(400))) <= 8


def test_rows_are_normalised_and_keyed_by_source(personas):
    org = personas.org_a
    store.upsert(org, "acme", 1, Kind.CUSTOMER, customers(2))
    store.upsert(org, "other", 1, Kind.CUSTOMER, customers(2))
    row = Customer.objects.get(organization=org, source="acme", external_id="c1")
    assert (row.normalized_name, row.domains) == ("client 1", "client1.example")
    assert Customer.objects.filter(organization=org).count() == 4


def test_rerun_is_idempotent_and_only_changed_rows_rewrite_their_lines(personas):
    org = personas.org_a
    store.upsert(org, "acme", 1, Kind.CUSTOMER, customers(5))
    first = store.upsert(org, "acme", 1, Kind.INVOICE, invoices(10))
    assert (first.counts.created, InvoiceLine.objects.filter(organization=org).count()) == (10, 20)
    line_ids = set(InvoiceLine.objects.values_list("pk", flat=True))
    again = store.upsert(org, "acme", 2, Kind.INVOICE, invoices(10))
    assert (again.counts.unchanged, again.counts.updated) == (10, 0)
    assert set(InvoiceLine.objects.values_list("pk", flat=True)) == line_ids
    changed = invoices(10)
    changed[3] = invoices(10, quantity="4")[3]
    result = store.upsert(org, "acme", 3, Kind.INVOICE, changed)
    assert (result.counts.updated, result.counts.unchanged) == (1, 9)
    assert InvoiceLine.objects.filter(invoice__external_id="i3", quantity=4).count() == 2
    assert Invoice.objects.get(external_id="i3").customer.external_id == "c3"


def test_sweep_and_remove_flag_rows_never_delete_them(personas):
    org = personas.org_a
    store.upsert(org, "acme", 1, Kind.CUSTOMER, customers(5))
    store.upsert(org, "acme", 2, Kind.CUSTOMER, customers(3))
    assert store.sweep(org, "acme", Kind.CUSTOMER, {"c0", "c1", "c2"}) == 2
    assert Customer.objects.filter(organization=org, removed_at__isnull=False).count() == 2
    assert store.remove(org, "acme", Kind.CUSTOMER, ["c0"]) == 1
    assert Customer.objects.filter(organization=org).count() == 5
    revived = store.upsert(org, "acme", 3, Kind.CUSTOMER, customers(5))
    assert revived.counts.updated == 3 and not Customer.objects.filter(removed_at__isnull=False).exists()


def test_a_subscription_links_its_customer_even_when_it_arrives_first(personas):
    org = personas.org_a
    record = SubscriptionRecord("s1", customer_id="c9", product_name="M365", quantity=Decimal(4))
    store.upsert(org, "acme", 1, Kind.SUBSCRIPTION, [record])
    assert Subscription.objects.get(external_id="s1").customer is None
    store.upsert(org, "acme", 2, Kind.CUSTOMER, customers(10))
    store.upsert(org, "acme", 2, Kind.SUBSCRIPTION, [record])
    assert Subscription.objects.get(external_id="s1").customer.external_id == "c9"


def test_another_organization_is_untouched(personas):
    store.upsert(personas.org_a, "acme", 1, Kind.CUSTOMER, customers(3))
    store.upsert(personas.org_b, "acme", 1, Kind.CUSTOMER, customers(1))
    assert store.sweep(personas.org_b, "acme", Kind.CUSTOMER, {"c0"}) == 0
    assert store.purge(personas.org_b, "acme") == 1
    assert Customer.objects.filter(organization=personas.org_a).count() == 3


def test_batches_in_one_transaction_merge_once_each(personas):
    """PostgreSQL stages each batch in a temporary table; a second batch in the same transaction
    must not see the first one's rows again (they would update a row twice and fail)."""
    org = personas.org_a
    with transaction.atomic():
        store.upsert(org, "acme", 1, Kind.CUSTOMER, customers(60))  # large enough for COPY
        store.upsert(org, "acme", 2, Kind.CUSTOMER, [*customers(59), CustomerRecord("c59", "Renamed Pty Ltd")])
        store.upsert(org, "acme", 2, Kind.INVOICE, invoices(60))
        store.upsert(org, "acme", 3, Kind.INVOICE, invoices(60, quantity="5"))
    assert Customer.objects.filter(organization=org, source="acme").count() == 60
    assert Customer.objects.get(organization=org, source="acme", external_id="c59").name == "Renamed Pty Ltd"
    assert set(InvoiceLine.objects.filter(organization=org).values_list("quantity", flat=True)) == {Decimal(5)}
    assert InvoiceLine.objects.filter(organization=org).count() == 120
