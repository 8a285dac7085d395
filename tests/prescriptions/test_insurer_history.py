"""Seed 004 as written: an insurer reviewer reads a covered person's history only with the
`history` right and a live unlock sent to their own mobile, lapsing 30 minutes after the
last read; every read audited."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AccessLog, Membership
from tests.conftest import DEMO

pytestmark = pytest.mark.django_db

ALI = DEMO["patient"][0]  # IHIO-GOV: the demo reviewer's insurer
MARYAM = DEMO["patient2"][0]  # SSO-GEN: another insurer's


def _unlock(reviewer, outbox):
    assert reviewer.post("/api/v1/me/history-unlock", format="json").status_code == 202
    code = outbox.last_code(DEMO["reviewer"][1], purpose="history")
    response = reviewer.post("/api/v1/me/history-unlock/verify", {"code": code}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["valid_until"]


def test_a_reviewer_reads_a_covered_persons_history_after_unlocking(written, api_as, outbox):
    rx = written([{"code": "PARA-500-TAB", "quantity": 10}])
    reviewer = api_as("reviewer")
    locked = reviewer.get(f"/api/v1/patients/{ALI}/history")
    assert locked.status_code == 403 and locked.json()["code"] == "unlock"
    _unlock(reviewer, outbox)
    body = reviewer.get(f"/api/v1/patients/{ALI}/history").json()
    assert [p["tracking_code"] for p in body["prescriptions"]] == [rx["tracking_code"]]
    assert body["claims"] == [] and body["valid_until"]
    assert AccessLog.objects.filter(action="history.read", patient__national_code=ALI,
                                    membership__role="reviewer").count() == 1


def test_a_person_another_insurer_covers_is_404(demo, api_as, outbox):
    reviewer = api_as("reviewer")
    _unlock(reviewer, outbox)
    assert reviewer.get(f"/api/v1/patients/{MARYAM}/history").status_code == 404


def test_without_the_right_it_is_403_and_no_code_is_sent(demo, api_as, outbox):
    Membership.objects.filter(role="reviewer").update(history_permission=False)
    reviewer = api_as("reviewer")
    response = reviewer.post("/api/v1/me/history-unlock", format="json")
    assert response.status_code == 403 and response.json()["code"] == "history_permission"
    assert not [m for m in outbox.messages() if m["purpose"] == "history"]
    assert reviewer.get(f"/api/v1/patients/{ALI}/history").status_code == 403


def test_the_unlock_lapses_30_minutes_after_the_last_read(demo, api_as, outbox):
    reviewer = api_as("reviewer")
    _unlock(reviewer, outbox)
    start = timezone.now()
    with time_machine.travel(start + dt.timedelta(minutes=25)):
        assert reviewer.get(f"/api/v1/patients/{ALI}/history").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=50)):  # 25 after the last read
        assert reviewer.get(f"/api/v1/patients/{ALI}/history").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=81)):  # 31 after the last read
        response = reviewer.get(f"/api/v1/patients/{ALI}/history")
        assert response.status_code == 403 and response.json()["code"] == "unlock"


def test_a_code_is_single_use_and_a_wrong_one_refused(demo, api_as, outbox):
    reviewer = api_as("reviewer")
    assert reviewer.post("/api/v1/me/history-unlock", format="json").status_code == 202
    code = outbox.last_code(DEMO["reviewer"][1], purpose="history")
    wrong = str((int(code) + 1) % 10**len(code)).zfill(len(code))
    assert reviewer.post("/api/v1/me/history-unlock/verify", {"code": wrong},
                         format="json").status_code == 400
    assert reviewer.post("/api/v1/me/history-unlock/verify", {"code": code},
                         format="json").status_code == 200
    assert reviewer.post("/api/v1/me/history-unlock/verify", {"code": code},
                         format="json").status_code == 400  # used


def test_the_code_goes_to_the_reviewers_own_mobile_only(demo, api_as, outbox):
    api_as("reviewer").post("/api/v1/me/history-unlock", format="json")
    sent = [m for m in outbox.messages() if m["purpose"] == "history"]
    assert [m["to"] for m in sent] == [DEMO["reviewer"][1]]


@pytest.mark.parametrize("role", ["doctor", "pharmacy", "reception", "patient", "lab"])
def test_only_reviewers_unlock(api_as, demo, role):
    assert api_as(role).post("/api/v1/me/history-unlock", format="json").status_code == 403
    assert api_as(role).post("/api/v1/me/history-unlock/verify", {"code": "123456"},
                             format="json").status_code == 403


def test_a_doctor_still_needs_the_patients_consent(demo, api_as):
    response = api_as("doctor", "درمانگاه شفا").get(f"/api/v1/patients/{ALI}/history")
    assert response.status_code == 403 and response.json()["code"] == "consent_required"


def test_granting_the_right_in_the_admin_texts_the_reviewer(
        demo, outbox, django_capture_on_commit_callbacks):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from accounts.admin import MembershipAdmin

    membership = Membership.objects.get(role="reviewer")
    Membership.objects.filter(pk=membership.pk).update(history_permission=False)
    membership.refresh_from_db()
    membership.history_permission = True

    class Form:
        changed_data = ["history_permission"]

    admin = MembershipAdmin(Membership, site)
    request = RequestFactory().post("/admin/")
    with django_capture_on_commit_callbacks(execute=True):
        admin.save_model(request, membership, Form(), change=True)
    [notice] = [m for m in outbox.messages() if m["purpose"] == "notice"]
    assert notice["to"] == DEMO["reviewer"][1] and "سوابق" in notice["text"]


def test_the_admin_history_page_asks_for_the_code_then_shows_the_history(
        written, page_as, outbox):
    rx = written([{"code": "PARA-500-TAB", "quantity": 10}])
    admin = page_as("reviewer")
    assert "سوابق بیمار" in admin.get("/admin/").content.decode()
    page = admin.get("/admin/prescriptions/prescription/history/").content.decode()
    assert 'name="code"' in page and "قفل" in page
    admin.post("/admin/prescriptions/prescription/history/", {"action": "send"})
    code = outbox.last_code(DEMO["reviewer"][1], purpose="history")
    admin.post("/admin/prescriptions/prescription/history/", {"action": "verify", "code": code})
    page = admin.get("/admin/prescriptions/prescription/history/",
                     {"national_code": ALI}).content.decode()
    assert rx["tracking_code"] in page and "رستمی" in page
    other = admin.get("/admin/prescriptions/prescription/history/",
                      {"national_code": MARYAM}).content.decode()
    assert "بیمه‌شده سازمان شما نیست" in other
    assert AccessLog.objects.filter(action="history.read", membership__role="reviewer",
                                    patient__national_code=ALI).count() == 1


def test_the_admin_history_page_is_for_reviewers_only(page_as, demo):
    response = page_as("doctor", "درمانگاه شفا").get("/admin/prescriptions/prescription/history/")
    assert response.status_code in (302, 403)


def test_guessing_the_unlock_code_meets_the_daily_cap(demo, api_as, outbox, settings):
    settings.OTP_MAX_FAILURES_PER_DAY = 3
    reviewer = api_as("reviewer")
    assert reviewer.post("/api/v1/me/history-unlock", format="json").status_code == 202
    code = outbox.last_code(DEMO["reviewer"][1], purpose="history")
    wrong = str((int(code) + 1) % 10**len(code)).zfill(len(code))
    for _ in range(3):
        assert reviewer.post("/api/v1/me/history-unlock/verify", {"code": wrong},
                             format="json").status_code == 400
    capped = reviewer.post("/api/v1/me/history-unlock/verify", {"code": code}, format="json")
    assert capped.status_code == 429 and capped["Retry-After"]  # even the right code, today
    assert reviewer.get(f"/api/v1/patients/{ALI}/history").status_code == 403


def test_the_history_pages_prescriptions_and_carries_their_claims_and_visits(
        written, api_as, outbox):
    from claims.models import Claim
    from prescriptions.models import Visit
    from tests.pharmacy.conftest import uid

    first = written([{"code": "PARA-500-TAB", "quantity": 10}])
    second = written([{"code": "PARA-500-TAB", "quantity": 10}])
    doctor = api_as("doctor", "درمانگاه شفا")
    for visit in Visit.objects.all():
        assert doctor.post(f"/api/v1/visits/{visit.pk}/complete").status_code == 200
    response = api_as("pharmacy").post(
        f"/api/v1/prescriptions/{first['tracking_code']}/dispense",
        {"lines": [{"item": first["items"][0]["id"], "quantity": 10, "uid": uid(81)}]},
        format="json")
    assert response.status_code == 201, response.content
    assert Claim.objects.filter(prescription__isnull=True).count() == 2  # the visits'
    reviewer = api_as("reviewer")
    _unlock(reviewer, outbox)
    newest = reviewer.get(f"/api/v1/patients/{ALI}/history?page_size=1")
    assert 'rel="next"' in newest["Link"]
    assert [p["tracking_code"] for p in newest.json()["prescriptions"]] == [
        second["tracking_code"]]
    assert len(newest.json()["claims"]) == 1  # its visit's claim; nothing dispensed yet
    older = reviewer.get(newest["Link"].split(";")[0].strip("<>").removeprefix(
        "http://testserver")).json()
    assert [p["tracking_code"] for p in older["prescriptions"]] == [first["tracking_code"]]
    assert len(older["claims"]) == 2  # the dispense's claim and the visit's
