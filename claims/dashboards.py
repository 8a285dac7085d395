"""The dashboards' figures: an insurer's (claimed, deducted and paid by Jalali month and
fund; deduction reasons; the facilities with most deductions) and a facility's (services a
day; claimed and paid a month). A handful of aggregate queries each."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from accounts.jalali import fa_digits, jalali_date, to_jalali
from claims import charts
from claims.models import Claim, Deduction, Invoice

MONTHS = 12


def _by_period(invoices) -> list[dict]:
    rows = (invoices.values("period")
            .annotate(sum_claimed=Sum("claimed"), sum_deducted=Sum("deductions"),
                      sum_paid=Sum(F("claimed") - F("deductions"),
                                   filter=Q(status=Invoice.Status.PAID)))
            .order_by("-period")[:MONTHS])
    return [{"period": r["period"], "claimed": r["sum_claimed"] or 0,
             "deducted": r["sum_deducted"] or 0, "paid": r["sum_paid"] or 0}
            for r in reversed(rows)]


def insurer_dashboard(*, insurer_id: int | None) -> dict:
    invoices = Invoice.objects.all()
    deductions = Deduction.objects.all()
    if insurer_id is not None:
        invoices = invoices.filter(scheme__insurer_id=insurer_id)
        deductions = deductions.filter(invoice__scheme__insurer_id=insurer_id)
    months = _by_period(invoices)
    by_scheme = list(invoices.values("period", "scheme__code", "scheme__name")
                     .annotate(claimed=Sum("claimed"), deducted=Sum("deductions"))
                     .order_by("-period", "scheme__code")[:MONTHS * 10])
    labels = dict(Deduction.Reason.choices)
    reasons = [(str(labels.get(r["reason"], r["reason"])), r["total"]) for r in
               deductions.values("reason").annotate(total=Sum("amount")).order_by("-total")]
    facilities = [(r["invoice__facility__name"], r["total"]) for r in
                  deductions.values("invoice__facility__name")
                  .annotate(total=Sum("amount")).order_by("-total")[:10]]
    return {
        "months": months, "by_scheme": by_scheme, "reasons": reasons, "facilities": facilities,
        "months_chart": charts.grouped_bars(
            title="مبلغ درخواستی، کسورات و پرداخت به تفکیک ماه",
            groups=[m["period"] for m in months],
            series=[("درخواستی", [m["claimed"] for m in months]),
                    ("کسورات", [m["deducted"] for m in months]),
                    ("پرداخت‌شده", [m["paid"] for m in months])]),
        "reasons_chart": charts.horizontal_bars(title="کسورات به تفکیک علت", rows=reasons),
        "facilities_chart": charts.horizontal_bars(title="مراکز با بیشترین کسورات",
                                                   rows=facilities),
    }


def facility_dashboard(*, facility_id: int, days: int = 30) -> dict:
    today = timezone.localdate()
    since = today - dt.timedelta(days=days - 1)
    counts = dict(Claim.objects.filter(facility_id=facility_id, service_date__gte=since)
                  .exclude(scheme__kind="supplementary")
                  .values_list("service_date").annotate(n=Count("id")).order_by())
    per_day = [(since + dt.timedelta(days=n)) for n in range(days)]
    months = _by_period(Invoice.objects.filter(facility_id=facility_id))
    return {
        "per_day": [(jalali_date(day), counts.get(day, 0)) for day in per_day],
        "months": months,
        "days_chart": charts.grouped_bars(
            title="خدمات ثبت‌شده در هر روز", groups=[fa_digits(to_jalali(d).strftime("%m/%d"))
                                                      for d in per_day[-14:]],
            series=[("خدمات", [counts.get(d, 0) for d in per_day[-14:]])]),
        "months_chart": charts.grouped_bars(
            title="مبلغ درخواستی و پرداخت‌شده در هر ماه",
            groups=[m["period"] for m in months],
            series=[("درخواستی", [m["claimed"] for m in months]),
                    ("پرداخت‌شده", [m["paid"] for m in months])]),
    }
