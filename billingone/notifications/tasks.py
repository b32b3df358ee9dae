"""The notifications app's background tasks, defined beside their work; crontask discovers
cron schedules in each app's `tasks` module, so the scheduled ones are named here."""

from billingone.notifications.delivery import deliver_notification
from billingone.notifications.sweep import requeue_stuck_deliveries

__all__ = ["deliver_notification", "requeue_stuck_deliveries"]
