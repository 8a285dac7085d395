from django.apps import apps
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class NoskheAdminSite(admin.AdminSite):
    site_header = _("نسخه — مدیریت و رسیدگی بیمه")
    site_title = _("مدیریت نسخه")
    index_title = _("پیشخوان")

    def has_permission(self, request) -> bool:
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        if user.is_superuser:
            return True
        membership = getattr(request, "membership", None)
        return membership is not None and membership.role == "reviewer"


class NoskheAdminConfig(AdminConfig):
    default_site = "config.admin_site.NoskheAdminSite"


def reviewer_insurer(request):
    """The insurer a reviewer's active membership works for, or None."""
    membership = getattr(request, "membership", None)
    if membership is None or membership.role != "reviewer" or membership.facility_id is None:
        return None
    Insurer = apps.get_model("claims", "Insurer")
    return Insurer.objects.filter(facility_id=membership.facility_id).first()


class PersianAdmin(admin.ModelAdmin):
    """Every admin form takes and shows dates in the Jalali calendar."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        from django.db import models

        from accounts.forms import JalaliDateField

        if isinstance(db_field, models.DateField) and not isinstance(
                db_field, models.DateTimeField):
            return db_field.formfield(form_class=JalaliDateField, **{
                k: v for k, v in kwargs.items() if k != "widget"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class InsurerScopedAdmin(PersianAdmin):
    """Superusers see everything; a reviewer sees only rows of their own insurer."""

    insurer_path = "insurer"
    reviewer_can_change = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        insurer = reviewer_insurer(request)
        if insurer is None:
            return queryset.none()
        return queryset.filter(**{self.insurer_path: insurer.pk})

    def _is_reviewer(self, request) -> bool:
        return reviewer_insurer(request) is not None

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser or self._is_reviewer(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser or self._is_reviewer(request)

    def has_change_permission(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        return self.reviewer_can_change and self._is_reviewer(request)

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
