"""The server-rendered pages: reception, queue, visit, prescribing, edit, cancel, consent."""

import re

import pytest

from accounts.models import AccessLog, Patient
from prescriptions.models import Prescription, Visit
from tests.conftest import DEMO, membership_of


@pytest.fixture
def reception(page_as):
    return page_as("reception")


@pytest.fixture
def doctor_page(page_as):
    return page_as("doctor", "درمانگاه شفا")


def admit(client, who="patient"):
    doctor = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    return client.post("/reception/", {"national_code": DEMO[who][0], "doctor": doctor.pk})


def test_reception_admits_a_known_patient(reception):
    response = admit(reception)
    assert response.status_code == 302
    page = reception.get("/reception/").content.decode()
    assert "پذیرش شد" in page and "علی رستمی" in page
    assert Visit.objects.count() == 1


def test_reception_registers_an_unknown_patient_then_admits(reception):
    doctor = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    response = reception.post("/reception/", {"national_code": "0499370899",
                                              "doctor": doctor.pk})
    assert response.status_code == 200
    assert "این بیمار هنوز ثبت نشده است" in response.content.decode()
    response = reception.post("/patients/register", {
        "identity": "national", "code": "0499370899", "first_name": "نگار", "last_name": "کاظمی",
        "birth_date": "۱۳۶۹/۰۲/۱۱", "sex": "F", "mobile": "09125550001", "doctor": doctor.pk})
    assert response.status_code == 302
    patient = Patient.objects.get(national_code="0499370899")
    assert patient.birth_date.isoformat() == "1990-05-01"
    assert Visit.objects.filter(patient=patient).exists()


def test_registration_with_a_bad_date_shows_the_error(reception):
    doctor = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    response = reception.post("/patients/register", {
        "identity": "national", "code": "0499370899", "first_name": "ن", "last_name": "ک",
        "birth_date": "13/13/13", "sex": "F", "doctor": doctor.pk})
    assert response.status_code == 400
    assert "۱۳۷۰/۰۵/۱۲" in response.content.decode()
    assert not Patient.objects.filter(national_code="0499370899").exists()


def test_reception_invalid_code_shows_error(reception):
    doctor = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    response = reception.post("/reception/", {"national_code": "1234", "doctor": doctor.pk})
    assert response.status_code == 400
    assert "کد ملی (۱۰ رقم)، کد فیدا (۱۲ رقم) یا شناسه یکتا (۱۳ رقم)" in response.content.decode()
    response = reception.post("/reception/", {"national_code": "1234567890",
                                              "doctor": doctor.pk})
    assert "کد ملی معتبر نیست" in response.content.decode()


def test_doctor_queue_lists_the_visit_and_opens_it(reception, doctor_page):
    admit(reception)
    queue = doctor_page.get("/doctor/").content.decode()
    visit = Visit.objects.get()
    assert f"/doctor/visits/{visit.pk}/" in queue
    page = doctor_page.get(f"/doctor/visits/{visit.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "علی رستمی" in html and "کارکنان دولت" in html
    visit.refresh_from_db()
    assert visit.status == "in_progress"
    assert AccessLog.objects.filter(action="patient.read", target=f"visit:{visit.hid}").exists()


def test_catalog_search_fragment(doctor_page):
    html = doctor_page.get("/doctor/catalog/", {"kind": "drug", "q": "آموکسی"}).content.decode()
    assert 'data-code="AMOX-500-CAP"' in html
    assert doctor_page.get("/doctor/catalog/", {"kind": "lab", "q": "آموکسی"}
                           ).content.decode().count("catalog-pick") == 0


def test_preview_shows_rules_and_split(reception, doctor_page):
    admit(reception)
    visit = Visit.objects.get()
    html = doctor_page.post(f"/doctor/visits/{visit.pk}/preview", {
        "kind": "drug", "code": ["WARF-5-TAB", "ASA-80-TAB"], "quantity": ["10", "10"],
        "dosage": ["", ""], "instructions": ["", ""]}).content.decode()
    assert 'data-level="warning"' in html
    assert "۱۴۰٬۰۰۰" in html  # 120000 + 20000


def test_register_from_the_page_shows_the_tracking_code(reception, doctor_page):
    admit(reception)
    visit = Visit.objects.get()
    response = doctor_page.post(f"/doctor/visits/{visit.pk}/prescribe", {
        "kind": "drug", "code": ["AMOX-500-CAP", "PARA-500-TAB"], "quantity": ["20", "10"],
        "dosage": ["هر ۸ ساعت یک عدد", ""], "instructions": ["", ""]}, follow=True)
    prescription = Prescription.objects.get()
    html = response.content.decode()
    assert prescription.tracking_code in html and 'data-testid="message-tracking"' in html


def test_unacknowledged_warning_keeps_the_rows(reception, doctor_page):
    admit(reception)
    visit = Visit.objects.get()
    response = doctor_page.post(f"/doctor/visits/{visit.pk}/prescribe", {
        "kind": "drug", "code": ["WARF-5-TAB", "ASA-80-TAB"], "quantity": ["10", "10"],
        "dosage": ["", ""], "instructions": ["", ""]})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'value="WARF-5-TAB"' in html and 'data-level="warning"' in html
    assert Prescription.objects.count() == 0
    response = doctor_page.post(f"/doctor/visits/{visit.pk}/prescribe", {
        "kind": "drug", "code": ["WARF-5-TAB", "ASA-80-TAB"], "quantity": ["10", "10"],
        "dosage": ["", ""], "instructions": ["", ""], "override_warnings": "1"})
    assert response.status_code == 302
    assert Prescription.objects.get().warnings_overridden


def test_edit_and_cancel_from_the_page(reception, doctor_page):
    admit(reception)
    visit = Visit.objects.get()
    doctor_page.post(f"/doctor/visits/{visit.pk}/prescribe", {
        "kind": "drug", "code": ["AMOX-500-CAP"], "quantity": ["20"]})
    code = Prescription.objects.get().tracking_code
    edit = doctor_page.get(f"/doctor/prescriptions/{code}/edit").content.decode()
    assert f'name="tracking_code" value="{code}"' in edit
    doctor_page.post(f"/doctor/visits/{visit.pk}/prescribe", {
        "kind": "drug", "tracking_code": code, "code": ["AMOX-500-CAP"], "quantity": ["12"]})
    prescription = Prescription.objects.get()
    assert prescription.version == 2 and prescription.items.get().quantity == 12
    doctor_page.post(f"/doctor/prescriptions/{code}/cancel")
    assert Prescription.objects.get().status == "cancelled"


def test_cancel_after_dispense_is_refused_on_the_page(reception, doctor_page):
    admit(reception)
    visit = Visit.objects.get()
    doctor_page.post(f"/doctor/visits/{visit.pk}/prescribe", {
        "kind": "drug", "code": ["AMOX-500-CAP"], "quantity": ["20"]})
    prescription = Prescription.objects.get()
    prescription.items.update(dispensed_quantity=2)
    Prescription.objects.update(status="partially_dispensed")
    page = doctor_page.post(f"/doctor/prescriptions/{prescription.tracking_code}/cancel",
                            follow=True).content.decode()
    assert "ارائه شده" in page
    assert Prescription.objects.get().status == "partially_dispensed"


def test_confirm_visit_from_the_page(reception, doctor_page):
    admit(reception)
    visit = Visit.objects.get()
    response = doctor_page.post(f"/doctor/visits/{visit.pk}/complete")
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "done"


def test_consent_on_the_page(reception, page_as, outbox):
    doctor = membership_of(DEMO["cardiologist"][0])
    reception.post("/reception/", {"national_code": DEMO["patient"][0], "doctor": doctor.pk})
    client = page_as("cardiologist")
    visit = Visit.objects.get()
    client.post(f"/doctor/visits/{visit.pk}/consent")
    code = outbox.last_code(DEMO["patient"][1], "consent")
    page = client.post(f"/doctor/visits/{visit.pk}/consent/verify", {"code": code},
                       follow=True).content.decode()
    assert "دسترسی به سوابق" in page and "دسترسی تا" in page


def test_another_doctors_visit_is_404(reception, page_as):
    admit(reception)
    visit = Visit.objects.get()
    assert page_as("cardiologist").get(f"/doctor/visits/{visit.pk}/").status_code == 404


def test_patient_page_lists_own_prescriptions(reception, doctor_page, page_as):
    admit(reception)
    visit = Visit.objects.get()
    doctor_page.post(f"/doctor/visits/{visit.pk}/prescribe", {
        "kind": "drug", "code": ["AMOX-500-CAP"], "quantity": ["20"]})
    code = Prescription.objects.get().tracking_code
    assert code in page_as("patient").get("/patient/").content.decode()
    assert code not in page_as("patient2").get("/patient/").content.decode()


def test_queue_page_query_count_is_bounded(reception, doctor_page,
                                           django_assert_max_num_queries):
    from tests.prescriptions.factories import make_patients

    admit(reception)
    with django_assert_max_num_queries(12) as one:
        doctor_page.get("/doctor/")
    baseline = len(one.captured_queries)
    doctor = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    for i, code in enumerate(make_patients(30)):
        Visit.objects.create(hid=f"8{i:013d}", facility_id=doctor.facility_id, doctor=doctor,
                             patient=Patient.objects.get(national_code=code))
    with django_assert_max_num_queries(baseline):
        html = doctor_page.get("/doctor/").content.decode()
    assert len(re.findall('data-testid="visit-row"', html)) == 31
