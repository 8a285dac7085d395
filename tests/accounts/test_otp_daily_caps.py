"""Daily caps on one-time codes: request, guess five times, request again no longer goes on
forever. Per national code and Iranian day; unknown national codes are capped alike."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts import throttle
from tests.accounts.test_otp_api import request_code, verify, wrong
from tests.conftest import DEMO

DOCTOR_CODE, DOCTOR_MOBILE = DEMO["doctor"]
UNKNOWN = "0499370899"
TEHRAN = ZoneInfo("Asia/Tehran")
# late evening in Tehran: the day ends in 90 minutes
EVENING = dt.datetime(2026, 12, 1, 22, 30, tzinfo=TEHRAN)


@pytest.fixture
def api():
    return APIClient()


def _fresh_code(api, national_code=DOCTOR_CODE, mobile=DOCTOR_MOBILE):
    throttle.clear(f"otp:cool:{national_code}")  # skip the 60-second resend wait
    return request_code(api, national_code=national_code, mobile=mobile)


def test_farming_codes_stops_at_the_daily_failure_cap(demo, api, outbox, settings):
    """Today's attack: request, 5 wrong guesses, request again... then the right code."""
    settings.OTP_MAX_CODES_PER_DAY = 100  # only the failure cap is under test here
    failures = 0
    with time_machine.travel(EVENING, tick=False):
        while failures < settings.OTP_MAX_FAILURES_PER_DAY:
            assert _fresh_code(api).status_code == 202
            code = outbox.last_code(DOCTOR_MOBILE)
            for _ in range(min(settings.OTP_MAX_ATTEMPTS - 1,
                               settings.OTP_MAX_FAILURES_PER_DAY - failures)):
                verify(api, wrong(code))
                failures += 1
        refused = verify(api, code)  # the right code, after 20 wrong guesses today
        assert refused.status_code == 429
        assert refused.json()["code"] == "daily_limit"
        assert int(refused["Retry-After"]) == 90 * 60
        asked = _fresh_code(api)
        assert asked.status_code == 429 and asked.json()["code"] == "daily_limit"
    with time_machine.travel(EVENING + dt.timedelta(hours=2), tick=False):  # Tehran's next day
        assert _fresh_code(api).status_code == 202
        assert verify(api, outbox.last_code(DOCTOR_MOBILE)).status_code == 200


def test_at_most_n_codes_a_day_known_or_unknown_alike(demo, api, outbox, settings):
    settings.OTP_MAX_CODES_PER_DAY = 3
    with time_machine.travel(EVENING, tick=False):
        for _ in range(3):
            assert _fresh_code(api).status_code == 202
            assert _fresh_code(api, UNKNOWN, "09121234567").status_code == 202
        known = _fresh_code(api)
        unknown = _fresh_code(api, UNKNOWN, "09121234567")
    assert known.status_code == unknown.status_code == 429
    assert known.json() == unknown.json()
    assert known["Retry-After"] == unknown["Retry-After"]
    assert len([m for m in outbox.messages() if m["to"] == DOCTOR_MOBILE]) == 3


def test_a_code_already_sent_still_works_at_the_code_cap(demo, api, outbox, settings):
    settings.OTP_MAX_CODES_PER_DAY = 1
    assert _fresh_code(api).status_code == 202
    assert _fresh_code(api).status_code == 429
    assert verify(api, outbox.last_code(DOCTOR_MOBILE)).status_code == 200


def test_the_sign_in_page_answers_429_with_retry_after(demo, client, settings):
    settings.OTP_MAX_CODES_PER_DAY = 1
    form = {"national_code": DOCTOR_CODE, "mobile": DOCTOR_MOBILE}
    assert client.post("/login/", form).status_code == 302
    throttle.clear(f"otp:cool:{DOCTOR_CODE}")
    page = client.post("/login/", form)
    assert page.status_code == 429
    assert int(page["Retry-After"]) > 0
    assert "سقف کدهای امروز" in page.content.decode()


def test_every_429_carries_retry_after(demo, api):
    assert request_code(api).status_code == 202
    again = request_code(api)
    assert again.status_code == 429 and 0 < int(again["Retry-After"]) <= 60
    for _ in range(5):
        dead = verify(api, "000000")
    assert dead.status_code == 429 and int(dead["Retry-After"]) > 0
