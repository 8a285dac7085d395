from django import template

from accounts import jalali

register = template.Library()

register.filter("fa_digits", jalali.fa_digits)
register.filter("jdate", jalali.jalali_date)
register.filter("jdatetime", jalali.jalali_datetime)
register.filter("rial", jalali.rial)
