from django.contrib import admin

from config.admin_site import AuditedAdmin
from notices.models import Notice


@admin.register(Notice)
class NoticeAdmin(AuditedAdmin):
    """What was sent to whom and when (the texts name no drug or diagnosis)."""

    list_display = ("key", "event", "status", "to", "attempts", "created_at", "sent_at")
    list_filter = ("status", "event")
    search_fields = ("key", "to")
    readonly_fields = [f.name for f in Notice._meta.fields]
    patient_paths = ("patient",)

    def has_module_permission(self, request):
        return request.user.is_superuser  # operators only: not scoped to one insurer

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
