"""Daily caps on one-time codes (CONTRACT "FHIR R4 and operations"): per national code and
per Iranian day, at most OTP_MAX_CODES_PER_DAY codes sent and OTP_MAX_FAILURES_PER_DAY
wrong guesses across all codes, then 429 until the next day in Asia/Tehran. Without them,
"request, guess five times, request again" never ends. Counted for every national code
asked about, whether or not anyone holds it, so the caps reveal nobody."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import throttle
from accounts.errors import Throttled


def _seconds_to_tomorrow() -> int:
    now = timezone.localtime()
    tomorrow = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(),
                                   tzinfo=now.tzinfo)
    return max(1, int((tomorrow - now).total_seconds()))


def _key(kind: str, purpose: str, subject: str) -> str:
    return f"otp:day:{kind}:{purpose}:{subject}:{timezone.localdate().isoformat()}"


def _refuse() -> Throttled:
    return Throttled(_("سقف کدهای امروز برای این کد ملی پر شده است. فردا دوباره تلاش کنید."),
                     code="daily_limit", retry_after=_seconds_to_tomorrow())


def check(*, purpose: str, subject: str, asking: bool = False) -> None:
    """Refuse while the day's wrong guesses are used up, and, when asking for a new code,
    while its codes are too (a code already sent can still be used)."""
    if throttle.count(_key("fail", purpose, subject)) >= settings.OTP_MAX_FAILURES_PER_DAY:
        raise _refuse()
    if asking and (throttle.count(_key("codes", purpose, subject))
                   >= settings.OTP_MAX_CODES_PER_DAY):
        raise _refuse()


def code_sent(*, purpose: str, subject: str) -> None:
    """Count a code asked for; the one past the cap is refused."""
    sent = throttle.hit(_key("codes", purpose, subject), window_seconds=_seconds_to_tomorrow())
    if sent > settings.OTP_MAX_CODES_PER_DAY:
        raise _refuse()


def failed(*, purpose: str, subject: str) -> None:
    throttle.hit(_key("fail", purpose, subject), window_seconds=_seconds_to_tomorrow())


def doctor_consent_request(doctor_id: int) -> None:
    """A doctor asks for at most CONSENT_MAX_REQUESTS_PER_DOCTOR_PER_DAY consent codes a day,
    whichever patients they are for (a farm of patients' codes is still a farm)."""
    asked = throttle.hit(_key("consent-asks", "doctor", str(doctor_id)),
                         window_seconds=_seconds_to_tomorrow())
    if asked > settings.CONSENT_MAX_REQUESTS_PER_DOCTOR_PER_DAY:
        raise Throttled(_("سقف درخواست‌های امروز شما برای دسترسی به سوابق پر شده است."),
                        code="daily_limit", retry_after=_seconds_to_tomorrow())
