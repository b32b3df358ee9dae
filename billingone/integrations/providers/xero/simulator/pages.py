"""The simulator's HTML: Xero's consent screen and an invoice viewer (the "View in Xero" link)."""

from __future__ import annotations

from html import escape

STYLE = """
body{font-family:system-ui,sans-serif;background:#f4f6f8;color:#1f2a37;margin:0}
header{background:#13b5ea;color:#fff;padding:14px 28px;font-weight:700;font-size:20px}
main{max-width:760px;margin:40px auto;background:#fff;border-radius:10px;padding:28px 32px;
box-shadow:0 2px 10px rgba(0,0,0,.08)}
h1{font-size:20px;margin:0 0 8px}.muted{color:#6b7785;font-size:14px}
ul{padding-left:20px}li{margin:4px 0}label.org{display:flex;gap:10px;align-items:center;padding:10px 12px;
border:1px solid #d7dde3;border-radius:8px;margin:8px 0;cursor:pointer}
.actions{display:flex;gap:12px;margin-top:22px}button{font-size:15px;padding:10px 18px;border-radius:6px;
border:1px solid #13b5ea;cursor:pointer}button.allow{background:#13b5ea;color:#fff}
button.cancel{background:#fff;color:#13b5ea}.error{color:#b42318;font-weight:600}
.badge{font-size:12px;background:#fef3c7;color:#92400e;border-radius:4px;padding:2px 6px;vertical-align:middle}
table{width:100%;border-collapse:collapse;font-size:14px}td,th{padding:6px;border-bottom:1px solid #eee;text-align:left}
"""

SCOPE_LABELS = {
    "openid": "Your Xero user identity",
    "profile": "Your name",
    "email": "Your email address",
    "offline_access": "Stay connected (refresh access without asking again)",
    "accounting.contacts": "View and manage your contacts",
    "accounting.contacts.read": "View your contacts",
    "accounting.invoices": "View and manage your invoices",
    "accounting.invoices.read": "View your invoices",
    "accounting.transactions": "View and manage your business transactions",
    "accounting.transactions.read": "View your business transactions",
    "accounting.settings.read": "View your organisation settings",
    "accounting.settings": "View and manage your organisation settings",
}


def page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)} | Xero (simulator)</title>"
        f"<style>{STYLE}</style></head><body><header>xero <span class=muted>simulator</span></header>"
        f"<main>{body}</main></body></html>"
    )


def consent(app_name: str, params: dict[str, str], tenants: list[tuple[str, str]], error: str = "") -> str:
    scopes = "".join(f"<li>{escape(SCOPE_LABELS.get(s, s))}</li>" for s in params.get("scope", "").split())
    hidden = "".join(
        f'<input type=hidden name="{escape(key)}" value="{escape(value)}">' for key, value in params.items()
    )
    orgs = "".join(
        f'<label class=org><input type=checkbox name=tenant value="{escape(tid)}" checked> {escape(name)}</label>'
        for tid, name in tenants
    )
    warning = f"<p class=error>{escape(error)}</p>" if error else ""
    body = (
        f"<h1>{escape(app_name)} wants to connect to Xero</h1>"
        "<p class=muted>Signed in as demo.user@xero.test</p>"
        f"<p>This app will be able to:</p><ul>{scopes}</ul>"
        f"<p><strong>Choose the organisations to connect</strong></p>{warning}"
        f'<form method=post action="/identity/connect/authorize/consent">{hidden}{orgs}'
        "<div class=actions><button class=allow name=decision value=allow>Allow access</button>"
        "<button class=cancel name=decision value=deny>Cancel</button></div></form>"
    )
    return page("Connect", body)


def error_page(message: str) -> str:
    return page("Error", f"<h1>Something went wrong</h1><p class=error>{escape(message)}</p>")


def document_page(title: str, document: dict, tenant_name: str, number: str) -> str:
    lines = "".join(
        f"<tr><td>{escape(str(line.get('ItemCode') or ''))}</td><td>{escape(str(line.get('Description', '')))}</td>"
        f"<td>{float(line.get('Quantity') or 0):g}</td><td>{float(line.get('UnitAmount') or 0):.2f}</td>"
        f"<td>{escape(str(line.get('TaxType') or ''))}</td><td>{float(line.get('LineAmount') or 0):.2f}</td></tr>"
        for line in document.get("LineItems", [])
    )
    status = escape(document["Status"])
    reference = escape(str(document.get("Reference") or ""))
    body = (
        f"<h1>{escape(title)} {escape(number)} <span class=badge data-status={status}>{status}</span></h1>"
        f"<p class=muted>{escape(tenant_name)} · {escape(document['Contact']['Name'])}"
        f"{' · ' + reference if reference else ''} · {escape(str(document.get('DateString', ''))[:10])}</p>"
        "<table><tr><th>Item</th><th>Description</th><th>Qty</th><th>Unit</th><th>Tax</th><th>Amount</th></tr>"
        f"{lines}</table>"
        f"<p><strong>Total {escape(document['CurrencyCode'])} {document['Total']:.2f}</strong></p>"
    )
    return page(number, body)


def invoice_page(invoice: dict, tenant_name: str) -> str:
    return document_page("Invoice", invoice, tenant_name, invoice["InvoiceNumber"])


def credit_note_page(note: dict, tenant_name: str) -> str:
    return document_page("Credit note", note, tenant_name, note["CreditNoteNumber"])
