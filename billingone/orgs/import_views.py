"""Bulk team import (web only): upload → dry-run preview → apply; template and results CSV."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from billingone.lib.csvsafe import csv_text
from billingone.orgs import limits
from billingone.orgs.bulk import (
    MAX_BYTES,
    TEMPLATE_CSV,
    VERDICTS,
    apply_import,
    preview_import,
    stored_rows,
    summary,
)
from billingone.orgs.errors import FlowError
from billingone.orgs.forms import ImportForm
from billingone.orgs.models import BulkImport
from billingone.orgs.tenancy import org_view

PREVIEW_MAX_AGE = timedelta(hours=24)
SHOWN_ROWS = 500  # the page lists this many; the results CSV has them all


def _csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _batch(request, batch_id: int) -> BulkImport:
    return get_object_or_404(
        BulkImport,
        pk=batch_id,
        organization=request.organization,
        created_at__gte=timezone.now() - PREVIEW_MAX_AGE,
    )


@org_view("members.manage", methods=("GET", "POST"))
def upload(request, slug: str):
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > MAX_BYTES:
                    raise FlowError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.", field="file")
                batch, _ = preview_import(request.membership, upload.read(), filename=upload.name)
            except FlowError as error:
                form.add_error("file", error.message)
            else:
                return redirect("team_import_preview", slug=slug, batch_id=batch.pk)
    context = {"form": form, "section": "team", "budget": limits.BULK_INVITES}
    return render(request, "orgs/import_upload.html", context, status=status)


@org_view("members.manage")
def template_csv(request, slug: str):
    return _csv_response(TEMPLATE_CSV, "billingone-team-import.csv")


@org_view("members.manage")
def preview(request, slug: str, batch_id: int):
    batch = _batch(request, batch_id)
    rows = stored_rows(batch, request.membership)
    problems = [r for r in rows if r.verdict != "ok"]
    ready = [r for r in rows if r.verdict == "ok"]
    context = {
        "section": "team",
        "batch": batch,
        "counts": [(key, VERDICTS[key], n) for key, n in summary(rows).items() if n],
        "total": len(rows),
        "ready_count": len(ready),
        "shown": (problems + ready)[:SHOWN_ROWS],
        "hidden": max(0, len(rows) - SHOWN_ROWS),
    }
    return render(request, "orgs/import_preview.html", context)


@org_view("members.manage", methods=("POST",))
def apply(request, slug: str, batch_id: int):
    batch = _batch(request, batch_id)
    try:
        counts = apply_import(request.membership, batch, request=request)
    except FlowError as error:
        messages.error(request, error.message)
        return redirect("team_import_preview", slug=slug, batch_id=batch.pk)
    messages.success(request, f"{counts['ok']} invitations are on their way.")
    return redirect("settings_team", slug=slug)


@org_view("members.manage")
def results_csv(request, slug: str, batch_id: int):
    batch = _batch(request, batch_id)
    rows = stored_rows(batch, request.membership)
    text = csv_text(
        ["line", "email", "role", "name", "verdict"], ([r.line, r.email, r.role, r.name, r.message] for r in rows)
    )
    return _csv_response(text, f"import-{batch.pk}-results.csv")
