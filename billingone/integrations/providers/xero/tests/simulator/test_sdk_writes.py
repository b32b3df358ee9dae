"""Xero's official Python SDK creates invoices and credit notes in the simulator, as BillingOne's
draft push does: DRAFT status, item codes and tax types validated in Xero's error shape, once per
Idempotency-Key, and the new invoice is read back by the next If-Modified-Since list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from xero_python.accounting import AccountingApi, Contact, CreditNote, CreditNotes, Invoice, Invoices, LineItem
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token
from xero_python.exceptions import AccountingBadRequestException, HTTPStatusException

from billingone.integrations.providers.xero.simulator.consent import obtain_tokens

from .conftest import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI

WRITE_SCOPE = "offline_access accounting.contacts.read accounting.invoices"


def sdk(xero_sim, scope: str) -> AccountingApi:
    tokens = obtain_tokens(
        xero_sim.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI, scope=scope
    )
    token = {key: value for key, value in tokens.items() if key != "connections"}
    token["scope"] = token["scope"].split()
    token["expires_at"] = datetime.now(tz=UTC).timestamp() + token["expires_in"]
    configuration = Configuration()
    configuration.oauth2_token = OAuth2Token(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    client = ApiClient(configuration, pool_threads=1)
    client.oauth2_token_getter(lambda: token)
    client.oauth2_token_saver(lambda new: token.update(new))
    return AccountingApi(client, base_url=xero_sim.url + "/api.xro/2.0")


@pytest.fixture
def contact(xero_sim) -> Contact:
    return Contact(contact_id=xero_sim.tenant().data.customers[0].contact_id)


def draft(contact: Contact, **line) -> Invoices:
    item = {"description": "Microsoft 365 Business Standard · Nov 2026", "quantity": 3.0, "unit_amount": 18.7}
    lines = [LineItem(**{**item, "item_code": "M365-BS", "tax_type": "OUTPUT", **line})]
    return Invoices(invoices=[Invoice(type="ACCREC", contact=contact, status="DRAFT", line_items=lines)])


def test_a_draft_invoice_is_created_once_per_key_and_read_back(xero_sim, contact):
    api, tenant = sdk(xero_sim, WRITE_SCOPE), xero_sim.tenant_ids[0]
    data = xero_sim.tenant().data
    before, since = data.total, datetime.now(tz=UTC) - timedelta(seconds=5)

    first = api.create_invoices(tenant, draft(contact), idempotency_key="draft-1").invoices[0]
    again = api.create_invoices(tenant, draft(contact), idempotency_key="draft-1").invoices[0]

    assert first.invoice_id == again.invoice_id and data.total == before + 1
    assert (first.status, first.type, first.sub_total, first.total_tax) == (
        "DRAFT",
        "ACCREC",
        Decimal("56.1"),
        Decimal("5.61"),
    )
    assert first.line_items[0].item_code == "M365-BS"
    changed = api.get_invoices(tenant, if_modified_since=since).invoices
    assert [invoice.invoice_id for invoice in changed] == [first.invoice_id]
    api.create_invoices(tenant, draft(contact), idempotency_key="draft-2")
    assert data.total == before + 2  # another key, another invoice


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"item_code": "NOPE"}, "Item code 'NOPE' is not valid."),
        ({"tax_type": "GST-WRONG"}, "The TaxType code 'GST-WRONG' does not exist"),
        ({"account_code": "999"}, "Account code '999' is not a valid code"),
    ],
)
def test_a_bad_line_is_refused_in_xeros_validation_shape(xero_sim, contact, line, message):
    api, tenant = sdk(xero_sim, WRITE_SCOPE), xero_sim.tenant_ids[0]
    before = xero_sim.tenant().data.total
    with pytest.raises(AccountingBadRequestException) as refused:
        api.create_invoices(tenant, draft(contact, **line), idempotency_key="bad")
    assert refused.value.status == 400 and message in refused.value.reason
    element = refused.value.error_data["Elements"][0]  # the document as sent, each line with its errors
    assert message in element["LineItems"][0]["ValidationErrors"][0]["Message"]
    assert xero_sim.tenant().data.total == before


def test_a_draft_credit_note_and_a_read_only_grant_cannot_write(xero_sim, contact):
    api, tenant = sdk(xero_sim, WRITE_SCOPE), xero_sim.tenant_ids[0]
    lines = [LineItem(description="2 seats too many", quantity=2.0, unit_amount=18.7, item_code="M365-BS")]
    notes = CreditNotes(
        credit_notes=[CreditNote(type="ACCRECCREDIT", contact=contact, status="DRAFT", line_items=lines)]
    )
    created = api.create_credit_notes(tenant, notes, idempotency_key="cn-1").credit_notes[0]
    assert (created.status, created.total) == ("DRAFT", Decimal("41.14"))
    assert xero_sim.find_credit_note(str(created.credit_note_id))[1]["LineItems"][0]["Quantity"] == 2.0

    reader = sdk(xero_sim, "offline_access accounting.invoices.read")
    with pytest.raises(HTTPStatusException) as refused:
        reader.create_invoices(tenant, draft(contact), idempotency_key="read-only")
    assert refused.value.status == 403
