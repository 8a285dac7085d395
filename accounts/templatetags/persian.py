from django import template

from accounts import jalali

register = template.Library()

register.filter("fa_digits", jalali.fa_digits)
register.filter("jdate", jalali.jalali_date)
register.filter("jdatetime", jalali.jalali_datetime)
register.filter("rial", jalali.rial)

RESULT_FLAGS = {"low": "پایین", "high": "بالا", "normal": "طبیعی"}


@register.filter
def result_flag(flag: str) -> str:
    """A result's flag (low/normal/high in the data) as the page shows it."""
    return RESULT_FLAGS.get(flag, flag)
