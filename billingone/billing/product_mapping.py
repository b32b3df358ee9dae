"""Products ↔ items: which accounting item code (or line-description pattern) bills each vendor product.

Suggestions come from invoice lines that already bill the product: an item code equal to the
product's SKU; or lines whose description contains the product's name, stronger when those lines
belong to clients who hold the product. A suggestion is only a suggestion: reconciliation uses
confirmed mappings, and a product a person cleared is not suggested again.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from billingone.audit.log import diff, record
from billingone.billing.models import InvoiceLine, Product, ProductItemMapping, Subscription
from billingone.orgs import roles
from billingone.orgs.errors import FlowError, NotAllowed

CAPABILITY = "billing.reconcile"
LOOKBACK = timedelta(days=400)
MAX_SIGNATURES = 5000
CLEARED = "Cleared by a person"


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).split())


def products(organization, *, q: str = "", state: str = "") -> QuerySet[Product]:
    """Vendor products with their mapping and how many live subscriptions hold them."""
    rows = Product.objects.filter(organization=organization, removed_at__isnull=True).select_related("mapping")
    if q.strip():
        rows = rows.filter(Q(name__icontains=q.strip()) | Q(sku__icontains=q.strip()))
    if state == "confirmed":
        rows = rows.filter(mapping__confirmed=True)
    elif state == "suggested":
        rows = rows.filter(mapping__confirmed=False).exclude(mapping__item_code="", mapping__description_pattern="")
    elif state == "unmapped":
        rows = rows.filter(Q(mapping__isnull=True) | Q(mapping__confirmed=False))
    live = Subscription.objects.filter(product=OuterRef("pk"), removed_at__isnull=True).order_by()
    rows = rows.annotate(
        subscriptions=Coalesce(Subquery(live.values("product").annotate(n=Count("id")).values("n")), 0)
    )
    return rows.order_by("name", "pk")


def _line_signatures(organization) -> list[tuple[str, str, int, set[int]]]:
    """(item code, normalised description, lines, clients) of recent invoice lines."""
    since = timezone.localdate() - LOOKBACK
    rows = (
        InvoiceLine.objects.filter(organization=organization, invoice__issue_date__gte=since)
        .values_list("item_code", "description", "invoice__customer__client_id")
        .annotate(n=Count("id"))
        .order_by("-n")[:MAX_SIGNATURES]
    )
    grouped: dict[tuple[str, str], list] = {}
    for code, description, client_id, n in rows:
        entry = grouped.setdefault((code.strip(), normalise(description)), [0, set()])
        entry[0] += n
        if client_id:
            entry[1].add(client_id)
    return [(code, text, n, clients) for (code, text), (n, clients) in grouped.items()]


def _holders(organization) -> dict[int, set[int]]:
    rows = Subscription.objects.filter(
        organization=organization, removed_at__isnull=True, customer__client__isnull=False
    )
    holders = defaultdict(set)
    for product_id, client_id in rows.values_list("product_id", "customer__client_id").distinct().order_by():
        holders[product_id].add(client_id)
    return holders


def suggest(product: Product, signatures, holders: set[int]) -> tuple[str, str, int, str] | None:
    """(item code, pattern, confidence, reason) for one product, or None."""
    sku = (product.sku or "").strip().lower()
    for code, _text, n, _clients in signatures:
        if sku and code.lower() == sku:
            return code, "", 95, f"Item code {code} equals the product's SKU ({n} recent lines)"
    name = normalise(product.name)
    if len(name) < 4:
        return None
    hits = [(code, n, clients) for code, text, n, clients in signatures if name in text]
    if not hits:
        return None
    codes = Counter()
    shared = set()
    for code, n, clients in hits:
        codes[code] += n
        shared |= clients & holders
    lines = sum(codes.values())
    code, _ = codes.most_common(1)[0]
    confidence = 90 if shared else 60
    who = f" for {len(shared)} client{'s' if len(shared) != 1 else ''} who hold it" if shared else ""
    reason = f"“{product.name}” appears on {lines} recent invoice line{'s' if lines != 1 else ''}{who}"
    if len([c for c in codes if c]) > 1:
        # Billed under several item codes (e.g. one per accounting system): one code would miss
        # the others' lines, the name as a pattern matches them all.
        return "", name, confidence, f"{reason}, under {len(codes)} item codes"
    return (code, "", confidence, reason) if code else ("", name, confidence - 10, reason)


def refresh_suggestions(organization) -> int:
    """Store a suggestion for each product that has neither a confirmed mapping nor a person's no."""
    signatures = _line_signatures(organization)
    holders = _holders(organization)
    decided = ProductItemMapping.objects.filter(organization=organization).filter(
        Q(confirmed=True) | Q(decided_by__isnull=False) | Q(reason=CLEARED)
    )
    open_products = Product.objects.filter(organization=organization, removed_at__isnull=True).exclude(
        pk__in=decided.values("product_id")
    )
    count = 0
    for product in open_products:
        found = suggest(product, signatures, holders.get(product.pk, set()))
        if found is None:
            continue
        code, pattern, confidence, reason = found
        ProductItemMapping.objects.update_or_create(
            product=product,
            defaults={"organization": organization, "item_code": code, "description_pattern": pattern}
            | {"confirmed": False, "confidence": confidence, "reason": reason[:200]},
        )
        count += 1
    return count


def _state(mapping: ProductItemMapping | None) -> dict:
    if mapping is None:
        return {"item_code": "", "description_pattern": "", "confirmed": False}
    return {
        "item_code": mapping.item_code,
        "description_pattern": mapping.description_pattern,
        "confirmed": mapping.confirmed,
    }


def _require(role: str) -> None:
    if not roles.has_capability(role, CAPABILITY):
        raise NotAllowed("Only Owners, Admins and Finance members can map products.")


def set_mapping(product: Product, *, item_code: str, pattern: str, actor, role: str, request=None, action="change"):
    """Map `product` to an item code or a description pattern (confirmed: a person decided)."""
    _require(role)
    item_code, pattern = item_code.strip(), " ".join(pattern.split()).lower()
    if action == "change" and bool(item_code) == bool(pattern):
        raise FlowError("Give either an item code or a description pattern.", field="item_code")
    if len(item_code) > 100 or len(pattern) > 200 or (pattern and len(pattern) < 3):
        raise FlowError("Item codes are at most 100 characters; patterns 3 to 200.", field="item_code")
    mapping = ProductItemMapping.objects.filter(product=product).first()
    before = _state(mapping)
    with transaction.atomic():
        mapping = mapping or ProductItemMapping(organization=product.organization, product=product)
        mapping.item_code, mapping.description_pattern = item_code, pattern
        mapping.confirmed = action != "clear"
        mapping.reason = CLEARED if action == "clear" else mapping.reason
        mapping.decided_by, mapping.decided_at = actor, timezone.now()
        mapping.save()
        record(
            f"product_mapping.{action}",
            organization=product.organization,
            request=request,
            actor=actor,
            target=product,
            changes=diff(before, _state(mapping)),
        )
    return mapping


def confirm_suggestion(product: Product, *, actor, role: str, request=None) -> ProductItemMapping:
    mapping = ProductItemMapping.objects.filter(product=product, confirmed=False).first()
    if mapping is None or not (mapping.item_code or mapping.description_pattern):
        raise FlowError("There is no suggestion to confirm for this product.")
    code, pattern = mapping.item_code, mapping.description_pattern
    return set_mapping(
        product, item_code=code, pattern=pattern, actor=actor, role=role, request=request, action="confirm"
    )


def clear_mapping(product: Product, *, actor, role: str, request=None) -> ProductItemMapping:
    return set_mapping(product, item_code="", pattern="", actor=actor, role=role, request=request, action="clear")


def mapping_payload(product: Product) -> dict:
    mapping = getattr(product, "mapping", None)
    return {
        "id": str(product.pk),
        "source": product.source,
        "name": product.name,
        "sku": product.sku,
        "vendor": product.vendor,
        "subscriptions": getattr(product, "subscriptions", None),
        "mapping": None
        if mapping is None or not (mapping.item_code or mapping.description_pattern)
        else {
            "item_code": mapping.item_code or None,
            "description_pattern": mapping.description_pattern or None,
            "state": "confirmed" if mapping.confirmed else "suggested",
            "confidence": mapping.confidence,
            "reason": mapping.reason,
        },
    }
