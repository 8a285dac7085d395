from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from accounts import patients
from accounts.admin_filters import jalali_month_filter
from accounts.errors import DomainError
from accounts.jalali import jalali_date, jalali_datetime
from accounts.web import client_ip
from config.admin_site import AuditedAdmin, InsurerScopedAdmin, PersianAdmin
from prescriptions.models import (
    CatalogItem,
    ClinicalLimit,
    ConsentGrant,
    GenericGroup,
    InsuranceRule,
    InteractionRule,
    Prescription,
    PrescriptionItem,
    PrescriptionVersion,
    Tariff,
    Visit,
)


class TariffInline(admin.TabularInline):
    model = Tariff
    extra = 1
    fields = ["scheme", "amount", "valid_from", "valid_to"]


@admin.register(GenericGroup)
class GenericGroupAdmin(PersianAdmin):
    """A generic and its brands; the insurers' tariffs per scheme, with validity dates that
    never overlap (Tariff.clean)."""

    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    inlines = [TariffInline]


@admin.register(Tariff)
class TariffAdmin(InsurerScopedAdmin):
    insurer_path = "scheme__insurer"
    reviewer_can_change = True
    list_display = ["group", "scheme", "amount", "valid_from", "valid_to"]
    list_filter = ["scheme"]
    list_select_related = ["group", "scheme"]

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser or self._is_reviewer(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """A reviewer sets tariffs for their own insurer's schemes only."""
        from config.admin_site import reviewer_insurer

        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        insurer = reviewer_insurer(request)
        if db_field.name == "scheme" and not request.user.is_superuser:
            field.queryset = field.queryset.filter(insurer=insurer) if insurer else \
                field.queryset.none()
        return field


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
    list_filter = ["kind", "status", jalali_month_filter("created_at", timed=True)]
    search_fields = ["tracking_code", "hid", "patient__national_code"]
    list_select_related = ["patient", "doctor__user", "doctor__facility"]
    inlines = [ItemInline, VersionInline]
    readonly_fields = [f.name for f in Prescription._meta.fields]

    @admin.display(description=_("زمان ثبت"), ordering="created_at")
    def created(self, obj):
        return jalali_datetime(obj.created_at)

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        return [path("history/", self.admin_site.admin_view(self.insurer_history),
                     name="insurer_history"), *super().get_urls()]

    def insurer_history(self, request):
        """«سوابق بیمار» (seed 004): the reviewer asks for a code to their own mobile, types
        it, then reads a covered person's history while they keep reading."""
        from prescriptions import insurer_history

        membership = getattr(request, "membership", None)
        if membership is None or membership.role != "reviewer":
            return TemplateResponse(request, "403.html", status=403)
        here = reverse("admin:insurer_history")
        if request.method == "POST":
            try:
                if request.POST.get("action") == "send":
                    insurer_history.unlock_request(membership=membership, ip=client_ip(request))
                    messages.info(request, _("کد به همراه شما پیامک شد."))
                else:
                    insurer_history.unlock_verify(membership=membership,
                                                  code=request.POST.get("code"),
                                                  ip=client_ip(request))
                    messages.success(request, _("سوابق باز شد."))
            except DomainError as exc:
                messages.error(request, exc.message)
            return redirect(here)
        found, problem = None, ""
        code = request.GET.get("national_code", "").strip()
        unlocked = insurer_history.unlock_live(membership) is not None
        if code and unlocked:
            try:
                found = insurer_history.history_read(
                    membership=membership, patient=patients.patient_find(code),
                    ip=client_ip(request))
            except DomainError as exc:
                problem = exc.message
        context = {**self.admin_site.each_context(request), "title": _("سوابق بیمار"),
                   "unlocked": unlocked, "found": found, "problem": problem,
                   "national_code": code,
                   "allowed": bool(membership.history_permission)}
        return TemplateResponse(request, "admin/prescriptions/insurer_history.html", context)


@admin.register(ConsentGrant)
class ConsentGrantAdmin(AuditedAdmin):
    patient_paths = ("patient",)
    list_display = ["doctor", "patient", "created_at", "valid_until"]
    list_select_related = ["doctor__user", "doctor__facility", "patient"]
    readonly_fields = ["doctor", "patient", "created_at", "valid_until"]

    def has_add_permission(self, request):
        return False
