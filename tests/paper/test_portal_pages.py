"""The patient's portal and the doctor's lists: print buttons, signed state, who read my
record, and the signing request the visit page's browser signs."""

import json

from accounts.models import AccessLog
from prescriptions.models import Prescription
from tests.conftest import DEMO, membership_of
from tests.prescriptions.test_signatures import new_key, pem_of


def test_the_patient_page_offers_the_paper_copy_and_the_portal(written, page_as):
    created = written([{"code": "PARA-500-TAB", "quantity": 10}])
    html = page_as("patient").get("/patient/").content.decode()
    assert f"/api/v1/prescriptions/{created['tracking_code']}/paper.pdf" in html
    assert "چاپ نسخه کاغذی" in html and "/patient/access-log/" in html
    assert "/patient/complaints/" in html


def test_who_read_my_record_page(written, page_as, api_as):
    created = written([{"code": "PARA-500-TAB", "quantity": 10}])
    api_as("pharmacy").get(f"/api/v1/prescriptions/{created['tracking_code']}")
    page = page_as("patient").get("/patient/access-log/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="access-entry"') == AccessLog.objects.filter(
        patient__national_code=DEMO["patient"][0]).count() >= 1
    assert "داروخانه رازی" in html and "مشاهده نسخه" in html and created["tracking_code"] in html
    # another patient sees only their own record
    other = page_as("patient2").get("/patient/access-log/").content.decode()
    assert "داروخانه رازی" not in other
    for who in ("doctor", "pharmacy", "reviewer"):
        assert page_as(who).get("/patient/access-log/").status_code in (302, 403)


def test_the_access_log_page_is_bounded(written, page_as, api_as, django_assert_max_num_queries):
    created = written([{"code": "PARA-500-TAB", "quantity": 10}])
    pharmacy = api_as("pharmacy")
    for _ in range(30):
        pharmacy.get(f"/api/v1/prescriptions/{created['tracking_code']}")
    client = page_as("patient")
    with django_assert_max_num_queries(10):
        assert client.get("/patient/access-log/").status_code == 200


def test_a_newborns_reads_show_on_the_mothers_log(demo, page_as):
    import datetime as dt

    from accounts import patients
    from accounts import services as accounts_services

    baby = patients.patient_register(first_name="نوزاد", last_name="حسینی",
                                     birth_date=dt.date(2026, 11, 20), sex="F",
                                     mother_national_code=DEMO["patient2"][0])
    accounts_services.access_log_record(action=AccessLog.Action.PATIENT_READ, patient=baby,
                                        target="visit:newborn")
    assert "visit:newborn" in page_as("patient2").get("/patient/access-log/").content.decode()
    assert "visit:newborn" not in page_as("patient").get("/patient/access-log/").content.decode()


def test_the_signing_request_is_the_canonical_stored_content(demo, page_as, api_as):
    doctor_page = page_as("doctor", "درمانگاه شفا")
    reception = api_as("reception")
    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    visit = reception.post("/api/v1/visits", {"national_code": DEMO["patient"][0],
                                              "doctor": shafa.pk}, format="json").json()
    response = doctor_page.post(f"/doctor/visits/{visit['id']}/signing-content", {
        "kind": "drug", "code": ["amox-500-cap"], "quantity": ["۲۰"], "dosage": [""],
        "instructions": [" با آب "], "dose_amount": ["۱"], "dose_frequency": ["q8h"],
        "dose_timing": ["after_food"], "note": "  یادداشت "})
    assert response.status_code == 200, response.content
    content = response.json()["content"]
    assert json.loads(content) == {
        "visit": visit["id"], "kind": "drug", "note": "یادداشت",
        "items": [{"code": "AMOX-500-CAP", "quantity": 20, "instructions": "با آب",
                   "dosage": json.loads(content)["items"][0]["dosage"]}]}
    assert "هر ۸ ساعت" in json.loads(content)["items"][0]["dosage"]
    assert content == json.dumps(json.loads(content), sort_keys=True, separators=(",", ":"),
                                 ensure_ascii=False)
    # bad items are answered with the reason, not a signing request
    bad = doctor_page.post(f"/doctor/visits/{visit['id']}/signing-content",
                           {"kind": "drug", "code": ["NOPE"], "quantity": ["1"]})
    assert bad.status_code == 400 and bad.json()["detail"]
    # and the visit page signs with it: a signature over that content is accepted by the form
    key = new_key()
    api_as("doctor", "درمانگاه شفا").post("/api/v1/me/keys", {"public_key": pem_of(key)},
                                          format="json")
    from tests.prescriptions.test_signatures import sign

    form = {"kind": "drug", "code": ["amox-500-cap"], "quantity": ["۲۰"], "dosage": [""],
            "instructions": [" با آب "], "dose_amount": ["۱"], "dose_frequency": ["q8h"],
            "dose_timing": ["after_food"], "note": "  یادداشت ", "override_warnings": "1",
            "signature": sign(key, json.loads(content))}
    registered = doctor_page.post(f"/doctor/visits/{visit['id']}/prescribe", form)
    assert registered.status_code == 302, registered.content.decode()[:500]
    prescription = Prescription.objects.get()
    assert prescription.signed and prescription.signed_content == content
    html = doctor_page.get(f"/doctor/visits/{visit['id']}/").content.decode()
    assert 'data-testid="signed"' in html and "paper.pdf" in html
    assert 'data-key-fingerprint="' + prescription.signature_key.fingerprint in html


def test_other_doctors_cannot_ask_for_a_signing_request(demo, page_as, api_as):
    reception = api_as("reception")
    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    visit = reception.post("/api/v1/visits", {"national_code": DEMO["patient"][0],
                                              "doctor": shafa.pk}, format="json").json()
    response = page_as("cardiologist").post(f"/doctor/visits/{visit['id']}/signing-content",
                                            {"kind": "drug", "code": ["PARA-500-TAB"],
                                             "quantity": ["1"]})
    assert response.status_code == 404
    assert page_as("pharmacy").post(f"/doctor/visits/{visit['id']}/signing-content",
                                    {}).status_code in (302, 403)
