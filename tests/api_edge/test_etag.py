"""Contract, "The API edge": GET prescriptions/{tracking_code} sends ETag "v<version>"; a
PATCH with an If-Match that is not the current one is 412 and changes nothing. The edit page
sends its version the same way, and a double-submitted new prescription is written once."""

import re

import pytest

from prescriptions.models import Prescription, Visit
from tests.conftest import DEMO, membership_of
from tests.pharmacy.test_concurrency import cast, run_together, write  # noqa: F401 - fixture

ONE = [{"code": "AMOX-500-CAP", "quantity": 20}]


def patch(client, code, quantity, if_match=None):
    headers = {"HTTP_IF_MATCH": if_match} if if_match is not None else {}
    return client.patch(f"/api/v1/prescriptions/{code}",
                        {"items": [{"code": "AMOX-500-CAP", "quantity": quantity}],
                         "override_warnings": True}, format="json", **headers)


@pytest.fixture
def rx(written):
    return written(ONE)


@pytest.fixture
def doctor(api_as):
    return api_as("doctor", "درمانگاه شفا")


def test_reads_and_writes_carry_the_version_as_etag(doctor, api_as, rx):
    code = rx["tracking_code"]
    assert doctor.get(f"/api/v1/prescriptions/{code}")["ETag"] == '"v1"'
    assert api_as("patient").get(f"/api/v1/prescriptions/{code}")["ETag"] == '"v1"'
    edited = patch(doctor, code, 12, '"v1"')
    assert edited.status_code == 200 and edited["ETag"] == '"v2"'
    assert edited.json()["version"] == 2


def test_a_stale_if_match_is_412_and_changes_nothing(doctor, rx):
    code = rx["tracking_code"]
    assert patch(doctor, code, 12, '"v1"').status_code == 200
    stale = patch(doctor, code, 7, '"v1"')
    assert stale.status_code == 412
    body = stale.json()
    assert body["code"] == "precondition_failed" and body["version"] == 2
    assert "تغییر کرده" in body["detail"]
    prescription = Prescription.objects.get(tracking_code=code)
    assert prescription.version == 2 and prescription.items.get().quantity == 12


@pytest.mark.parametrize("header, status", [
    ('"v1"', 200), ("*", 200), ('"v9", "v1"', 200), ('W/"v1"', 412), ('"v2"', 412),
    ('"v01"', 412), ('"x"', 412), ('"v"', 412), ('"v-1"', 412), (None, 200)])
def test_if_match_forms(doctor, rx, header, status):
    assert patch(doctor, rx["tracking_code"], 12, header).status_code == status


@pytest.mark.parametrize("header", ["v1", '"v1"junk', "", '"v 1"', "W/v1", '"v1", ' * 30,
                                    '"v' + "9" * 80 + '"'])
def test_a_malformed_if_match_is_400(doctor, rx, header):
    response = patch(doctor, rx["tracking_code"], 12, header)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "if_match"
    assert Prescription.objects.get().version == 1


@pytest.mark.postgres
def test_two_tabs_saving_at_once_one_wins_one_is_412(cast):  # noqa: F811
    code = write(cast, ONE)["tracking_code"]
    doctor = cast("doctor", "درمانگاه شفا")
    statuses = run_together(lambda: patch(doctor, code, 12, '"v1"').status_code,
                            lambda: patch(doctor, code, 7, '"v1"').status_code)
    assert sorted(statuses) == [200, 412]
    assert Prescription.objects.get().version == 2


# ---- the pages ----

@pytest.fixture
def pages(page_as):
    reception, doctor_page = page_as("reception"), page_as("doctor", "درمانگاه شفا")
    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    reception.post("/reception/", {"national_code": DEMO["patient"][0], "doctor": shafa.pk})
    return doctor_page, Visit.objects.get()


def form_key(page: str, kind: str = "drug") -> str:
    return re.search(rf'name="idempotency_key" value="([0-9a-f]+-{kind})"', page).group(1)


def test_a_double_submitted_form_registers_one_prescription(pages):
    doctor_page, visit = pages
    key = form_key(doctor_page.get(f"/doctor/visits/{visit.pk}/").content.decode())
    form = {"kind": "drug", "code": ["AMOX-500-CAP"], "quantity": ["20"],
            "idempotency_key": key}
    first = doctor_page.post(f"/doctor/visits/{visit.pk}/prescribe", form, follow=True)
    again = doctor_page.post(f"/doctor/visits/{visit.pk}/prescribe", form, follow=True)
    assert Prescription.objects.count() == 1
    code = Prescription.objects.get().tracking_code
    assert "نسخه ثبت شد" in first.content.decode()
    assert "پیش‌تر ثبت شده بود" in again.content.decode() and code in again.content.decode()
    changed = doctor_page.post(f"/doctor/visits/{visit.pk}/prescribe",
                               {**form, "quantity": ["30"]})
    assert changed.status_code == 409 and Prescription.objects.count() == 1
    assert "پیش‌تر با اقلام دیگری" in changed.content.decode()


def test_a_stale_edit_page_says_the_prescription_changed(pages):
    doctor_page, visit = pages
    doctor_page.post(f"/doctor/visits/{visit.pk}/prescribe",
                     {"kind": "drug", "code": ["AMOX-500-CAP"], "quantity": ["20"]})
    code = Prescription.objects.get().tracking_code
    tab_one = doctor_page.get(f"/doctor/prescriptions/{code}/edit").content.decode()
    tab_two = doctor_page.get(f"/doctor/prescriptions/{code}/edit").content.decode()
    assert 'name="version" value="1"' in tab_one and 'name="version" value="1"' in tab_two
    saved = doctor_page.post(f"/doctor/visits/{visit.pk}/prescribe", {
        "kind": "drug", "tracking_code": code, "version": "1", "code": ["AMOX-500-CAP"],
        "quantity": ["12"]})
    assert saved.status_code == 302
    stale = doctor_page.post(f"/doctor/visits/{visit.pk}/prescribe", {
        "kind": "drug", "tracking_code": code, "version": "1", "code": ["AMOX-500-CAP"],
        "quantity": ["7"]})
    assert stale.status_code == 412
    assert "در این فاصله تغییر کرده است" in stale.content.decode()
    prescription = Prescription.objects.get()
    assert prescription.version == 2 and prescription.items.get().quantity == 12
