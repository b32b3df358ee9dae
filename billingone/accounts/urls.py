from django.urls import path

from billingone.accounts import views

# Mounted under /<slug>/settings/.
settings_urlpatterns = [
    path("profile/", views.profile, name="settings_profile"),
]
