from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.jalali import jalali_date
from claims.models import Claim, ClaimLine, Coverage, Insurer, Scheme
from config.admin_site import InsurerScopedAdmin


@admin.register(Insurer)
class InsurerAdmin(InsurerScopedAdmin):
    insurer_path = "pk"
    list_display = ["code", "name", "facility"]
    search_fields = ["code", "name"]


@admin.register(Scheme)
class SchemeAdmin(InsurerScopedAdmin):
    list_display = ["number", "code", "name", "insurer", "kind", "patient_share_percent",
                    "supplementary_percent", "is_active"]
    list_filter = ["is_active", "kind"]
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


class ClaimLineInline(admin.TabularInline):
    model = ClaimLine
    extra = 0
    can_delete = False
    fields = ["code", "quantity", "unit_price", "total", "insurer_share", "supplementary_share",
              "patient_share", "amount", "uid"]
    readonly_fields = fields


@admin.register(Claim)
class ClaimAdmin(InsurerScopedAdmin):
    insurer_path = "scheme__insurer"
    patient_paths = ("patient",)
    list_display = ["service_day", "facility", "scheme", "tracking_code", "patient", "amount",
                    "status", "reason"]
    list_filter = ["status", "scheme"]
    search_fields = ["tracking_code", "hid", "patient__national_code"]
    list_select_related = ["facility", "scheme", "patient"]
    inlines = [ClaimLineInline]
    readonly_fields = [f.name for f in Claim._meta.fields]

    @admin.display(description=_("تاریخ خدمت"), ordering="service_date")
    def service_day(self, obj):
        return jalali_date(obj.service_date)


from claims import admin_desk  # noqa: E402,F401 - the reviewers' desk registers itself
