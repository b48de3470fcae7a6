from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from registry import models


@admin.register(models.User)
class NastavnikUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Отчество и пол (для склонения ФИО в приказах)", {"fields": ("patronymic", "gender")}),)


@admin.register(models.RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "region", "municipality", "organisation", "is_active")
    list_filter = ("role", "is_active")
    autocomplete_fields = ("user",)


admin.site.register(models.Region)
admin.site.register(models.Municipality)


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("short_name", "kind", "municipality", "is_active")
    list_filter = ("kind", "municipality")
    search_fields = ("short_name", "full_name")


admin.site.register(models.AcademicYear)
admin.site.register(models.Topic)


@admin.register(models.ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ("purpose", "signer", "version", "is_current", "introduced_on")
