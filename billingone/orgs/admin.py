from django.contrib import admin

from billingone.orgs.models import Membership, Organization


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "require_mfa", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]
