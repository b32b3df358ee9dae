from django.contrib import admin

from billingone.orgs.models import Invitation, Membership, Organization, SlugRedirect


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "require_mfa", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    search_fields = ["email", "organization__slug"]
    # The token hash is only useful to the accept page; keep it out of the admin.
    exclude = ["token_hash"]
    readonly_fields = ["organization", "email", "invited_by", "accepted_by", "sent_at", "accepted_at"]


@admin.register(SlugRedirect)
class SlugRedirectAdmin(admin.ModelAdmin):
    list_display = ["old_slug", "organization", "created_at", "expires_at"]
    search_fields = ["old_slug", "organization__slug"]
