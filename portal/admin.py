"""Partner entities and members in the admin (issue "Partner entities" makes this complete)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from portal.models import Member, Membership, OabRegistration, PartnerEntity, User

admin.site.register(User, UserAdmin)


class MembershipInline(admin.TabularInline[Membership, PartnerEntity]):
    model = Membership
    extra = 0
    autocomplete_fields = ("member",)


class OabRegistrationInline(admin.TabularInline[OabRegistration, Member]):
    model = OabRegistration
    extra = 0


@admin.register(PartnerEntity)
class PartnerEntityAdmin(admin.ModelAdmin[PartnerEntity]):
    list_display = ("code", "name", "kind", "uf", "status", "act_number", "act_signed_on")
    list_filter = ("kind", "uf", "status")
    search_fields = ("code", "name", "act_number")
    inlines = (MembershipInline,)


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin[Member]):
    list_display = ("name", "masked_cpf", "email", "active", "first_a3_login_at", "last_certificate_login_at")
    list_filter = ("active",)
    search_fields = ("name", "=cpf", "oab_registrations__number")
    inlines = (OabRegistrationInline,)
    readonly_fields = ("user", "first_a3_login_at", "last_certificate_login_at", "last_password_login_at")
