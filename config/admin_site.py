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


class AuditedAdmin(PersianAdmin):
    """Admin pages of patient data write the access log like every other read: one row per
    patient on a list page (one INSERT), one for an opened record."""

    # ORM paths from the model to its patient, the first that is set wins ("pk" for Patient
    # itself); empty for models that hold no patient data.
    patient_paths: tuple[str, ...] = ()

    def _log_reads(self, request, pks) -> None:
        from accounts import services as accounts_services
        from accounts.models import AccessLog, Patient
        from accounts.web import client_ip

        pks = [pk for pk in pks if pk is not None]
        if not pks or not self.patient_paths:
            return
        ids = set()
        for row in self.model._default_manager.filter(pk__in=pks).values_list(
                *self.patient_paths):
            first = next((value for value in row if value), None)
            if first:
                ids.add(first)
        accounts_services.access_log_record_many(
            action=AccessLog.Action.ADMIN_READ, actor=request.user,
            membership=getattr(request, "membership", None),
            patients=Patient.objects.filter(pk__in=ids), target=f"admin:{self.opts.model_name}",
            ip=client_ip(request))

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            self._log_reads(request, [obj.pk for obj in changelist.result_list])
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            from accounts.identity import db_id

            self._log_reads(request, [db_id(object_id)])
        return response


class InsurerScopedAdmin(AuditedAdmin):
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
