from django.urls import path

from billingone.notifications import views

# Mounted under /<slug>/settings/.
settings_urlpatterns = [
    path("notifications/", views.settings_notifications, name="settings_notifications"),
    path("notifications/policy/", views.settings_notifications_policy, name="settings_notifications_policy"),
    path("notifications/devices/<int:device_id>/remove/", views.remove_device, name="notifications_remove_device"),
]

# Mounted under /<slug>/.
org_urlpatterns = [
    path("notifications/", views.feed, name="notifications_feed"),
    path("notifications/badge/", views.badge, name="notifications_badge"),
    path("notifications/read-all/", views.mark_all_read, name="notifications_mark_all_read"),
    path("notifications/<int:item_id>/open/", views.open_item, name="notifications_open"),
    path("notifications/<int:item_id>/read/", views.mark_read, name="notifications_mark_read"),
]
