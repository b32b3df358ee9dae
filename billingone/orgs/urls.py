from django.urls import path

from billingone.orgs import import_views, invitation_views, settings_views, team_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("orgs/new/", views.new_organization, name="org_new"),
    path("invitations/<str:token>/", invitation_views.accept, name="invitation_accept"),
]

# Mounted under /<slug>/. The organization's home (name "org_home") is the Dashboard, in billing/urls.py.
org_urlpatterns = [
    path("settings/", views.settings_index, name="settings_index"),
]

# Mounted under /<slug>/settings/. Reading is GET on the section; every change is its own
# POST URL gated by the capability it needs.
settings_urlpatterns = [
    path("organization/", settings_views.organization, name="settings_organization"),
    path("organization/save/", settings_views.organization_save, name="settings_organization_save"),
    path("branding/", settings_views.branding, name="settings_branding"),
    path("branding/save/", settings_views.branding_save, name="settings_branding_save"),
    path("branding/reset/", settings_views.branding_reset, name="settings_branding_reset"),
    path("team/", team_views.team, name="settings_team"),
    path("team/invite/", team_views.team_invite, name="team_invite"),
    path("team/members/<int:member_id>/role/", team_views.member_role, name="team_member_role"),
    path("team/members/<int:member_id>/remove/", team_views.member_remove, name="team_member_remove"),
    path("team/invitations/<int:invitation_id>/resend/", team_views.invitation_resend, name="team_invitation_resend"),
    path("team/invitations/<int:invitation_id>/revoke/", team_views.invitation_revoke, name="team_invitation_revoke"),
    path("team/import/", import_views.upload, name="team_import"),
    path("team/import/template.csv", import_views.template_csv, name="team_import_template"),
    path("team/import/<int:batch_id>/", import_views.preview, name="team_import_preview"),
    path("team/import/<int:batch_id>/apply/", import_views.apply, name="team_import_apply"),
    path("team/import/<int:batch_id>/results.csv", import_views.results_csv, name="team_import_results"),
]
