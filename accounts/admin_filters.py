"""Admin list filters in the site's calendar: a reviewer narrows a list to one Jalali
month (the last twelve, in Tehran's days), over a Gregorian date or time column."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.jalali import fa_digits, jalali_month_days, recent_jalali_months

MONTHS = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر",
          "دی", "بهمن", "اسفند"]


def jalali_month_filter(field: str, *, timed: bool = False) -> type[admin.SimpleListFilter]:
    """A filter on `field` by Jalali month; `timed` for a datetime column (the month's days
    start and end at Tehran's midnight)."""

    class JalaliMonthFilter(admin.SimpleListFilter):
        title = _("ماه شمسی")
        parameter_name = f"{field}_month"

        def lookups(self, request, model_admin):
            return [(f"{y:04d}-{m:02d}", f"{MONTHS[m - 1]} {fa_digits(y)}")
                    for y, m in recent_jalali_months()]

        def queryset(self, request, queryset):
            value = self.value() or ""
            try:
                year, month = (int(part) for part in value.split("-"))
                first, last = jalali_month_days(year, month)
            except (ValueError, TypeError):
                return queryset
            if not timed:
                return queryset.filter(**{f"{field}__range": (first, last)})
            zone = timezone.get_current_timezone()
            start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
            end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
            return queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end})

    JalaliMonthFilter.__name__ = f"JalaliMonthFilter_{field}"
    return JalaliMonthFilter
