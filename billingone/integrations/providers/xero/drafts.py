"""Invoice drafts into Xero (PROVIDERS.md, PUT /Invoices and /CreditNotes): a DRAFT invoice or
credit note for the client's contact, with item codes, account codes and tax types, keyed by the
`Idempotency-Key` header so a retry (ours or the HTTP layer's, after a timeout) creates one.

Xero answers a rejected document with HTTP 400, a ValidationException whose Elements carry the
document's ValidationErrors and each line's: they come back on the draft and its lines.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings

from billingone.integrations.base import PushDocument, PushLine, PushResult, UnexpectedAnswer
from billingone.integrations.providers.xero import auth as xero_auth
from billingone.integrations.providers.xero import mapping
from billingone.lib.http import ProviderClient

API_PATH = "/api.xro/2.0"
RESOURCES = {
    "invoice": ("Invoices", "ACCREC", "InvoiceID", "InvoiceNumber"),
    "credit_note": ("CreditNotes", "ACCRECCREDIT", "CreditNoteID", "CreditNoteNumber"),
}


def number(value: Decimal) -> float:
    return float(value)


def line_payload(line: PushLine) -> dict:
    payload = {
        "Description": line.description,
        "Quantity": number(line.quantity),
        "UnitAmount": number(line.unit_price),
        "LineAmount": number(line.amount),
    }
    for key, value in (("ItemCode", line.item_code), ("AccountCode", line.account_code), ("TaxType", line.tax_code)):
        if value:
            payload[key] = value
    return payload


def payload(document: PushDocument) -> dict:
    resource, kind, _, _ = RESOURCES[document.kind]
    body = {
        "Type": kind,
        "Contact": {"ContactID": document.customer_external_id},
        "Status": "DRAFT",
        "LineAmountTypes": "Exclusive",
        "LineItems": [line_payload(line) for line in document.lines],
    }
    for key, value in (
        ("Date", document.issue_date and document.issue_date.isoformat()),
        ("DueDate", document.due_date and document.due_date.isoformat()),
        ("Reference", document.reference),
        ("CurrencyCode", document.currency),
    ):
        if value:
            body[key] = value
    return {resource: [body]}


def document_url(kind: str, external_id: str) -> str:
    if kind == "invoice":
        return mapping.invoice_url(external_id)
    query = urlencode({"creditNoteID": external_id})
    return f"{settings.XERO_WEB_URL.rstrip('/')}/AccountsReceivable/ViewCreditNote.aspx?{query}"


def messages(errors: object) -> list[str]:
    if not isinstance(errors, list):
        return []
    return [str(e.get("Message") or "")[:300] for e in errors if isinstance(e, dict) and e.get("Message")]


def rejected(document: PushDocument, body: object) -> PushResult:
    """A ValidationException: the document's errors and, by position, its lines'."""
    elements = body.get("Elements") if isinstance(body, dict) else None
    element = elements[0] if isinstance(elements, list) and elements and isinstance(elements[0], dict) else {}
    line_errors: dict[int, str] = {}
    for line, answered in zip(document.lines, element.get("LineItems") or [], strict=False):
        found = messages(answered.get("ValidationErrors") if isinstance(answered, dict) else None)
        if found:
            line_errors[line.position] = " ".join(found)
    claimed = set(line_errors.values())
    general = [m for m in messages(element.get("ValidationErrors")) if not any(m in text for text in claimed)]
    message = body.get("Message") if isinstance(body, dict) else ""
    error = " ".join(general) or ("" if line_errors else str(message or "Xero rejected the document."))
    return PushResult(error=error[:1000], line_errors=line_errors)


def created(document: PushDocument, body: object) -> PushResult:
    resource, _, id_key, number_key = RESOURCES[document.kind]
    try:
        record = body[resource][0]
        external_id = str(record[id_key])
    except (KeyError, IndexError, TypeError):
        raise UnexpectedAnswer(f"Xero's answer to the new {resource} has no {id_key}.") from None
    return PushResult(
        external_id=external_id,
        number=str(record.get(number_key) or ""),
        url=document_url(document.kind, external_id),
        source_status=str(record.get("Status") or ""),
    )


def push(provider, document: PushDocument) -> PushResult:
    """PUT the document with its Idempotency-Key; one token refresh on a 401."""
    resource = RESOURCES[document.kind][0]
    url = settings.XERO_API_URL.rstrip("/") + f"{API_PATH}/{resource}"
    with ProviderClient(
        provider="Xero",
        account_key=provider.tenant_id or "no-tenant",
        rate_limit=provider.rate_limit,  # the same per-organisation budget the syncs spend
        allowed_urls=xero_auth.allowed_urls(),
        secrets=provider.http.secrets,
        timeout=settings.DRAFT_PUSH_TIMEOUT_SECONDS,
        rate_headers=provider.read_rate_headers,
    ) as http:
        for attempt in (1, 2):
            headers = {
                "Authorization": f"Bearer {provider.access_token()}",
                "xero-tenant-id": provider.tenant_id,
                "Idempotency-Key": document.idempotency_key,
            }
            response, body = http.request_json("PUT", url, json=payload(document), headers=headers)
            if response.status_code == 401 and attempt == 1:
                provider.refresh()
                continue
            if response.status_code == 400:
                return rejected(document, body)
            provider.check(response, body)
            return created(document, body)
    raise AssertionError("unreachable")
