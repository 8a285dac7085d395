"""Overlapping basic cover (seed 002 §9-1-2): reception chooses one of two, the visit and
its claims carry that one alone, and insurers find the people covered twice."""

import pytest

from claims.models import Claim
from tests.conftest import DEMO, membership_of

pytestmark = pytest.mark.django_db

NEDA = DEMO["covered_twice"][0]


def _admit(reception, **extra):
    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    return reception.post("/api/v1/visits", {"national_code": NEDA, "doctor": shafa.pk,
                                             **extra}, format="json")


def test_two_basic_covers_are_a_409_naming_both(api_as, demo):
    response = _admit(api_as("reception"))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "overlap" and body["detail"]
    assert [c["scheme"]["code"] for c in body["coverages"]] == ["IHIO-GOV", "SSO-GEN"]
    assert all("patient_share_percent" in c for c in body["coverages"])


def test_the_chosen_cover_is_the_visits_and_its_claims_alone(api_as, demo):
    reception, pharmacy = api_as("reception"), api_as("pharmacy")
    visit = _admit(reception, scheme="sso-gen")
    assert visit.status_code == 201
    assert visit.json()["coverage"]["scheme"]["code"] == "SSO-GEN"
    doctor = api_as("doctor", "درمانگاه شفا")
    rx = doctor.post("/api/v1/prescriptions", {"visit": visit.json()["id"], "kind": "drug",
                                               "items": [{"code": "PARA-500-TAB",
                                                          "quantity": 20}]},
                     format="json").json()
    response = pharmacy.post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                             {"lines": [{"item": rx["items"][0]["id"], "quantity": 20,
                                         "uid": "6260000000000301"}]}, format="json")
    assert response.status_code == 201, response.content
    assert set(Claim.objects.filter(tracking_code=rx["tracking_code"])
               .values_list("scheme__code", flat=True)) == {"SSO-GEN"}


@pytest.mark.parametrize("scheme", ["DANA-SUPP", "NOPE", "IHIO-RURAL"])
def test_a_scheme_the_person_does_not_hold_is_a_clear_400(api_as, demo, scheme):
    from prescriptions.models import Visit

    response = _admit(api_as("reception"), scheme=scheme)
    assert response.status_code == 400 and response.json()["code"] == "scheme"
    assert not Visit.objects.filter(patient__national_code=NEDA).exists()


def test_one_cover_needs_no_choice(api_as, demo):
    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    response = api_as("reception").post("/api/v1/visits", {
        "national_code": DEMO["patient"][0], "doctor": shafa.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["coverage"]["scheme"]["code"] == "IHIO-GOV"


def test_reception_picks_the_cover_on_the_page(page_as, demo):
    page = page_as("reception")
    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    response = page.post("/reception/", {"national_code": NEDA, "doctor": shafa.pk})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="cover-choice"' in html and 'value="SSO-GEN"' in html
    response = page.post("/reception/", {"national_code": NEDA, "doctor": shafa.pk,
                                         "scheme": "SSO-GEN"})
    assert response.status_code == 302
    from prescriptions.models import Visit

    assert Visit.objects.get(patient__national_code=NEDA).scheme.code == "SSO-GEN"


def test_insurers_find_the_people_covered_twice_in_the_admin(page_as):
    page = page_as("reviewer").get("/admin/claims/coverage/", {"overlap": "yes"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "شهابی" in html and "رستمی" not in html  # Ali has one cover
    assert "بیمه پایه دیگر" in html
