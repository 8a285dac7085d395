"""The sign-in API: request, verify, expiry, single use, attempts, throttling, enumeration."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AccessLog, SMSDevice
from tests.conftest import DEMO

REQUEST = "/api/v1/auth/otp/request"
VERIFY = "/api/v1/auth/otp/verify"
DOCTOR_CODE, DOCTOR_MOBILE = DEMO["doctor"]


@pytest.fixture
def api():
    return APIClient()


def request_code(api, national_code=DOCTOR_CODE, mobile=DOCTOR_MOBILE, **extra):
    return api.post(REQUEST, {"national_code": national_code, "mobile": mobile}, format="json",
                    **extra)


def verify(api, code, national_code=DOCTOR_CODE, **body):
    return api.post(VERIFY, {"national_code": national_code, "code": code, **body}, format="json")


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_request_then_verify_gives_a_token_and_memberships(demo, api, outbox):
    response = request_code(api)
    assert response.status_code == 202
    assert response.json()["expires_in"] == 120
    assert response.json()["resend_in"] == 60
    message = outbox.messages()[-1]
    assert message["to"] == DOCTOR_MOBILE and message["purpose"] == "login"
    assert len(message["code"]) == 6 and message["code"] in message["text"]
    assert set(message) == {"to", "purpose", "code", "text", "at"}

    response = verify(api, message["code"])
    assert response.status_code == 200
    body = response.json()
    assert len(body["token"]) >= 32
    names = sorted(m["facility"]["name"] for m in body["memberships"])
    assert names == ["درمانگاه شفا", "مطب دکتر احمدی"]
    assert body["membership"]["role"] == "doctor"
    assert set(body["membership"]) == {"id", "role", "facility"}


def test_verify_can_pick_the_membership(demo, api, outbox):
    request_code(api)
    first = verify(api, outbox.last_code(DOCTOR_MOBILE)).json()
    shafa = next(m for m in first["memberships"] if m["facility"]["name"] == "درمانگاه شفا")
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        request_code(api)
    body = verify(api, outbox.last_code(DOCTOR_MOBILE), membership=shafa["id"]).json()
    assert body["membership"]["facility"]["name"] == "درمانگاه شفا"


def test_code_is_not_stored_in_plain_text(demo, api, outbox):
    request_code(api)
    code = outbox.last_code(DOCTOR_MOBILE)
    device = SMSDevice.objects.get(user__national_code=DOCTOR_CODE, purpose="login")
    assert device.token and code not in device.token and len(device.token) == 64


def test_code_is_single_use(demo, api, outbox):
    request_code(api)
    code = outbox.last_code(DOCTOR_MOBILE)
    assert verify(api, code).status_code == 200
    response = verify(api, code)
    assert response.status_code == 400
    assert "token" not in response.json()


def test_code_expires_after_ttl(demo, api, outbox, settings):
    request_code(api)
    code = outbox.last_code(DOCTOR_MOBILE)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=settings.OTP_TTL_SECONDS + 1)):
        assert verify(api, code).status_code == 400


def test_code_still_works_just_before_expiry(demo, api, outbox, settings):
    request_code(api)
    code = outbox.last_code(DOCTOR_MOBILE)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=settings.OTP_TTL_SECONDS - 5)):
        assert verify(api, code).status_code == 200


def test_code_dies_after_max_attempts(demo, api, outbox, settings):
    request_code(api)
    code = outbox.last_code(DOCTOR_MOBILE)
    statuses = [verify(api, wrong(code)).status_code for _ in range(settings.OTP_MAX_ATTEMPTS)]
    assert statuses[:-1] == [400] * (settings.OTP_MAX_ATTEMPTS - 1)
    assert statuses[-1] == 429
    # even the right code is refused now: the code is dead
    assert verify(api, code).status_code == 429
    device = SMSDevice.objects.get(user__national_code=DOCTOR_CODE, purpose="login")
    assert device.token is None


def test_a_new_code_after_a_dead_one_works(demo, api, outbox, settings):
    request_code(api)
    code = outbox.last_code(DOCTOR_MOBILE)
    for _ in range(settings.OTP_MAX_ATTEMPTS):
        verify(api, wrong(code))
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=settings.OTP_RESEND_SECONDS + 1)):
        assert request_code(api).status_code == 202
        assert verify(api, outbox.last_code(DOCTOR_MOBILE)).status_code == 200


def test_resend_sooner_than_cooldown_is_429(demo, api, outbox, settings):
    assert request_code(api).status_code == 202
    response = request_code(api)
    assert response.status_code == 429
    assert response.json()["retry_after"] <= settings.OTP_RESEND_SECONDS
    assert len(outbox.messages()) == 1


def test_cooldown_applies_to_unknown_people_too(demo, api):
    assert request_code(api, national_code="0499370899").status_code == 202
    assert request_code(api, national_code="0499370899").status_code == 429


def test_requests_per_ip_are_throttled(demo, api, settings):
    settings.OTP_MAX_REQUESTS_PER_IP_PER_HOUR = 3
    codes = ["0499370899", "0012345679", "0089012348", "0022334459"]
    statuses = [request_code(api, national_code=c, REMOTE_ADDR="10.1.1.1").status_code
                for c in codes]
    assert statuses == [202, 202, 202, 429]
    # another address is not affected
    assert request_code(api, national_code="0044556675",
                        REMOTE_ADDR="10.1.1.2").status_code == 202


def test_no_enumeration_same_answer_no_sms(demo, api, outbox):
    known = request_code(api)
    unknown = request_code(api, national_code="0499370899")
    wrong_mobile = request_code(api, national_code=DEMO["patient"][0], mobile="09129999999")
    assert known.status_code == unknown.status_code == wrong_mobile.status_code == 202
    assert known.json() == unknown.json() == wrong_mobile.json()
    assert [m["to"] for m in outbox.messages()] == [DOCTOR_MOBILE]


def test_verify_answers_alike_for_unknown_people(demo, api, outbox):
    unknown = verify(api, "123456", national_code="0499370899")
    request_code(api)
    known_wrong = verify(api, wrong(outbox.last_code(DOCTOR_MOBILE)))
    assert unknown.status_code == known_wrong.status_code == 400
    assert unknown.json() == known_wrong.json()


def test_attempt_limit_is_the_same_for_unknown_people(demo, api, settings):
    statuses = [verify(api, "123456", national_code="0499370899").status_code
                for _ in range(settings.OTP_MAX_ATTEMPTS)]
    assert statuses[-1] == 429 and statuses[0] == 400


def test_inactive_person_gets_no_sms(demo, api, outbox):
    from accounts.models import User

    User.objects.filter(national_code=DOCTOR_CODE).update(is_active=False)
    assert request_code(api).status_code == 202
    assert outbox.messages() == []


def test_sign_in_events_are_logged_without_codes(demo, api, outbox):
    request_code(api)
    code = outbox.last_code(DOCTOR_MOBILE)
    verify(api, wrong(code))
    verify(api, code)
    actions = list(AccessLog.objects.filter(national_code=DOCTOR_CODE)
                   .order_by("at").values_list("action", flat=True))
    assert actions == ["login.failure", "login.success"]
    for row in AccessLog.objects.values():
        assert code not in str(row.values())


JUNK = [None, [], [1, 2], "text", 42, {}, {"national_code": None},
        {"national_code": {"a": 1}, "mobile": ["x"]}, {"national_code": "x" * 10000, "mobile": 1},
        {"national_code": "0012345679", "mobile": "09120000001", "code": {"$gt": ""}},
        {"national_code": "0012345679", "code": "12345"}, {"national_code": "0012345679",
                                                            "code": "abcdef"},
        {"national_code": "0012345679", "code": "123456", "membership": "x"},
        {"membership": -1}, {"membership": 10**20}]


@pytest.mark.parametrize("path", [REQUEST, VERIFY, "/api/v1/auth/membership", "/api/v1/auth/logout"])
@pytest.mark.parametrize("body", JUNK)
def test_junk_bodies_never_give_a_500(demo, api, path, body):
    response = api.post(path, body, format="json")
    assert response.status_code in {202, 400, 401, 429}, response.content
    assert "detail" in response.json()


def test_malformed_json_is_400(demo, api):
    response = api.post(REQUEST, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_oversized_body_is_refused(demo, api):
    response = api.post(REQUEST, {"national_code": "1" * 400_000, "mobile": "0"}, format="json")
    assert response.status_code in {400, 413}


def test_invalid_national_code_is_400_with_persian_message(demo, api, outbox):
    response = request_code(api, national_code="1234567890")
    assert response.status_code == 400
    assert "کد ملی" in response.json()["detail"]
    assert outbox.messages() == []


def test_wrong_membership_at_verify_is_400(demo, api, outbox):
    from accounts.models import Membership

    request_code(api)
    someone_elses = Membership.objects.exclude(user__national_code=DOCTOR_CODE).first()
    response = verify(api, outbox.last_code(DOCTOR_MOBILE), membership=someone_elses.pk)
    assert response.status_code == 400


def test_code_typed_in_persian_digits_works(demo, api, outbox):
    request_code(api)
    persian = outbox.last_code(DOCTOR_MOBILE).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert verify(api, persian).status_code == 200
