"""The reviewers' desk in the admin (§9-2-9): invoices of their insurer with lines and
deductions, the review steps as actions, every change audited, and the dashboard."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.jalali import fa_digits, jalali_datetime, rial
from claims import dashboards, invoicing
from claims.documents import lines_with_deductions
from claims.models import Deduction, Invoice, InvoiceEvent
from config.admin_site import InsurerScopedAdmin, reviewer_insurer


class PeriodFilter(admin.SimpleListFilter):
    title = _("دوره (ماه شمسی)")
    parameter_name = "period"

    def lookups(self, request, model_admin):
        periods = model_admin.get_queryset(request).values_list("period", flat=True).distinct()
        return [(p, fa_digits(p)) for p in sorted(set(periods), reverse=True)[:24]]

    def queryset(self, request, queryset):
        return queryset.filter(period=self.value()) if self.value() else queryset


class DeskInline(admin.TabularInline):
    """Inlines of the desk are for the insurer's reviewers (and superusers)."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or reviewer_insurer(request) is not None


class DeductionForm(forms.ModelForm):
    class Meta:
        model = Deduction
        fields = ["claim_line", "amount", "reason", "note"]


class DeductionInline(DeskInline):
    """New deductions go through the same checks as the API (deduction_add)."""

    model = Deduction
    form = DeductionForm
    extra = 1
    can_delete = False
    raw_id_fields = ["claim_line"]
    fields = ["claim_line", "amount", "reason", "note", "by", "at"]
    readonly_fields = ["by", "at"]

    def has_change_permission(self, request, obj=None):
        return False  # a deduction, once made, stays as it was (the audit shows it)

    def has_add_permission(self, request, obj=None):
        return obj is not None and obj.status == Invoice.Status.UNDER_REVIEW and (
            reviewer_insurer(request) is not None)


class EventInline(DeskInline):
    model = InvoiceEvent
    extra = 0
    can_delete = False
    fields = ["when", "action", "actor", "before", "after"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("زمان"))
    def when(self, obj):
        return jalali_datetime(obj.at)


def _step(status: str, label: str):
    @admin.action(description=label)
    def action(modeladmin, request, queryset):
        done = 0
        for invoice in queryset:
            try:
                invoicing.invoice_status_set(actor=request.membership, invoice=invoice,
                                             status=status)
                done += 1
            except DomainError as exc:
                modeladmin.message_user(request, f"{invoice}: {exc.message}", messages.ERROR)
        if done:
            modeladmin.message_user(request, _("{n} صورت‌حساب به‌روز شد.").format(
                n=fa_digits(done)), messages.SUCCESS)

    action.__name__ = f"to_{status}"
    return action


class InvoiceAdmin(InsurerScopedAdmin):
    insurer_path = "scheme__insurer"
    reviewer_can_change = True  # to add deductions; every field is read-only
    list_display = ["period_fa", "facility", "scheme", "status", "count_fa", "claimed_fa",
                    "deductions_fa", "payable_fa"]
    list_filter = [PeriodFilter, "status", ("scheme", admin.RelatedOnlyFieldListFilter),
                   ("facility", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["facility", "scheme__insurer"]
    search_fields = ["facility__name", "facility__siam_id"]
    readonly_fields = ["facility", "scheme", "period_fa", "status", "count_fa", "claimed_fa",
                       "deductions_fa", "payable_fa", "lines_table"]
    fields = readonly_fields
    inlines = [DeductionInline, EventInline]
    actions = [_step(Invoice.Status.UNDER_REVIEW, _("شروع رسیدگی")),
               _step(Invoice.Status.APPROVED, _("تأیید صورت‌حساب")),
               _step(Invoice.Status.PAID, _("ثبت پرداخت"))]

    @admin.display(description=_("دوره"), ordering="period")
    def period_fa(self, obj):
        return fa_digits(obj.period)

    @admin.display(description=_("تعداد اسناد"), ordering="claims_count")
    def count_fa(self, obj):
        return fa_digits(obj.claims_count)

    @admin.display(description=_("مبلغ درخواستی (ریال)"), ordering="claimed")
    def claimed_fa(self, obj):
        return rial(obj.claimed)

    @admin.display(description=_("کسورات (ریال)"), ordering="deductions")
    def deductions_fa(self, obj):
        return rial(obj.deductions)

    @admin.display(description=_("قابل پرداخت (ریال)"))
    def payable_fa(self, obj):
        return rial(obj.payable)

    @admin.display(description=_("سطرها"))
    def lines_table(self, obj):
        rows = lines_with_deductions(obj)
        body = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                "<td>{}</td></tr>",
            ((fa_digits(r["line"].pk), r["line"].claim.tracking_code, r["line"].code,
              fa_digits(r["line"].quantity), rial(r["line"].amount),
              rial(r["deduction"]) if r["deduction"] else "", r["reason_label"])
             for r in rows))
        return format_html(
            '<table class="invoice-lines"><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody>"
            "</table>", _("سطر"), _("کد رهگیری"), _("کد خدمت"), _("تعداد"),
            _("سهم بیمه"), _("کسر"), _("علت"), body)

    def save_model(self, request, obj, form, change):
        """Nothing of an invoice is edited here: it changes through its services only."""

    def save_formset(self, request, form, formset, change):
        if formset.model is not Deduction:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        with transaction.atomic():
            for inline_form in formset.forms:
                if not inline_form.has_changed() or inline_form.instance.pk:
                    continue
                data = inline_form.cleaned_data
                try:
                    invoicing.deduction_add(
                        actor=request.membership, invoice=form.instance,
                        claim_line=data["claim_line"].pk, amount=data["amount"],
                        reason=data["reason"], note=data.get("note", ""))
                except DomainError as exc:
                    messages.error(request, exc.message)
                    transaction.set_rollback(True)
                    return None
        return None

    def get_urls(self):
        return [path("dashboard/", self.admin_site.admin_view(self.dashboard),
                     name="claims_invoice_dashboard"), *super().get_urls()]

    def dashboard(self, request):
        """The insurer's dashboard: claimed, deducted and paid by month and fund."""
        if not self.has_view_permission(request):
            return TemplateResponse(request, "403.html", status=403)
        insurer = reviewer_insurer(request)
        context = {**self.admin_site.each_context(request),
                   "title": _("پیشخوان بیمه‌گر"), "insurer": insurer,
                   **dashboards.insurer_dashboard(
                       insurer_id=insurer.pk if insurer else None)}
        return TemplateResponse(request, "admin/claims/dashboard.html", context)


admin.site.register(Invoice, InvoiceAdmin)
