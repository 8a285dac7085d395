"""Staff answer complaints here: superusers all of them, an insurer's reviewers those about
prescriptions their insurer covers. A saved answer goes through the service (status,
SMS to the patient)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.jalali import jalali_datetime
from complaints import services
from complaints.models import Complaint, Reply
from config.admin_site import InsurerScopedAdmin


class ReplyInline(admin.TabularInline):
    model = Reply
    extra = 1
    fields = ["text", "author", "from_staff", "when"]
    readonly_fields = ["author", "from_staff", "when"]
    can_delete = False

    @admin.display(description=_("زمان"))
    def when(self, obj):
        return jalali_datetime(obj.created_at) if obj.pk else ""

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # answers are kept as written; a correction is a new answer

    def has_add_permission(self, request, obj=None) -> bool:
        return True

    def has_view_permission(self, request, obj=None) -> bool:
        return True


@admin.register(Complaint)
class ComplaintAdmin(InsurerScopedAdmin):
    insurer_path = "prescription__scheme__insurer"
    reviewer_can_change = True
    patient_paths = ("patient_id",)
    list_display = ["pk", "subject", "status", "patient", "facility", "filed"]
    list_filter = ["status", "subject"]
    search_fields = ["patient__national_code", "prescription__tracking_code", "text"]
    list_select_related = ["patient", "facility"]
    fields = ["subject", "status", "patient", "prescription", "facility", "text", "filed"]
    readonly_fields = ["subject", "patient", "prescription", "facility", "text", "filed"]
    inlines = [ReplyInline]

    @admin.display(description=_("زمان ثبت"), ordering="created_at")
    def filed(self, obj):
        return jalali_datetime(obj.created_at)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Reply:
            return super().save_formset(request, form, formset, change)
        for reply in formset.save(commit=False):
            if reply.pk is None and reply.text.strip():
                services.complaint_reply(complaint=form.instance, author=request.user,
                                         text=reply.text, from_staff=True)
        return None
