from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.jalali import jalali_date, jalali_datetime
from accounts.models import (
    AccessLog,
    BlockedNationalCode,
    Facility,
    Membership,
    Patient,
    Practitioner,
    User,
)
from config.admin_site import AuditedAdmin, PersianAdmin


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["role", "facility", "practitioner", "is_active"]
    autocomplete_fields = ["facility", "practitioner"]


@admin.register(User)
class UserAdmin(PersianAdmin):
    list_display = ["national_code", "first_name", "last_name", "mobile", "is_active", "joined"]
    search_fields = ["national_code", "last_name", "mobile"]
    list_filter = ["is_active", "is_staff"]
    fields = ["national_code", "first_name", "last_name", "mobile", "is_active", "is_staff",
              "is_superuser"]
    inlines = [MembershipInline]

    @admin.display(description=_("تاریخ عضویت"), ordering="date_joined")
    def joined(self, obj):
        return jalali_date(obj.date_joined)

    def save_related(self, request, form, formsets, change):
        before = dict(Membership.objects.filter(user=form.instance)
                      .values_list("pk", "history_permission"))
        super().save_related(request, form, formsets, change)
        for membership in Membership.objects.filter(user=form.instance):
            if membership.pk not in before:
                services.membership_announce(membership)
            if membership.history_permission and not before.get(membership.pk):
                services.history_right_announce(membership)


@admin.register(Facility)
class FacilityAdmin(PersianAdmin):
    list_display = ["name", "kind", "siam_id", "city", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "siam_id"]


@admin.register(Membership)
class MembershipAdmin(PersianAdmin):
    list_display = ["user", "role", "facility", "practitioner", "history_permission",
                    "is_active"]
    list_filter = ["role", "is_active", "history_permission"]
    search_fields = ["user__national_code", "user__last_name", "practitioner__council_number"]
    autocomplete_fields = ["user", "facility", "practitioner"]
    list_select_related = ["user", "facility", "practitioner"]

    def save_model(self, request, obj, form, change):
        granted = obj.history_permission and (not change or "history_permission"
                                               in form.changed_data)
        super().save_model(request, obj, form, change)
        if not change:
            services.membership_announce(obj)
        if granted:
            services.history_right_announce(obj)


@admin.register(Practitioner)
class PractitionerAdmin(PersianAdmin):
    """The council registry as imported (`import_council_registry`); one record per person."""

    list_display = ["council_number", "full_name", "national_code", "specialty",
                    "licence_status", "valid", "updated"]
    list_filter = ["licence_status", "specialty"]
    search_fields = ["council_number", "national_code", "full_name"]
    raw_id_fields = ["user"]

    @admin.display(description=_("اعتبار تا"), ordering="valid_until")
    def valid(self, obj):
        return jalali_date(obj.valid_until) or "—"

    @admin.display(description=_("آخرین به‌روزرسانی"), ordering="updated_at")
    def updated(self, obj):
        return jalali_datetime(obj.updated_at)


@admin.register(Patient)
class PatientAdmin(AuditedAdmin):
    patient_paths = ("pk",)
    list_display = ["national_code", "fida_code", "unique_id", "first_name", "last_name", "sex",
                    "born", "mobile"]
    search_fields = ["national_code", "fida_code", "unique_id", "last_name"]
    list_filter = ["sex", "unidentified"]
    raw_id_fields = ["user", "mother"]

    @admin.display(description=_("تاریخ تولد"), ordering="birth_date")
    def born(self, obj):
        return jalali_date(obj.birth_date)


@admin.register(AccessLog)
class AccessLogAdmin(PersianAdmin):
    list_display = ["when", "action", "actor", "membership", "national_code", "target", "ip"]
    list_filter = ["action"]
    search_fields = ["national_code", "target"]
    list_select_related = ["actor", "membership__facility", "membership__user"]

    @admin.display(description=_("زمان"), ordering="at")
    def when(self, obj):
        return jalali_datetime(obj.at)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BlockedNationalCode)
class BlockedNationalCodeAdmin(PersianAdmin):
    list_display = ["code", "reason", "created_at"]
    search_fields = ["code"]
