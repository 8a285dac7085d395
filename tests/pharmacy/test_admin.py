"""Reviewers in the admin: their insurer's claim lines, dispenses and pack-code flags only."""

from accounts.models import User
from tests.pharmacy.conftest import uid, with_codes


def _dispense(api_as, rx, code=None, who="pharmacy"):
    line = {"item": rx["items"][0]["id"], "quantity": 5}
    line = {**line, "uid": code} if code else with_codes([line])[0]
    return api_as(who).post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                            {"lines": [line]}, format="json")


def test_reviewer_sees_only_own_insurers_claim_lines(api_as, written, page_as):
    ihio = written([{"code": "AMOX-500-CAP", "quantity": 20}])  # Ali: IHIO-GOV
    sso = written([{"code": "AMOX-500-CAP", "quantity": 20}], who="patient2")  # SSO-GEN
    _dispense(api_as, ihio)
    _dispense(api_as, sso, who="pharmacy2")
    html = page_as("reviewer").get("/admin/claims/claim/").content.decode()
    assert ihio["tracking_code"] in html and sso["tracking_code"] not in html
    html = page_as("reviewer").get("/admin/pharmacy/dispense/").content.decode()
    assert ihio["tracking_code"] in html and sso["tracking_code"] not in html


def test_reviewer_sees_pack_code_reuse_flags(api_as, written, page_as):
    first = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    second = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    _dispense(api_as, first, uid(5))
    assert _dispense(api_as, second, uid(5), who="pharmacy2").status_code == 409
    html = page_as("reviewer").get("/admin/pharmacy/packcodereuse/").content.decode()
    assert uid(5) in html and "داروخانه سینا" in html


def test_reviewer_cannot_change_claim_amounts(api_as, written, page_as):
    from claims.models import Claim

    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    _dispense(api_as, rx)
    claim = Claim.objects.get()
    client = page_as("reviewer")
    client.post(f"/admin/claims/claim/{claim.pk}/change/", {"total": "1", "status": "accepted"})
    claim.refresh_from_db()
    assert (claim.total, claim.status) == (125000, "unsent")


def test_superuser_sees_every_admin_page(client, demo):
    admin = User.objects.create_superuser("0499370899", mobile="09121111111")
    client.force_login(admin)
    for path in ["/admin/prescriptions/catalogitem/", "/admin/prescriptions/insurancerule/",
                 "/admin/prescriptions/interactionrule/", "/admin/prescriptions/clinicallimit/",
                 "/admin/prescriptions/visit/", "/admin/prescriptions/prescription/",
                 "/admin/prescriptions/consentgrant/", "/admin/claims/claim/",
                 "/admin/pharmacy/dispense/", "/admin/pharmacy/packcodereuse/",
                 "/admin/prescriptions/catalogitem/?q=آموکسی"]:
        assert client.get(path).status_code == 200, path
