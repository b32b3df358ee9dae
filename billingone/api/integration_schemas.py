"""Typed shapes of the integrations endpoints (API.md "Integrations"), so the OpenAPI document
describes every field the app reads."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


class ProgressOut(Schema):
    done: int
    total: int
    percent: int


class RunErrorOut(Schema):
    code: str
    message: str
    permanent: bool


class RunWarningsOut(Schema):
    count: int  # items the provider listed but could not read this run (not fatal)
    message: str  # the first few, for people


class CountsOut(Schema):
    created: int
    updated: int
    unchanged: int
    removed: int


class RunOut(Schema):
    id: str
    provider: str
    provider_name: str
    mode: str
    trigger: str
    actor: str | None
    status: str
    attempt: int
    progress: ProgressOut
    counts: CountsOut
    error: RunErrorOut | None
    warnings: RunWarningsOut | None = None
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    next_attempt_at: datetime | None


class LastSyncOut(Schema):
    at: datetime
    outcome: str
    counts: CountsOut
    error: RunErrorOut | None


class IntegrationOut(Schema):
    provider: str
    name: str
    auth: str
    syncs: str
    status: str
    needs_attention: bool
    status_reason: str | None
    missing_scopes: list[str]
    modes: list[str]
    last_sync: LastSyncOut | None
    running: RunOut | None
    actions: list[str]
    connect_url: str


class IntegrationPage(Schema):
    items: list[IntegrationOut]
    count: int
    next: str | None


class RunPage(Schema):
    items: list[RunOut]
    count: int
    next: str | None


class SyncStartedOut(Schema):
    run: RunOut


class SyncAllOut(Schema):
    runs: list[RunOut]
    already_running: list[RunOut]
