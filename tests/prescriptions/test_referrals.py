"""Referrals (seed 002 §2): a scheme that needs one covers a specialist visit only with an
open GP's referral to that specialty, used once, within 30 days; its feedback is the
specialist's prescriptions."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from prescriptions.models import Referral, Visit
from tests.conftest import DEMO, membership_of

pytestmark = pytest.mark.django_db

ZAHRA = DEMO["referred"][0]


def _admit(reception, who_code, doctor, **extra):
    return reception.post("/api/v1/visits", {"national_code": who_code, "doctor": doctor.pk,
                                             **extra}, format="json")


def _refer(api_as, specialty="cardiology", **extra):
    shafa_gp = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    visit = _admit(api_as("reception"), ZAHRA, shafa_gp).json()
    gp = api_as("doctor", "درمانگاه شفا")
    response = gp.post("/api/v1/referrals", {"visit": visit["id"], "specialty": specialty,
                                             "note": "درد قفسه سینه", **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_without_a_referral_the_specialist_visit_is_uncovered(api_as, demo):
    karimi = membership_of(DEMO["cardiologist"][0])
    body = _admit(api_as("reception"), ZAHRA, karimi).json()
    assert body["coverage"] is None and body["uncovered_reason"] == "referral"


def test_a_gps_visit_needs_no_referral(api_as, demo):
    gp = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    body = _admit(api_as("reception"), ZAHRA, gp).json()
    assert body["coverage"]["scheme"]["code"] == "IHIO-RURAL"
    assert body["coverage"]["patient_share_percent"] == 40 and body["uncovered_reason"] == ""


def test_the_referral_covers_the_specialist_once_and_carries_feedback(api_as, demo):
    referral = _refer(api_as)
    assert referral["status"] == "open" and referral["specialty"] == "cardiology"
    assert referral["valid_until"] == (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert referral["from_doctor"]["full_name"] and referral["patient"]["national_code"] == ZAHRA
    karimi = membership_of(DEMO["cardiologist"][0])
    visit = _admit(api_as("reception"), ZAHRA, karimi).json()  # found without the code
    assert visit["coverage"]["scheme"]["code"] == "IHIO-RURAL"
    assert Referral.objects.get().status == "used"
    cardiologist = api_as("cardiologist")
    rx = cardiologist.post("/api/v1/prescriptions", {"visit": visit["id"], "kind": "drug",
                                                     "items": [{"code": "ASA-80-TAB",
                                                                "quantity": 30}]},
                           format="json").json()
    for who in (api_as("doctor", "درمانگاه شفا"), cardiologist, api_as("referred")):
        detail = who.get(f"/api/v1/referrals/{referral['code']}").json()
        assert detail["status"] == "used"
        assert [p["tracking_code"] for p in detail["feedback"]] == [rx["tracking_code"]]
    # a second specialist visit the next day is not covered: the referral is used up
    Visit.objects.update(status="done")
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        again = _admit(api_as("reception"), ZAHRA, karimi).json()
    assert again["coverage"] is None


@pytest.mark.parametrize("case", ["other_patient", "expired", "used", "other_specialty"])
def test_a_typed_referral_that_does_not_fit_is_a_clear_400(api_as, demo, case):
    referral = _refer(api_as, specialty="neurology" if case == "other_specialty"
                      else "cardiology")
    if case == "other_patient":
        Referral.objects.update(patient=Visit.objects.get().patient.__class__.objects.get(
            national_code=DEMO["patient"][0]))
    if case == "expired":
        Referral.objects.update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    if case == "used":
        Referral.objects.update(status="used")
    karimi = membership_of(DEMO["cardiologist"][0])
    response = _admit(api_as("reception"), ZAHRA, karimi, referral=referral["code"])
    assert response.status_code == 400 and response.json()["code"] == "referral"
    assert response.json()["detail"]
    assert not Visit.objects.filter(doctor=karimi).exists()  # nothing half written


def test_only_a_gp_refers_and_only_to_a_specialty(api_as, demo):
    karimi = membership_of(DEMO["cardiologist"][0])
    visit = _admit(api_as("reception"), DEMO["patient"][0], karimi).json()
    response = api_as("cardiologist").post("/api/v1/referrals", {
        "visit": visit["id"], "specialty": "neurology"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "not_gp"
    gp = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    visit = _admit(api_as("reception"), ZAHRA, gp).json()
    for specialty in ("gp", "astrology", ""):
        response = api_as("doctor", "درمانگاه شفا").post("/api/v1/referrals", {
            "visit": visit["id"], "specialty": specialty}, format="json")
        assert response.status_code == 400


@pytest.mark.parametrize("role", ["pharmacy", "reception", "reviewer", "lab"])
def test_other_roles_cannot_refer_or_read_referrals(api_as, demo, role):
    referral = _refer(api_as)
    assert api_as(role).post("/api/v1/referrals", {"visit": 1, "specialty": "cardiology"},
                             format="json").status_code == 403
    assert api_as(role).get(f"/api/v1/referrals/{referral['code']}").status_code in (403, 404)


def test_another_patient_cannot_read_the_referral(api_as, demo):
    referral = _refer(api_as)
    assert api_as("patient").get(f"/api/v1/referrals/{referral['code']}").status_code == 404


def test_the_gp_refers_from_the_visit_page_and_sees_the_feedback(api_as, page_as, demo):
    gp = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    visit = _admit(api_as("reception"), ZAHRA, gp).json()
    page = page_as("doctor", "درمانگاه شفا")
    html = page.get(f"/doctor/visits/{visit['id']}/").content.decode()
    assert 'data-testid="refer"' in html and 'value="cardiology"' in html
    response = page.post(f"/doctor/visits/{visit['id']}/refer", {"specialty": "cardiology",
                                                                 "note": "تپش قلب"})
    assert response.status_code == 302
    referral = Referral.objects.get()
    karimi = membership_of(DEMO["cardiologist"][0])
    specialist_visit = _admit(api_as("reception"), ZAHRA, karimi,
                              referral=referral.code.lower()).json()  # typed as it comes
    assert specialist_visit["coverage"]["scheme"]["code"] == "IHIO-RURAL"
    rx = api_as("cardiologist").post("/api/v1/prescriptions", {
        "visit": specialist_visit["id"], "kind": "drug",
        "items": [{"code": "ASA-80-TAB", "quantity": 30}]}, format="json").json()
    html = page.get(f"/doctor/visits/{visit['id']}/").content.decode()
    assert referral.code in html and rx["tracking_code"] in html


def test_reception_sees_why_a_specialist_visit_is_uncovered(api_as, page_as, demo):
    karimi = membership_of(DEMO["cardiologist"][0])
    _admit(api_as("reception"), ZAHRA, karimi)
    html = page_as("reception").get("/reception/").content.decode()
    assert 'data-testid="uncovered-referral"' in html and 'name="referral"' in html


def test_a_referral_shown_after_an_uncovered_admission_covers_that_visit(api_as, demo):
    karimi = membership_of(DEMO["cardiologist"][0])
    reception = api_as("reception")
    uncovered = _admit(reception, ZAHRA, karimi).json()
    assert uncovered["coverage"] is None
    Referral.objects.create(code="REFCODE001", patient=Visit.objects.get(
        pk=uncovered["id"]).patient, from_doctor=membership_of(DEMO["doctor"][0],
                                                               "درمانگاه شفا"),
        from_visit=Visit.objects.get(pk=uncovered["id"]), specialty="cardiology",
        valid_until=timezone.localdate() + dt.timedelta(days=30))
    again = _admit(reception, ZAHRA, karimi, referral="refcode001")
    assert again.status_code == 200  # the same waiting visit, now covered
    assert again.json()["id"] == uncovered["id"]
    assert again.json()["coverage"]["scheme"]["code"] == "IHIO-RURAL"
    assert again.json()["uncovered_reason"] == ""
    assert Referral.objects.get(code="REFCODE001").used_by_id == uncovered["id"]
    # a bad code on the uncovered visit is the same clear 400
    other = _admit(reception, DEMO["patient"][0], karimi).json()
    assert other["coverage"] is not None  # Ali's scheme needs no referral
