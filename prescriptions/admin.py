from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.jalali import jalali_date, jalali_datetime
from config.admin_site import AuditedAdmin, PersianAdmin
from prescriptions.models import (
    CatalogItem,
    ClinicalLimit,
    ConsentGrant,
    InsuranceRule,
    InteractionRule,
    Prescription,
    PrescriptionItem,
    PrescriptionVersion,
    Visit,
)


@admin.register(CatalogItem)
class CatalogItemAdmin(PersianAdmin):
    list_display = ["code", "name_fa", "name_en", "kind", "unit_price", "pack_size",
                    "ttac_tracked", "active"]
    list_filter = ["kind", "active", "ttac_tracked"]
    search_fields = ["code", "name_fa", "name_en", "synonyms"]
    list_per_page = 50


@admin.register(InsuranceRule)
class InsuranceRuleAdmin(PersianAdmin):
    list_display = ["item", "scheme", "covered", "patient_share_percent", "max_quantity",
                    "allowed_specialties", "active"]
    list_filter = ["active", "covered", "scheme"]
    search_fields = ["item__code", "item__name_fa"]
    autocomplete_fields = ["item"]
    list_select_related = ["item", "scheme"]


@admin.register(InteractionRule)
class InteractionRuleAdmin(PersianAdmin):
    list_display = ["item_a", "item_b", "level", "message", "active"]
    list_filter = ["level", "active"]
    search_fields = ["item_a__code", "item_b__code", "message"]
    autocomplete_fields = ["item_a", "item_b"]
    list_select_related = ["item_a", "item_b"]


@admin.register(ClinicalLimit)
class ClinicalLimitAdmin(PersianAdmin):
    list_display = ["item", "min_age", "max_age", "sex", "max_quantity", "level", "active"]
    list_filter = ["level", "active"]
    autocomplete_fields = ["item"]
    list_select_related = ["item"]


@admin.register(Visit)
class VisitAdmin(AuditedAdmin):
    patient_paths = ("patient",)
    list_display = ["hid", "patient", "doctor", "facility", "day_fa", "status", "scheme"]
    list_filter = ["status", "facility"]
    search_fields = ["hid", "patient__national_code"]
    list_select_related = ["patient", "doctor__user", "doctor__facility", "facility", "scheme"]
    raw_id_fields = ["patient", "doctor", "admitted_by"]

    @admin.display(description=_("روز"), ordering="day")
    def day_fa(self, obj):
        return jalali_date(obj.day)


class ItemInline(admin.TabularInline):
    model = PrescriptionItem
    extra = 0
    can_delete = False
    fields = ["code", "name", "quantity", "dispensed_quantity", "unit_price", "total",
              "insurer_share", "patient_share", "covered", "rules_tracking_id"]
    readonly_fields = fields


class VersionInline(admin.TabularInline):
    model = PrescriptionVersion
    extra = 0
    can_delete = False
    fields = ["version", "items", "rule_results", "warnings_overridden", "created_by",
              "created_at"]
    readonly_fields = fields


@admin.register(Prescription)
class PrescriptionAdmin(AuditedAdmin):
    patient_paths = ("patient",)
    list_display = ["tracking_code", "kind", "status", "version", "patient", "doctor",
                    "created", "total", "patient_share"]
    list_filter = ["kind", "status"]
    search_fields = ["tracking_code", "hid", "patient__national_code"]
    list_select_related = ["patient", "doctor__user", "doctor__facility"]
    inlines = [ItemInline, VersionInline]
    readonly_fields = [f.name for f in Prescription._meta.fields]

    @admin.display(description=_("زمان ثبت"), ordering="created_at")
    def created(self, obj):
        return jalali_datetime(obj.created_at)

    def has_add_permission(self, request):
        return False


@admin.register(ConsentGrant)
class ConsentGrantAdmin(AuditedAdmin):
    patient_paths = ("patient",)
    list_display = ["doctor", "patient", "created_at", "valid_until"]
    list_select_related = ["doctor__user", "doctor__facility", "patient"]
    readonly_fields = ["doctor", "patient", "created_at", "valid_until"]

    def has_add_permission(self, request):
        return False
