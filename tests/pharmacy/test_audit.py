"""Every read of patient data lands in the access log: admin views and result reads too."""

from accounts.models import AccessLog, Patient, User
from pharmacy.models import Dispense
from tests.conftest import DEMO
from tests.pharmacy.conftest import uid


def _rows(action, national_code):
    return AccessLog.objects.filter(action=action, national_code=national_code)


def test_a_reviewer_reading_claims_and_dispenses_in_the_admin_is_logged(written, api_as,
                                                                        page_as):
    rx = written([{"code": "PARA-500-TAB", "quantity": 10}])
    api_as("pharmacy").post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                            {"lines": [{"item": rx["items"][0]["id"], "quantity": 10,
                                        "uid": uid(1)}]}, format="json")
    reviewer = page_as("reviewer")
    assert reviewer.get("/admin/claims/claim/").status_code == 200
    entry = _rows(AccessLog.Action.ADMIN_READ, DEMO["patient"][0]).get()
    assert entry.target == "admin:claim" and entry.actor.national_code == DEMO["reviewer"][0]
    dispense = Dispense.objects.get()
    assert reviewer.get(f"/admin/pharmacy/dispense/{dispense.pk}/change/").status_code == 200
    assert _rows(AccessLog.Action.ADMIN_READ, DEMO["patient"][0]).filter(
        target="admin:dispense").exists()
    # and the patient sees it in "who read my record"
    log = api_as("patient").get("/api/v1/me/access-log").json()
    assert any(row["action"] == "admin.read" for row in log)


def test_an_admin_opening_a_patient_is_logged(demo, client):
    admin = User.objects.create_superuser("0499370899", mobile="09120000099")
    client.force_login(admin)
    patient = Patient.objects.get(national_code=DEMO["patient2"][0])
    assert client.get(f"/admin/accounts/patient/{patient.pk}/change/").status_code == 200
    assert client.get("/admin/prescriptions/prescription/").status_code == 200
    assert _rows(AccessLog.Action.ADMIN_READ, DEMO["patient2"][0]).filter(
        target="admin:patient").exists()


def test_an_empty_admin_list_logs_nothing(demo, page_as):
    page_as("reviewer").get("/admin/pharmacy/dispense/")
    assert not AccessLog.objects.filter(action=AccessLog.Action.ADMIN_READ).exists()


def _with_result(written, api_as):
    rx = written([{"code": "LAB-FBS", "quantity": 1}], kind="lab")
    assert api_as("lab").post(f"/api/v1/prescriptions/{rx['tracking_code']}/results",
                              {"item": rx["items"][0]["id"], "result": {"value": 99}},
                              format="json").status_code == 201
    return rx


def test_reading_a_result_through_the_api_is_logged(written, api_as):
    rx = _with_result(written, api_as)
    doctor = api_as("doctor", "درمانگاه شفا")
    assert doctor.get(f"/api/v1/prescriptions/{rx['tracking_code']}").status_code == 200
    entry = _rows(AccessLog.Action.RESULT_READ, DEMO["patient"][0]).get()
    assert entry.membership.role == "doctor" and entry.target == rx["tracking_code"]


def test_the_visit_page_showing_a_result_logs_it(written, api_as, page_as):
    from prescriptions.models import Prescription

    rx = _with_result(written, api_as)
    visit = Prescription.objects.get(tracking_code=rx["tracking_code"]).visit_id
    page_as("doctor", "درمانگاه شفا").get(f"/doctor/visits/{visit}/")
    assert _rows(AccessLog.Action.RESULT_READ, DEMO["patient"][0]).exists()


def test_a_patient_reading_their_own_results_is_not_logged_against_them(written, api_as):
    rx = _with_result(written, api_as)
    api_as("patient").get(f"/api/v1/prescriptions/{rx['tracking_code']}")
    assert not _rows(AccessLog.Action.RESULT_READ, DEMO["patient"][0]).exists()
