"""The simulator's HTML: Intuit's consent screen with the company choice, and an invoice page
(where "Open in QuickBooks" leads)."""

from __future__ import annotations

from html import escape

STYLE = """
body{font-family:system-ui,sans-serif;background:#f4f5f8;color:#393a3d;margin:0}
header{background:#2ca01c;color:#fff;padding:14px 28px;font-weight:700;font-size:20px}
main{max-width:520px;margin:40px auto;background:#fff;border-radius:10px;padding:28px 32px;
box-shadow:0 2px 10px rgba(0,0,0,.08)}h1{font-size:20px;margin:0 0 8px}.muted{color:#6b6c72;font-size:14px}
label.company{display:flex;gap:10px;align-items:center;padding:10px 12px;border:1px solid #d4d7dc;
border-radius:8px;margin:8px 0;cursor:pointer}.actions{display:flex;gap:12px;margin-top:22px}
button{font-size:15px;padding:10px 18px;border-radius:6px;border:1px solid #2ca01c;cursor:pointer}
button.allow{background:#2ca01c;color:#fff}button.cancel{background:#fff;color:#2ca01c}
.error{color:#b42318;font-weight:600}header .muted{color:#e3f5df;font-weight:400}
table{width:100%;border-collapse:collapse;font-size:14px}
td,th{padding:6px;border-bottom:1px solid #eee;text-align:left}
@media (max-width:560px){main{margin:16px;padding:20px}}
"""
SCOPE_LABELS = {
    "com.intuit.quickbooks.accounting": "Read and write your QuickBooks company's accounting data",
    "com.intuit.quickbooks.payment": "Process payments",
    "openid": "Your Intuit identity",
    "email": "Your email address",
    "profile": "Your name",
}


def page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} | Intuit (simulator)</title><style>{STYLE}</style></head>"
        f"<body><header>intuit quickbooks <span class=muted>simulator</span></header><main>{body}</main></body></html>"
    )


def consent(app_name: str, params: dict[str, str], companies: list[tuple[str, str]], error: str = "") -> str:
    scopes = "".join(f"<li>{escape(SCOPE_LABELS.get(s, s))}</li>" for s in params.get("scope", "").split())
    hidden = "".join(f'<input type=hidden name="{escape(k)}" value="{escape(v)}">' for k, v in params.items())
    choices = "".join(
        f'<label class=company><input type=radio name=realm value="{escape(realm)}"{" checked" if n == 0 else ""}> '
        f"{escape(name)}</label>"
        for n, (realm, name) in enumerate(companies)
    )
    warning = f"<p class=error>{escape(error)}</p>" if error else ""
    body = (
        f"<h1>Connect {escape(app_name)} to QuickBooks</h1><p class=muted>Signed in as demo.user@intuit.test</p>"
        f"<p>This app will be able to:</p><ul>{scopes}</ul><p><strong>Choose a company</strong></p>{warning}"
        f'<form method=post action="/connect/oauth2/consent">{hidden}{choices}'
        "<div class=actions><button class=allow name=decision value=allow>Connect</button>"
        "<button class=cancel name=decision value=deny>Cancel</button></div></form>"
    )
    return page("Connect", body)


def error_page(message: str) -> str:
    return page("Error", f"<h1>Something went wrong</h1><p class=error>{escape(message)}</p>")


def invoice_page(invoice: dict, company_name: str, title: str = "Invoice") -> str:
    rows = "".join(
        f"<tr><td>{escape(str(line.get('Description', '')))}</td>"
        f"<td>{line['SalesItemLineDetail'].get('Qty', 0):g}</td><td>{line['Amount']:.2f}</td></tr>"
        for line in invoice["Line"]
        if line.get("DetailType") == "SalesItemLineDetail"
    )
    body = (
        f"<h1>{escape(title)} {escape(invoice['DocNumber'])}</h1>"
        f"<p class=muted>{'Not sent' if invoice.get('EmailStatus') == 'NotSet' else 'Sent'}</p>"
        f"<p class=muted>{escape(company_name)} · {escape(invoice['CustomerRef'].get('name', ''))}</p>"
        f"<table><tr><th>Description</th><th>Qty</th><th>Amount</th></tr>{rows}</table>"
        f"<p><strong>Total {invoice['CurrencyRef']['value']} {invoice['TotalAmt']:.2f}</strong> · "
        f"balance {invoice['Balance']:.2f}</p>"
    )
    return page(f"{title} {invoice['DocNumber']}", body)
