"""The facility's claims screen (seed 000): funds, a Jalali range, and the send buttons."""

from __future__ import annotations

import jdatetime
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.jalali import fa_digits, to_jalali
from claims import services
from claims.models import Claim, Scheme
from claims.selectors import Period


def month_start_and_today() -> tuple[str, str]:
    """The Jalali month so far: the screen's default range (in Iran's day)."""
    today = to_jalali(timezone.localdate())
    first = jdatetime.date(today.year, today.month, 1)
    return fa_digits(first.strftime("%Y/%m/%d")), fa_digits(today.strftime("%Y/%m/%d"))


class PeriodForm(forms.Form):
    schemes = forms.MultipleChoiceField(label=_("صندوق‌ها"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    date_from = forms.CharField(label=_("از تاریخ"), max_length=20)
    date_to = forms.CharField(label=_("تا تاریخ"), max_length=20)
    status = forms.ChoiceField(label=_("وضعیت ارسال"), required=False,
                               choices=[("", _("همه")), *Claim.Status.choices])

    def __init__(self, *args, schemes: list[Scheme], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schemes"].choices = [(s.code, s.label) for s in schemes]

    def period(self, *, require_schemes: bool) -> Period | None:
        """The cleaned period, or None with the reason added to the form's errors."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        try:
            return services.period_clean(date_from=data["date_from"], date_to=data["date_to"],
                                         schemes=data["schemes"],
                                         require_schemes=require_schemes)
        except DomainError as exc:
            self.add_error(None, exc.message)
            return None


class ConnectionForm(forms.Form):
    username = forms.CharField(label=_("نام کاربری"), max_length=100)
    password = forms.CharField(label=_("رمز"), max_length=200, required=False,
                               widget=forms.PasswordInput(render_value=False))
    terminal = forms.CharField(label=_("شماره ترمینال"), max_length=32)
    technical_officer = forms.CharField(label=_("شماره نظام پزشکی مسئول فنی"), max_length=20,
                                        required=False)
