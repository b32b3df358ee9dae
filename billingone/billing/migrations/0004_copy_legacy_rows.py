"""Carry the per-provider tables (Pax8, Xero, client mapping) into the neutral model, nothing lost.

Pax8 companies / products / subscriptions → customers / products / subscriptions (source
"pax8"); Xero contacts / invoices / lines → customers / invoices / lines (source "xero"). Every
live Xero contact that is a customer becomes a client, linked as its origin; a confirmed
mapping links the Pax8 company to that client as confirmed (who and when kept); a suggested one
as suggested. Rows are copied in chunks with bulk inserts.
"""

from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db import migrations, models

CHUNK = 2000
SUB_STATUS = {"active": "active", "trial": "trial", "suspended": "suspended", "cancelled": "cancelled"}
TERMS = {"Monthly": "monthly", "Annual": "annual", "2-Year": "multi_year", "3-Year": "multi_year",
         "One-Time": "one_time", "Trial": "monthly", "Activation": "one_time"}
INVOICE_STATUS = {"DRAFT": "draft", "SUBMITTED": "submitted", "AUTHORISED": "submitted", "PAID": "paid"}


def chunks(queryset):
    last = 0
    while True:
        page = list(queryset.filter(pk__gt=last).order_by("pk")[:CHUNK])
        if not page:
            return
        yield page
        last = page[-1].pk


def normalise(name):
    import re

    legal = {"pty", "ltd", "limited", "inc", "llc", "co", "corp", "corporation", "company", "plc", "the", "pte"}
    words = re.sub(r"[^a-z0-9 ]+", " ", name.lower().replace("&", " and ")).split()
    return " ".join(w for w in words if w not in legal)[:255]


def domain_of_site(url):
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def domain_of_email(email):
    domain = email.rpartition("@")[2].lower().strip()
    return "" if "." not in domain or domain in {"gmail.com", "outlook.com", "hotmail.com", "yahoo.com"} else domain


def copy_pax8(apps, ids):
    Company, Product, Sub = (apps.get_model("billing", n) for n in ("Pax8Company", "Pax8Product", "Pax8Subscription"))
    Customer, NProduct, Subscription = (apps.get_model("billing", n) for n in ("Customer", "Product", "Subscription"))
    for page in chunks(Company.objects.all()):
        made = Customer.objects.bulk_create([Customer(
            organization_id=c.organization_id, source="pax8", external_id=c.pax8_id, source_status=c.status,
            fingerprint="migrated", last_seen_run=c.last_seen_run, removed_at=c.removed_at, name=c.name,
            normalized_name=normalise(c.name), website=c.website, domains=domain_of_site(c.website),
            active=c.status in ("", "Active"), updated_at=c.updated_date) for c in page])
        ids["company"].update({c.pk: m.pk for c, m in zip(page, made)})
    for page in chunks(Product.objects.all()):
        made = NProduct.objects.bulk_create([NProduct(
            organization_id=p.organization_id, source="pax8", external_id=p.pax8_id, fingerprint="migrated",
            last_seen_run=p.last_seen_run, removed_at=p.removed_at, name=p.name, vendor=p.vendor_name, sku=p.sku,
            description=p.short_description, requires_commitment=p.requires_commitment) for p in page])
        ids["product"].update({p.pk: m.pk for p, m in zip(page, made)})
    for page in chunks(Sub.objects.all()):
        Subscription.objects.bulk_create([Subscription(
            organization_id=s.organization_id, source="pax8", external_id=s.pax8_id, source_status=s.pax8_status,
            fingerprint="migrated", last_seen_run=s.last_seen_run, removed_at=s.removed_at,
            customer_id=ids["company"].get(s.company_id), customer_external_id=s.company_pax8_id,
            product_id=ids["product"].get(s.product_id), product_external_id=s.product_pax8_id,
            product_name=s.product_name, name=s.vendor_subscription_id, quantity=s.quantity, unit_price=s.price,
            unit_cost=s.partner_cost, currency=s.currency_code, billing_term=TERMS.get(s.billing_term, "other"),
            source_term=s.billing_term, status=SUB_STATUS.get(s.status, "suspended"),
            start_date=s.start_date or s.billing_start, end_date=s.end_date, updated_at=s.updated_date)
            for s in page])


def copy_xero(apps, ids):
    Contact, XInvoice, XLine = (apps.get_model("billing", n) for n in ("XeroContact", "XeroInvoice", "XeroLineItem"))
    Customer, Invoice, Line = (apps.get_model("billing", n) for n in ("Customer", "Invoice", "InvoiceLine"))
    web = getattr(settings, "XERO_WEB_URL", "https://go.xero.com").rstrip("/")
    for page in chunks(Contact.objects.all()):
        made = Customer.objects.bulk_create([Customer(
            organization_id=c.organization_id, source="xero", external_id=c.xero_id, source_status=c.contact_status,
            fingerprint="migrated", last_seen_run=c.last_seen_run, removed_at=c.removed_at, name=c.name,
            normalized_name=normalise(c.name), email=c.email, domains=domain_of_email(c.email),
            active=c.contact_status in ("", "ACTIVE"), is_client=not (c.is_supplier and not c.is_customer),
            updated_at=c.updated_utc) for c in page])
        ids["contact"].update({c.pk: m.pk for c, m in zip(page, made)})
    for page in chunks(XInvoice.objects.all()):
        made = Invoice.objects.bulk_create([Invoice(
            organization_id=i.organization_id, source="xero", external_id=i.xero_id, source_status=i.xero_status,
            fingerprint="migrated", last_seen_run=i.last_seen_run, removed_at=i.removed_at,
            customer_id=ids["contact"].get(i.contact_id), customer_external_id=i.contact_xero_id,
            customer_name=i.contact_name, number=i.number, reference=i.reference,
            status=INVOICE_STATUS.get(i.xero_status, "voided"), issue_date=i.issue_date, due_date=i.due_date,
            paid_on=i.fully_paid_on, currency=i.currency, subtotal=i.subtotal, tax=i.total_tax, total=i.total,
            amount_due=i.amount_due, amount_paid=i.amount_paid, updated_at=i.updated_utc,
            url=f"{web}/AccountsReceivable/View.aspx?{urlencode({'InvoiceID': i.xero_id})}") for i in page])
        ids["invoice"].update({i.pk: m.pk for i, m in zip(page, made)})
    for page in chunks(XLine.objects.all()):
        Line.objects.bulk_create([Line(
            organization_id=x.organization_id, invoice_id=ids["invoice"][x.invoice_id], position=x.position,
            external_id=x.line_id, item_code=x.item_code, description=x.description, quantity=x.quantity,
            unit_price=x.unit_amount, amount=x.line_amount, tax=x.tax_amount) for x in page])


def make_clients(apps, ids):
    """Each live Xero customer contact is a client; mappings become links to it."""
    Customer, Client, Link, Mapping = (apps.get_model("billing", n) for n in ("Customer", "Client", "ClientLink",
                                                                          "ClientMapping"))
    contacts = Customer.objects.filter(source="xero", removed_at__isnull=True, is_client=True)
    client_of = {}
    for page in chunks(contacts):
        made = Client.objects.bulk_create([Client(organization_id=c.organization_id, name=c.name,
                                                  normalized_name=c.normalized_name) for c in page])
        Link.objects.bulk_create([Link(organization_id=c.organization_id, client_id=m.pk, customer_id=c.pk,
                                       state="confirmed", confidence=100,
                                       reason="The accounting contact this client was created from")
                                  for c, m in zip(page, made)])
        for c, m in zip(page, made):
            client_of[c.pk] = m.pk
            Customer.objects.filter(pk=c.pk).update(client_id=m.pk)
    for mapping in Mapping.objects.exclude(state="unmapped").filter(contact__isnull=False):
        client_id = client_of.get(ids["contact"].get(mapping.contact_id))
        customer_id = ids["company"].get(mapping.company_id)
        if client_id is None or customer_id is None:
            continue
        confirmed = mapping.state == "confirmed"
        Link.objects.create(organization_id=mapping.organization_id, client_id=client_id, customer_id=customer_id,
                            state="confirmed" if confirmed else "suggested", confidence=mapping.confidence,
                            reason=mapping.reason, decided_by_id=mapping.confirmed_by_id if confirmed else None,
                            decided_at=mapping.confirmed_at if confirmed else None)
        if confirmed:
            Customer.objects.filter(pk=customer_id).update(client_id=client_id)


def forwards(apps, schema_editor):
    ids = {"company": {}, "product": {}, "contact": {}, "invoice": {}}
    copy_pax8(apps, ids)
    copy_xero(apps, ids)
    make_clients(apps, ids)


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_neutral_model")]

    operations = [
        migrations.AddField(model_name="customer", name="is_client", field=models.BooleanField(default=True)),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
