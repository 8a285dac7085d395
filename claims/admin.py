from django.contrib import admin
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.admin_filters import jalali_month_filter
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


def _in_force(prefix: str = "") -> Q:
    today = timezone.localdate()
    return (Q(**{f"{prefix}valid_from__lte": today})
            & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": today}))
            & Q(**{f"{prefix}scheme__kind": Scheme.Kind.BASIC}))


def covered_twice() -> Q:
    """People holding two basic covers in force today (seed 002 §9-1-2's overlap check)."""
    twice = (Coverage.objects.filter(_in_force()).values("patient")
             .annotate(schemes=Count("scheme", distinct=True)).filter(schemes__gt=1)
             .values("patient"))
    return Q(patient__in=twice) & _in_force()


class OverlapFilter(admin.SimpleListFilter):
    title = _("هم‌پوشانی بیمه پایه")
    parameter_name = "overlap"

    def lookups(self, request, model_admin):
        return [("yes", _("بیمه‌شدگان با دو بیمه پایه"))]

    def queryset(self, request, queryset):
        return queryset.filter(covered_twice()) if self.value() == "yes" else queryset


@admin.register(Coverage)
class CoverageAdmin(InsurerScopedAdmin):
    insurer_path = "scheme__insurer"
    patient_paths = ("patient",)
    list_display = ["patient", "scheme", "insurance_number", "start", "end", "other_cover"]
    list_filter = [OverlapFilter]
    search_fields = ["patient__national_code", "insurance_number"]
    list_select_related = ["patient", "scheme"]
    raw_id_fields = ["patient"]

    def get_changelist_instance(self, request):
        """The other basic covers of the page's people, in one query for the page."""
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        others: dict[int, list] = {}
        for coverage in (Coverage.objects.filter(_in_force(),
                                                 patient_id__in={r.patient_id for r in rows})
                         .select_related("scheme")):
            others.setdefault(coverage.patient_id, []).append(coverage)
        for row in rows:
            row.other_covers = [c.scheme.name for c in others.get(row.patient_id, [])
                                if c.scheme_id != row.scheme_id]
        return changelist

    @admin.display(description=_("از تاریخ"), ordering="valid_from")
    def start(self, obj):
        return jalali_date(obj.valid_from)

    @admin.display(description=_("تا تاریخ"), ordering="valid_to")
    def end(self, obj):
        return jalali_date(obj.valid_to) or "—"

    @admin.display(description=_("بیمه پایه دیگر"))
    def other_cover(self, obj):
        """What the insurer's overlap check is for: the person's other basic cover."""
        if obj.scheme.kind != Scheme.Kind.BASIC:
            return "—"
        return "، ".join(getattr(obj, "other_covers", [])) or "—"


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
    list_filter = ["status", "scheme", jalali_month_filter("service_date")]
    search_fields = ["tracking_code", "hid", "patient__national_code"]
    list_select_related = ["facility", "scheme", "patient"]
    inlines = [ClaimLineInline]
    readonly_fields = [f.name for f in Claim._meta.fields]

    @admin.display(description=_("تاریخ خدمت"), ordering="service_date")
    def service_day(self, obj):
        return jalali_date(obj.service_date)


from claims import admin_desk  # noqa: E402,F401 - the reviewers' desk registers itself
