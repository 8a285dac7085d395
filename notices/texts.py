"""Every notice's Persian text, in one place. An SMS is not private: a text names the
tracking code and where to use it, never a drug, a test, a result or a diagnosis."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.jalali import fa_digits, jalali_date

PLACE = {"drug": gettext_lazy("داروخانه"), "lab": gettext_lazy("آزمایشگاه"),
         "imaging": gettext_lazy("مرکز تصویربرداری"),
         "physio": gettext_lazy("مرکز فیزیوتراپی")}
SIGNATURE = gettext_lazy("نسخه الکترونیک")


def _place(kind: str) -> str:
    return str(PLACE.get(kind, _("مرکز درمانی")))


def registered(*, tracking_code: str, kind: str, valid_until: dt.date) -> str:
    return _("نسخه شما با کد رهگیری {code} ثبت شد. این کد یا کد ملی خود را تا {date} در {place} "
             "ارائه کنید. {sign}").format(code=tracking_code, date=jalali_date(valid_until),
                                          place=_place(kind), sign=SIGNATURE)


def edited(*, tracking_code: str, version: int) -> str:
    return _("نسخه {code} ویرایش شد (نسخه {v}). جزئیات در صفحه «نسخه‌های من». {sign}").format(
        code=tracking_code, v=fa_digits(version), sign=SIGNATURE)


def cancelled(*, tracking_code: str) -> str:
    return _("نسخه {code} ابطال شد و دیگر ارائه نمی‌شود. {sign}").format(
        code=tracking_code, sign=SIGNATURE)


def dispensed(*, tracking_code: str, kind: str) -> str:
    return _("همه اقلام نسخه {code} در {place} ارائه شد. {sign}").format(
        code=tracking_code, place=_place(kind), sign=SIGNATURE)


def partly_dispensed(*, tracking_code: str, kind: str, valid_until: dt.date) -> str:
    return _("بخشی از نسخه {code} ارائه شد؛ باقی را تا {date} با همین کد در {place} "
             "دریافت کنید. {sign}").format(code=tracking_code, date=jalali_date(valid_until),
                                            place=_place(kind), sign=SIGNATURE)


def result(*, tracking_code: str) -> str:
    return _("جواب نسخه {code} ثبت شد؛ آن را در صفحه «نسخه‌های من» ببینید. {sign}").format(
        code=tracking_code, sign=SIGNATURE)
