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
