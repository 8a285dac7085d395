from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.identity import latin_digits, normalize_mobile, normalize_national_code


class LoginForm(forms.Form):
    national_code = forms.CharField(
        label=_("کد ملی"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "username",
                                      "autofocus": True, "dir": "ltr"}),
    )
    mobile = forms.CharField(
        label=_("شماره همراه"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "dir": "ltr",
                                      "placeholder": "09xxxxxxxxx"}),
    )

    def clean_national_code(self) -> str:
        return normalize_national_code(self.cleaned_data["national_code"])

    def clean_mobile(self) -> str:
        return normalize_mobile(self.cleaned_data["mobile"])


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("کد پیامک‌شده"),
        max_length=16,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                      "autofocus": True, "dir": "ltr"}),
    )

    def clean_code(self) -> str:
        code = latin_digits(self.cleaned_data["code"]).strip()
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise ValidationError(_("کد باید ۶ رقم باشد."))
        return code


class JalaliDateInput(forms.TextInput):
    """Shows a stored (Gregorian) date as 1370/05/12."""

    def format_value(self, value):
        import datetime as dt

        from accounts.jalali import to_jalali

        if isinstance(value, dt.date):
            return to_jalali(value).strftime("%Y/%m/%d")
        return super().format_value(value)


class JalaliDateField(forms.DateField):
    """Takes a Jalali date (Persian or Latin digits) and gives the Gregorian date to store."""

    widget = JalaliDateInput

    def __init__(self, *args, **kwargs):
        kwargs["widget"] = JalaliDateInput(attrs={"dir": "ltr", "placeholder": "1370/05/12"})
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        import datetime as dt

        from accounts.jalali import parse_jalali_date

        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return parse_jalali_date(str(value))
        except ValueError:
            raise ValidationError(_("تاریخ را به شکل ۱۳۷۰/۰۵/۱۲ وارد کنید."),
                                  code="invalid") from None
