from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.jalali import jalali_datetime
from config.admin_site import InsurerScopedAdmin
from pharmacy.models import Dispense, DispenseLine, PackCodeReuse, PaperDispense


class LineInline(admin.TabularInline):
    model = DispenseLine
    extra = 0
    can_delete = False
    fields = ["item", "quantity", "uid", "unit_price", "total", "insurer_share",
              "supplementary_share", "patient_share"]
    readonly_fields = fields


@admin.register(Dispense)
class DispenseAdmin(InsurerScopedAdmin):
    insurer_path = "scheme__insurer"
    patient_paths = ("prescription__patient",)
    list_display = ["prescription", "hid", "facility", "when", "total", "insurer_share",
                    "patient_share", "status_after", "paper"]
    list_filter = ["paper", "facility", "status_after"]
    search_fields = ["prescription__tracking_code"]
    list_select_related = ["prescription", "facility"]
    inlines = [LineInline]
    readonly_fields = ["prescription", "facility", "membership", "hid", "idempotency_key",
                       "scheme", "patient_share_percent", "total", "insurer_share",
                       "supplementary_share", "patient_share", "status_after", "rule_results",
                       "rules_tracking_id", "warnings_acknowledged", "payment_method",
                       "payment_terminal", "payment_reference", "paper", "started_at",
                       "ended_at"]

    @admin.display(description=_("زمان"), ordering="ended_at")
    def when(self, obj):
        return jalali_datetime(obj.ended_at)


@admin.register(PackCodeReuse)
class PackCodeReuseAdmin(InsurerScopedAdmin):
    """Reviewers see refused second uses of pack codes on their insurer's prescriptions."""

    insurer_path = "prescription__scheme__insurer"
    patient_paths = ("prescription__patient",)
    list_display = ["uid", "facility", "prescription", "when", "first_use"]
    search_fields = ["uid", "prescription__tracking_code"]
    list_select_related = ["facility", "prescription", "first_use"]
    readonly_fields = ["uid", "facility", "membership", "prescription", "first_use", "at"]

    @admin.display(description=_("زمان"), ordering="at")
    def when(self, obj):
        return jalali_datetime(obj.at)


@admin.register(PaperDispense)
class PaperDispenseAdmin(InsurerScopedAdmin):
    """Services given from the paper copy during an outage, as counters synced them: the
    conflicts (served elsewhere too, a reused pack code, changed since printing, a forged
    copy) are what reviewers look into; a copy that names no known prescription is left to
    the site's administrators."""

    insurer_path = "prescription__scheme__insurer"
    patient_paths = ("prescription__patient",)
    list_display = ["tracking_code", "status", "code", "reason", "facility", "served",
                    "dispense"]
    list_filter = ["status", "code", "facility"]
    search_fields = ["tracking_code", "key"]
    list_select_related = ["facility", "dispense"]
    readonly_fields = ["key", "facility", "membership", "tracking_code", "prescription",
                       "status", "code", "reason", "served_at", "received_at", "site_key",
                       "lines", "payment", "dispense", "payload"]

    @admin.display(description=_("زمان تحویل"), ordering="served_at")
    def served(self, obj):
        return jalali_datetime(obj.served_at)
