"""Structured dosage (seed 001 step 6: how much per dose, how often, when), stored as fields
and shown as one Persian line. The one place that knows frequencies and their daily count."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.identity import latin_digits
from accounts.jalali import fa_digits


class Frequency(models.TextChoices):
    Q24H = "q24h", _("روزی یک بار")
    Q12H = "q12h", _("هر ۱۲ ساعت")
    Q8H = "q8h", _("هر ۸ ساعت")
    Q6H = "q6h", _("هر ۶ ساعت")
    Q4H = "q4h", _("هر ۴ ساعت")
    QOD = "qod", _("یک روز در میان")
    WEEKLY = "weekly", _("هفته‌ای یک بار")
    PRN = "prn", _("در صورت نیاز")
    ONCE = "once", _("یک نوبت")


# Doses a day; None where the count is not regular (as needed, a single dose).
PER_DAY: dict[str, Decimal | None] = {
    Frequency.Q24H: Decimal(1), Frequency.Q12H: Decimal(2), Frequency.Q8H: Decimal(3),
    Frequency.Q6H: Decimal(4), Frequency.Q4H: Decimal(6), Frequency.QOD: Decimal("0.5"),
    Frequency.WEEKLY: Decimal(1) / Decimal(7), Frequency.PRN: None, Frequency.ONCE: None,
}


class Timing(models.TextChoices):
    BEFORE_FOOD = "before_food", _("قبل از غذا")
    AFTER_FOOD = "after_food", _("بعد از غذا")
    WITH_FOOD = "with_food", _("همراه غذا")
    EMPTY_STOMACH = "empty_stomach", _("ناشتا")
    BEDTIME = "bedtime", _("هنگام خواب")
    MORNING = "morning", _("صبح‌ها")


UNITS = ["عدد", "قرص", "کپسول", "قاشق مرباخوری", "قاشق غذاخوری", "قطره", "پاف", "واحد",
         "میلی‌لیتر", "ساشه"]
UNIT_FOR_FORM = {"tablet": "قرص", "capsule": "کپسول", "syrup": "قاشق مرباخوری",
                 "drop": "قطره", "inhaler": "پاف", "sachet": "ساشه"}
MAX_AMOUNT = Decimal(100)


@dataclass(frozen=True)
class Dose:
    amount: Decimal
    frequency: str
    unit: str = ""
    timing: str = ""

    def as_dict(self) -> dict:
        return {"amount": _plain(self.amount), "unit": self.unit, "frequency": self.frequency,
                "timing": self.timing}

    @property
    def per_day(self) -> Decimal | None:
        """Units taken a day, or None when the schedule is not regular."""
        count = PER_DAY.get(self.frequency)
        return None if count is None else self.amount * count

    def line(self) -> str:
        """«هر ۸ ساعت، هر بار ۱ قرص، بعد از غذا»"""
        parts = [str(Frequency(self.frequency).label),
                 f"هر بار {amount_text(self.amount)} {self.unit or 'عدد'}"]
        if self.timing:
            parts.append(str(Timing(self.timing).label))
        return "، ".join(parts)


def _plain(amount: Decimal) -> str:
    text = format(amount.normalize(), "f")
    return text


def amount_text(amount: Decimal) -> str:
    if amount == Decimal("0.5"):
        return "نیم"
    return fa_digits(_plain(amount)).replace(".", "٫")


def amount_clean(value: object) -> Decimal | None:
    """A dose amount from input (Persian digits and ٫ accepted), or None if it is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None
    text = latin_digits(str(value)).strip().replace("٫", ".").replace("/", ".")
    if text == "نیم":
        text = "0.5"
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        return None
    if amount != amount.quantize(Decimal("0.01")):
        return None
    return amount


def dose_clean(raw: object) -> tuple[Dose | None, dict[str, list[str]]]:
    """A Dose from `{amount, frequency, unit?, timing?}`, or the problems per field."""
    if raw in (None, "", {}):
        return None, {}
    if not isinstance(raw, dict):
        return None, {"dose": [str(_("دستور مصرف ساخت‌یافته باید یک شیء باشد."))]}
    problems: dict[str, list[str]] = {}
    amount = amount_clean(raw.get("amount"))
    if amount is None:
        problems["dose.amount"] = [str(_("مقدار هر نوبت باید عددی مثبت تا ۱۰۰ باشد."))]
    frequency = raw.get("frequency")
    if frequency not in Frequency.values:
        problems["dose.frequency"] = [str(_("دفعات مصرف را از فهرست انتخاب کنید."))]
    timing = raw.get("timing") or ""
    if timing not in ("", *Timing.values):
        problems["dose.timing"] = [str(_("زمان مصرف را از فهرست انتخاب کنید."))]
    unit = raw.get("unit") or ""
    if not isinstance(unit, str) or len(unit) > 20:
        problems["dose.unit"] = [str(_("واحد حداکثر ۲۰ نویسه است."))]
    if problems:
        return None, problems
    return Dose(amount, frequency, unit.strip(), timing), {}


def days_of_supply(*, quantity: int, per_day: Decimal | None, default_days: int) -> int:
    """How long `quantity` units last: quantity ÷ daily dose, or the item's default."""
    if per_day is None or per_day <= 0:
        return default_days
    return max(1, math.ceil(Decimal(quantity) / per_day))
