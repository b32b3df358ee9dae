"""Invoice drafts into QuickBooks Online (PROVIDERS.md §3.5): QuickBooks has no draft state, so a
draft becomes an unsent invoice (EmailStatus NotSet; a credit note draft, an unsent CreditMemo) for
the client's customer, its lines naming the synced items (ItemRef) and tax codes (TaxCodeRef),
created once per `requestid` so a retry (ours or the HTTP layer's, after a timeout) never creates a
second one.

A line whose item code is not one of the company's synced items is refused before anything is
sent (the error lands on that line); QuickBooks' own validation Fault lands on the draft.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings

from billingone.integrations.base import NeedsReauthorization, PushDocument, PushLine, PushResult, UnexpectedAnswer
from billingone.integrations.providers.quickbooks import auth
from billingone.integrations.providers.quickbooks.client import MINOR_VERSION, fault_message
from billingone.lib.http import ProviderClient

# A credit note is a CreditMemo in QuickBooks; both are created once per requestid.
RESOURCES = {"invoice": ("invoice", "Invoice", "invoice"), "credit_note": ("creditmemo", "CreditMemo", "creditmemo")}


def line_payload(line: PushLine) -> dict:
    detail: dict = {
        "ItemRef": {"value": line.item_external_id, "name": line.item_code},
        "Qty": float(line.quantity),
        "UnitPrice": float(line.unit_price),
    }
    if line.tax_code:
        detail["TaxCodeRef"] = {"value": line.tax_code}
    if line.period_start:
        detail["ServiceDate"] = line.period_start.isoformat()
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": float(line.amount),
        "Description": line.description,
        "SalesItemLineDetail": detail,
    }


def payload(document: PushDocument) -> dict:
    body: dict = {
        "CustomerRef": {"value": document.customer_external_id, "name": document.customer_name},
        "EmailStatus": "NotSet",  # unsent: nobody is emailed until someone sends it in QuickBooks
        "Line": [line_payload(line) for line in document.lines],
    }
    for key, value in (
        ("TxnDate", document.issue_date and document.issue_date.isoformat()),
        ("DueDate", document.due_date and document.due_date.isoformat()),
        ("PrivateNote", document.reference),
    ):
        if value:
            body[key] = value
    return body


def missing_item(line: PushLine) -> str:
    if not line.item_code:
        return "Choose a QuickBooks item for this line."
    return f"QuickBooks has no item with code '{line.item_code}'; sync QuickBooks or choose one of its items."


def missing_items(document: PushDocument) -> dict[int, str]:
    return {line.position: missing_item(line) for line in document.lines if not line.item_external_id}


def document_url(kind: str, realm_id: str, txn_id: str) -> str:
    page = RESOURCES[kind][2]
    return f"{settings.QUICKBOOKS_APP_URL.rstrip('/')}/app/{page}?{urlencode({'txnId': txn_id, 'realm': realm_id})}"


def push(provider, document: PushDocument) -> PushResult:
    path, entity, _ = RESOURCES[document.kind]
    line_errors = missing_items(document)
    if line_errors:
        return PushResult(line_errors=line_errors)
    api = provider.api
    if not api.realm_id:
        raise NeedsReauthorization("No QuickBooks company is chosen for this connection; reconnect QuickBooks.")
    params = {"minorversion": MINOR_VERSION, "requestid": document.idempotency_key}
    with ProviderClient(
        provider="QuickBooks",
        account_key=api.realm_id,
        rate_limit=provider.rate_limit,  # the same per-company budget the syncs spend
        allowed_urls=auth.allowed_urls(),
        secrets=api.http.secrets,
        timeout=settings.DRAFT_PUSH_TIMEOUT_SECONDS,
    ) as http:
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {api.token(True)}", "Content-Type": "application/json"}
            response, body = http.request_json(
                "POST", f"{api.base}/{path}", params=params, json=payload(document), headers=headers
            )
            if response.status_code == 401 and attempt == 1:
                api.refresh()
                continue
            if response.status_code == 400:
                return PushResult(error=fault_message(body) or f"QuickBooks rejected the {entity}.")
            created = api.check(response, body).get(entity)
            if not isinstance(created, dict) or not created.get("Id"):
                raise UnexpectedAnswer(f"QuickBooks' answer to the new {entity} has no Id.")
            return PushResult(
                external_id=str(created["Id"]),
                number=str(created.get("DocNumber") or ""),
                url=document_url(document.kind, api.realm_id, str(created["Id"])),
                source_status="Unsent",
            )
    raise AssertionError("unreachable")
