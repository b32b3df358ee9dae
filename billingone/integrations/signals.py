"""Signals the integration engine sends, so other apps (notifications) react without the
engine importing them.

sync_run_failed: sent once a sync run has finally failed (after its retries, or at once on a
permanent error), with keyword arguments `run` (the SyncRun), `organization`, `provider`
(the provider key, e.g. "pax8"), `permanent` (bool) and `message` (a safe, secret-free text).
"""

from django.dispatch import Signal

sync_run_failed = Signal()
