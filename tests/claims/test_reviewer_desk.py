"""The reviewers' desk in the admin: their insurer's invoices only (by URL too), deductions
through the same checks as the API, review steps as actions, the dashboard."""

import datetime as dt

import pytest

from claims import invoicing
from claims.models import Claim, ClaimLine, Invoice
from tests.conftest import DEMO, membership_of
from tests.pharmacy.conftest import uid


@pytest.fixture
def invoices(written, api_as):
    pharmacy = api_as("pharmacy")
    for n, who in enumerate(["patient", "patient2"]):
        rx = written([{"code": "PARA-500-TAB", "quantity": 10}], who=who)
        pharmacy.post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                      {"lines": [{"item": rx["items"][0]["id"], "quantity": 10,
                                  "uid": uid(n + 1)}]}, format="json")
    Claim.objects.update(status="accepted", service_date=dt.date(2026, 11, 1))
    invoicing.invoices_generate(period="1405-08")
    razi = membership_of(DEMO["pharmacy"][0])
    for invoice in Invoice.objects.all():
        invoicing.invoice_status_set(actor=razi, invoice=invoice, status="submitted")
    return {i.scheme.code: i for i in Invoice.objects.all()}


def test_a_reviewer_sees_only_their_insurers_invoices_even_by_url(invoices, page_as):
    reviewer = page_as("reviewer")
    page = reviewer.get("/admin/claims/invoice/").content.decode()
    assert "کارکنان دولت" in page and "بیمه‌شدگان عام" not in page
    assert "۳۵٬۰۰۰" in page  # amounts in Persian digits
    other = invoices["SSO-GEN"]
    response = reviewer.get(f"/admin/claims/invoice/{other.pk}/change/")
    assert response.status_code in (302, 404)
    assert reviewer.get(f"/admin/claims/invoice/{invoices['IHIO-GOV'].pk}/change/"
                        ).status_code == 200


def test_review_deduct_and_approve_in_the_admin(invoices, page_as):
    reviewer = page_as("reviewer")
    invoice = invoices["IHIO-GOV"]
    response = reviewer.post("/admin/claims/invoice/", {
        "action": "to_under_review", "_selected_action": [invoice.pk]}, follow=True)
    assert "به‌روز شد" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == "under_review"
    line = ClaimLine.objects.get(claim__invoice=invoice)
    change = f"/admin/claims/invoice/{invoice.pk}/change/"
    form = {"deduction_set-TOTAL_FORMS": "1", "deduction_set-INITIAL_FORMS": "0",
            "deduction_set-0-claim_line": str(line.pk), "deduction_set-0-amount": "4000",
            "deduction_set-0-reason": "missing_pack_code", "deduction_set-0-note": "",
            "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"}
    response = reviewer.post(change, form, follow=True)
    assert response.status_code == 200
    invoice.refresh_from_db()
    assert (invoice.deductions, invoice.payable) == (4000, 31000)
    # above the line's share: refused with the service's reason, nothing written
    form["deduction_set-0-amount"] = "40000"
    response = reviewer.post(change, form, follow=True)
    assert "بیشتر می‌شود" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.deductions == 4000
    reviewer.post("/admin/claims/invoice/", {"action": "to_approved",
                                             "_selected_action": [invoice.pk]})
    reviewer.post("/admin/claims/invoice/", {"action": "to_paid",
                                             "_selected_action": [invoice.pk]})
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    page = reviewer.get(change).content.decode()
    assert "status:paid" in page and "کد اصالت ثبت نشده" in page


def test_a_step_out_of_order_in_the_admin_says_so(invoices, page_as):
    reviewer = page_as("reviewer")
    invoice = invoices["IHIO-GOV"]
    response = reviewer.post("/admin/claims/invoice/", {
        "action": "to_paid", "_selected_action": [invoice.pk]}, follow=True)
    assert "به ترتیب نیست" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == "submitted"


def test_the_insurer_dashboard_draws_its_figures(invoices, page_as, api_as):
    reviewer = page_as("reviewer")
    invoice = invoices["IHIO-GOV"]
    invoicing.invoice_status_set(actor=membership_of(DEMO["reviewer"][0]), invoice=invoice,
                                 status="under_review")
    line = ClaimLine.objects.get(claim__invoice=invoice)
    invoicing.deduction_add(actor=membership_of(DEMO["reviewer"][0]), invoice=invoice,
                            claim_line=line.pk, amount=1000, reason="duplicate")
    page = reviewer.get("/admin/claims/invoice/dashboard/").content.decode()
    assert "<svg" in page and "۱۴۰۵-۰۸" in page and "تکراری" in page
    assert "داروخانه رازی" in page and "بیمه‌شدگان عام" not in page


def test_other_roles_have_no_desk(invoices, page_as):
    assert page_as("pharmacy").get("/admin/claims/invoice/").status_code == 302
