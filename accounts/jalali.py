"""Jalali calendar and Persian digits: the one place that converts them."""

from __future__ import annotations

import datetime as dt
import re

import jdatetime
from django.utils import timezone

_FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def fa_digits(value: object) -> str:
    return str(value).translate(_FA)


def to_jalali(value: dt.date | dt.datetime | None) -> jdatetime.date | jdatetime.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return jdatetime.datetime.fromgregorian(datetime=value)
    return jdatetime.date.fromgregorian(date=value)


def jalali_date(value: dt.date | dt.datetime | None) -> str:
    """1405/08/30 in Persian digits; empty for None."""
    j = to_jalali(value)
    return fa_digits(j.strftime("%Y/%m/%d")) if j else ""


def jalali_datetime(value: dt.datetime | None) -> str:
    j = to_jalali(value)
    return fa_digits(j.strftime("%Y/%m/%d %H:%M")) if j else ""


def parse_jalali_date(text: str) -> dt.date:
    """'1370/05/12' (Persian or Latin digits, / or -) to a Gregorian date; ValueError if bad."""
    from accounts.identity import latin_digits

    match = re.fullmatch(r"\s*([0-9]{4})[/\-]([0-9]{1,2})[/\-]([0-9]{1,2})\s*",
                         latin_digits(text or ""))
    if not match:
        raise ValueError("not a Jalali date")
    year, month, day = (int(g) for g in match.groups())
    return jdatetime.date(year, month, day).togregorian()


def jalali_period(day: dt.date) -> str:
    """The Jalali month label used for invoices: 1405-08."""
    j = jdatetime.date.fromgregorian(date=day)
    return f"{j.year:04d}-{j.month:02d}"


def rial(amount: int | None) -> str:
    """12500 -> ۱۲٬۵۰۰ (Persian digits, Persian thousands separator)."""
    if amount is None:
        return ""
    return fa_digits(f"{int(amount):,}").replace(",", "٬")


def parse_date_any(text: object) -> dt.date:
    """An ISO (2026-11-23) or Jalali (1405-09-02, 1405/09/02) date; any year below 1700 is
    read as Jalali. Persian digits are accepted. ValueError when it is neither."""
    from accounts.identity import latin_digits

    match = re.fullmatch(r"\s*([0-9]{4})[/\-]([0-9]{1,2})[/\-]([0-9]{1,2})\s*",
                         latin_digits(str(text or "")))
    if not match:
        raise ValueError("not a date")
    year, month, day = (int(g) for g in match.groups())
    if year < 1700:
        return jdatetime.date(year, month, day).togregorian()
    return dt.date(year, month, day)


def jalali_month_days(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The Gregorian first and last days of a Jalali month (Esfand 29 or 30 days)."""
    first = jdatetime.date(year, month, 1)
    following = jdatetime.date(year + (month == 12), month % 12 + 1, 1)
    return first.togregorian(), following.togregorian() - dt.timedelta(days=1)


def recent_jalali_months(count: int = 12) -> list[tuple[int, int]]:
    """(year, month) of this Jalali month in Tehran and the ones before it, newest first."""
    today = jdatetime.date.fromgregorian(date=timezone.localdate())
    year, month, out = today.year, today.month, []
    for _ in range(count):
        out.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out
