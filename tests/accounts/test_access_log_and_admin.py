from accounts.models import AccessLog, Patient, User
from accounts.services import access_log_record
from claims.models import Scheme
from tests.conftest import DEMO, membership_of


def test_patient_sees_who_read_their_record(api_as, demo):
    patient = Patient.objects.get(national_code=DEMO["patient"][0])
    other = Patient.objects.get(national_code=DEMO["patient2"][0])
    doctor = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    access_log_record(action=AccessLog.Action.PRESCRIPTION_READ, actor=doctor.user,
                      membership=doctor, patient=patient, target="ABC123", ip="10.0.0.1")
    access_log_record(action=AccessLog.Action.PRESCRIPTION_READ, actor=doctor.user,
                      membership=doctor, patient=other, target="XYZ", ip="10.0.0.1")
    response = api_as("patient").get("/api/v1/me/access-log")
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 1
    assert rows[0]["facility"]["name"] == "درمانگاه شفا"
    assert rows[0]["who"] == "سارا احمدی"
    assert rows[0]["action"] == "prescription.read"


def test_access_log_endpoint_is_for_patients_only(api_as):
    assert api_as("doctor").get("/api/v1/me/access-log").status_code == 403


def test_reviewer_admin_shows_only_own_insurer(page_as):
    client = page_as("reviewer")
    response = client.get("/admin/claims/scheme/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "IHIO-GOV" in html and "IHIO-RURAL" in html
    assert "SSO-GEN" not in html
    sso = Scheme.objects.get(code="SSO-GEN")
    assert client.get(f"/admin/claims/scheme/{sso.pk}/change/").status_code in {302, 404}


def test_reviewer_cannot_manage_people(page_as):
    client = page_as("reviewer")
    assert client.get("/admin/accounts/user/").status_code == 403


def test_other_roles_cannot_enter_admin(page_as):
    response = page_as("doctor").get("/admin/")
    assert response.status_code == 302 and "login" in response.url


def test_superuser_admin_pages_render(client, demo):
    admin = User.objects.create_superuser("0499370899", mobile="09121111111")
    client.force_login(admin)
    for path in ["/admin/", "/admin/accounts/user/", "/admin/accounts/membership/",
                 "/admin/accounts/patient/", "/admin/accounts/accesslog/",
                 "/admin/claims/coverage/", "/admin/accounts/facility/"]:
        assert client.get(path).status_code == 200, path


def test_api_docs_and_schema_are_served(client, demo):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_admin_forms_take_and_show_jalali_dates(client, demo):
    from claims.models import Coverage

    admin = User.objects.create_superuser("0499370899", mobile="09121111111")
    client.force_login(admin)
    patient = Patient.objects.get(national_code=DEMO["patient"][0])
    html = client.get(f"/admin/accounts/patient/{patient.pk}/change/").content.decode()
    assert 'value="1364/01/01"' in html  # 1985-03-21
    coverage = Coverage.objects.get(patient=patient)
    response = client.post(f"/admin/claims/coverage/{coverage.pk}/change/", {
        "patient": patient.pk, "scheme": coverage.scheme_id, "insurance_number": "X",
        "valid_from": "۱۴۰۵/۰۱/۰۱", "valid_to": "1405/12/29"})
    assert response.status_code == 302, response.content.decode()[:500]
    coverage.refresh_from_db()
    assert coverage.valid_from.isoformat() == "2026-03-21"
    assert coverage.valid_to.isoformat() == "2027-03-20"
    bad = client.post(f"/admin/claims/coverage/{coverage.pk}/change/", {
        "patient": patient.pk, "scheme": coverage.scheme_id, "valid_from": "2026-13-40"})
    assert bad.status_code == 200 and "۱۳۷۰/۰۵/۱۲" in bad.content.decode()


def test_reviewer_sees_only_own_insurer_row(page_as):
    html = page_as("reviewer").get("/admin/claims/insurer/").content.decode()
    assert "بیمه سلامت ایران" in html and "سازمان تأمین اجتماعی" not in html
