from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.jalali import jalali_date
from claims.models import ClaimLine, Coverage, Insurer, Scheme
from config.admin_site import InsurerScopedAdmin


@admin.register(Insurer)
class InsurerAdmin(InsurerScopedAdmin):
    insurer_path = "pk"
    list_display = ["code", "name", "facility"]
    search_fields = ["code", "name"]


@admin.register(Scheme)
class SchemeAdmin(InsurerScopedAdmin):
    list_display = ["code", "name", "insurer", "patient_share_percent", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["insurer"]


@admin.register(Coverage)
class CoverageAdmin(InsurerScopedAdmin):
    insurer_path = "scheme__insurer"
    patient_paths = ("patient",)
    list_display = ["patient", "scheme", "insurance_number", "start", "end"]
    search_fields = ["patient__national_code", "insurance_number"]
    list_select_related = ["patient", "scheme"]
    raw_id_fields = ["patient"]

    @admin.display(description=_("از تاریخ"), ordering="valid_from")
    def start(self, obj):
        return jalali_date(obj.valid_from)

    @admin.display(description=_("تا تاریخ"), ordering="valid_to")
    def end(self, obj):
        return jalali_date(obj.valid_to) or "—"


@admin.register(ClaimLine)
class ClaimLineAdmin(InsurerScopedAdmin):
    insurer_path = "scheme__insurer"
    patient_paths = ("prescription__patient", "visit__patient")
    list_display = ["service_day", "facility", "scheme", "code", "quantity", "total",
                    "insurer_share", "patient_share", "status"]
    list_filter = ["status"]
    search_fields = ["code", "prescription__tracking_code", "visit__hid", "hid"]
    list_select_related = ["facility", "scheme", "prescription"]
    readonly_fields = ["facility", "scheme", "visit", "prescription", "item", "source", "code",
                       "quantity", "unit_price", "total", "insurer_share", "patient_share",
                       "service_date", "hid", "created_at"]

    @admin.display(description=_("تاریخ خدمت"), ordering="service_date")
    def service_day(self, obj):
        return jalali_date(obj.service_date)
