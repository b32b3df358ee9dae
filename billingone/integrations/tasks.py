"""The integration engine's background tasks, defined beside their work; crontask discovers
cron schedules in each app's `tasks` module, so they are named here."""

from billingone.integrations.runner import enqueue_run, run_sync
from billingone.integrations.schedule import schedule_syncs

__all__ = ["enqueue_run", "run_sync", "schedule_syncs"]
