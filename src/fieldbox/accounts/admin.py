from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from fieldbox.accounts.models import ApiToken, Invitation, Membership, Organisation, Partnership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "language", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    list_filter = ["is_active", "is_staff", "language"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("first_name", "last_name", "language")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "installer_code", "language", "time_zone", "is_active"]
    list_filter = ["kind", "is_active", "language"]
    search_fields = ["name", "installer_code", "email"]


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["provider", "installer", "invited_email", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["provider__name", "installer__name", "invited_email"]
    # State changes go through the product's screens, which audit them.
    readonly_fields = ["status", "token_hash", "responded_at", "ended_at"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "status", "expires_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "organisation__name"]
    readonly_fields = ["status", "token_hash", "accepted_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "organisation", "prefix", "expires_at", "revoked_at"]
    search_fields = ["name", "user__email"]
    readonly_fields = ["token_hash", "prefix"]
