"""Supplementary insurance (seed 002 §9 note): the supplementary fund pays its percentage of
the patient's share; three shares at prescribing and dispensing; claimed from its insurer."""

import pytest

from claims.models import Claim
from prescriptions import money
from tests.conftest import DEMO
from tests.pharmacy.conftest import uid


def test_the_split_in_three():
    assert money.split(unit_price=25000, quantity=10, patient_share_percent=30, covered=True,
                       supplementary_percent=70) == money.Split(250000, 175000, 22500, 52500)
    # rounding down the supplementary share leaves the odd Rial with the patient
    odd = money.split(unit_price=333, quantity=1, patient_share_percent=30, covered=True,
                      supplementary_percent=70)
    assert (odd.insurer_share, odd.supplementary_share, odd.patient_share) == (233, 70, 30)
    assert odd.total == odd.insurer_share + odd.supplementary_share + odd.patient_share
    assert money.split(unit_price=1000, quantity=1, patient_share_percent=30, covered=False,
                       supplementary_percent=70).patient_share == 1000


@pytest.fixture
def maryam_rx(written):
    return written([{"code": "AMOX-500-CAP", "quantity": 10},
                    {"code": "SILD-50-TAB", "quantity": 4}], who="patient2")


def test_prescribing_shows_three_shares(maryam_rx):
    amox, sild = maryam_rx["items"]
    assert (amox["insurer_share"], amox["supplementary_share"], amox["patient_share"]) == (
        175000, 52500, 22500)
    # not covered by the basic fund: nothing for the supplementary one either
    assert (sild["insurer_share"], sild["supplementary_share"], sild["patient_share"]) == (
        0, 0, 360000)
    assert maryam_rx["totals"] == {"total": 610000, "insurer_share": 175000,
                                   "supplementary_share": 52500, "patient_share": 382500}


def test_the_visit_names_the_supplementary_fund(api_as, demo):
    from tests.conftest import membership_of

    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    visit = api_as("reception").post("/api/v1/visits", {"national_code": DEMO["patient2"][0],
                                                        "doctor": shafa.pk},
                                     format="json").json()
    assert visit["coverage"]["supplementary"] == {
        "insurer": {"code": "DANA", "name": "بیمه دانا (تکمیلی)"},
        "scheme": {"code": "DANA-SUPP", "name": "تکمیلی دانا"}, "percent": 70}


def test_dispensing_claims_each_insurer_its_own_share(api_as, maryam_rx):
    amox = maryam_rx["items"][0]
    response = api_as("pharmacy").post(
        f"/api/v1/prescriptions/{maryam_rx['tracking_code']}/dispense",
        {"lines": [{"item": amox["id"], "quantity": 10, "uid": uid(1)}]}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["lines"][0]["supplementary_share"] == 52500
    assert body["totals"] == {"total": 250000, "insurer_share": 175000,
                              "supplementary_share": 52500, "patient_share": 22500}
    claims = {c.scheme.code: c for c in Claim.objects.all()}
    assert set(claims) == {"SSO-GEN", "DANA-SUPP"}
    assert (claims["SSO-GEN"].amount, claims["DANA-SUPP"].amount) == (175000, 52500)
    assert claims["SSO-GEN"].hid == claims["DANA-SUPP"].hid == body["hid"]
    assert claims["DANA-SUPP"].lines.get().amount == 52500


def test_no_supplementary_claim_when_it_has_nothing_to_pay(api_as, maryam_rx):
    sild = maryam_rx["items"][1]
    api_as("pharmacy").post(f"/api/v1/prescriptions/{maryam_rx['tracking_code']}/dispense",
                            {"lines": [{"item": sild["id"], "quantity": 4, "uid": uid(2)}]},
                            format="json")
    assert [c.scheme.code for c in Claim.objects.all()] == ["SSO-GEN"]
