from django.urls import path

from billingone.accounts import public_views, views

# Mounted under /<slug>/settings/.
settings_urlpatterns = [
    path("profile/", views.profile, name="settings_profile"),
    path("profile/avatar/", views.avatar_upload, name="settings_avatar_upload"),
    path("profile/avatar/remove/", views.avatar_remove, name="settings_avatar_remove"),
    path("security/", views.security, name="settings_security"),
    path("sessions/", views.sessions, name="settings_sessions"),
    path("sessions/<int:session_id>/revoke/", views.session_revoke, name="settings_session_revoke"),
    path("sessions/revoke-others/", views.session_revoke_others, name="settings_sessions_revoke_others"),
]

# Mounted at the root, before allauth's URLs (so these paths win over allauth's pages).
urlpatterns = [
    path(".well-known/apple-app-site-association", public_views.apple_app_site_association, name="aasa"),
    path("accounts/login/", public_views.login, name="account_login"),
    path("accounts/security/enrol/", public_views.mfa_enrol, name="account_mfa_enrol"),
    # allauth's own index pages → our Settings sections.
    path("accounts/2fa/", public_views.to_section, {"section": "security"}),
    path("accounts/2fa/webauthn/", public_views.to_section, {"section": "security"}),
    path("accounts/sessions/", public_views.to_section, {"section": "sessions"}),
]
