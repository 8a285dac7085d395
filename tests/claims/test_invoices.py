"""Invoices: one per facility × fund × Jalali month over accepted claims, idempotent; the
reviewers' deductions and the lifecycle; the facility sees what was deducted; PDF and CSV."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from claims import invoicing
from claims.models import Claim, ClaimLine, Invoice, InvoiceEvent
from tests.pharmacy.conftest import uid


@pytest.fixture
def accepted(written, api_as):
    """Razi dispensed to Ali twice (IHIO-GOV) and to Maryam once (SSO-GEN + DANA); all
    accepted on days of the Jalali month 1405-08 (Aban: 30 days)."""
    pharmacy = api_as("pharmacy")
    for n, who in enumerate(["patient", "patient", "patient2"]):
        rx = written([{"code": "PARA-500-TAB", "quantity": 10}], who=who)
        pharmacy.post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                      {"lines": [{"item": rx["items"][0]["id"], "quantity": 10,
                                  "uid": uid(n + 1)}]}, format="json")
    Claim.objects.update(status="accepted", service_date=dt.date(2026, 11, 1))  # 1405-08-10
    return pharmacy


def _generate(period="1405-08"):
    out = io.StringIO()
    call_command("generate_invoices", "--period", period, stdout=out)
    return out.getvalue()


def test_jalali_months_and_their_edges():
    aban = invoicing.month_parse("۱۴۰۵-۰۸")
    assert (aban.label, aban.start, aban.end) == ("1405-08", dt.date(2026, 10, 23),
                                                  dt.date(2026, 11, 21))
    assert invoicing.month_parse("1403-12").end == dt.date(2025, 3, 20)  # a 30-day Esfand
    assert invoicing.month_parse("1404-12").end == dt.date(2026, 3, 20)  # a 29-day Esfand
    assert invoicing.month_of(dt.date(2026, 11, 21)).label == "1405-08"
    assert invoicing.month_of(dt.date(2026, 11, 22)).label == "1405-09"
    for bad in ("1405-13", "1405", "اسفند", ""):
        with pytest.raises(Exception):
            invoicing.month_parse(bad)


def test_generate_makes_one_invoice_per_facility_and_fund_and_twice_changes_nothing(accepted):
    assert "3 created" in _generate()
    invoices = {i.scheme.code: i for i in Invoice.objects.all()}
    assert set(invoices) == {"IHIO-GOV", "SSO-GEN", "DANA-SUPP"}
    assert (invoices["IHIO-GOV"].claims_count, invoices["IHIO-GOV"].claimed) == (2, 70000)
    assert invoices["DANA-SUPP"].claimed == 10500
    assert "0 created, 0 refreshed, 3 unchanged" in _generate()
    assert Invoice.objects.count() == 3


def test_a_draft_follows_its_claims_and_a_claim_of_the_next_month_is_not_in_it(accepted):
    _generate()
    claim = Claim.objects.filter(scheme__code="IHIO-GOV").first()
    claim.service_date = dt.date(2026, 11, 22)  # 1405-09-01
    claim.save()
    assert "1 refreshed" in _generate()
    assert Invoice.objects.get(scheme__code="IHIO-GOV", period="1405-08").claims_count == 1
    assert "1 created" in _generate("1405-09")


def test_the_lifecycle_with_deductions_seen_by_the_facility(accepted, api_as):
    _generate()
    invoice = Invoice.objects.get(scheme__code="IHIO-GOV")
    reviewer = api_as("reviewer")
    url = f"/api/v1/invoices/{invoice.pk}"
    # out of order, and the wrong side
    assert reviewer.post(f"{url}/status", {"status": "approved"}, format="json"
                         ).status_code == 409
    assert reviewer.post(f"{url}/status", {"status": "submitted"}, format="json"
                         ).status_code == 403
    assert accepted.post(f"{url}/status", {"status": "submitted"}, format="json"
                         ).json()["status"] == "submitted"
    assert accepted.post(f"{url}/status", {"status": "under_review"}, format="json"
                         ).status_code == 403
    assert reviewer.post(f"{url}/status", {"status": "under_review"}, format="json"
                         ).status_code == 200
    line = ClaimLine.objects.filter(claim__invoice=invoice).first()
    response = reviewer.post(f"{url}/deductions", {"claim_line": line.pk, "amount": 5000,
                                                   "reason": "price_above_tariff"},
                             format="json")
    assert response.status_code == 201, response.content
    seen = accepted.get(url).json()
    assert (seen["claimed"], seen["deductions"], seen["payable"]) == (70000, 5000, 65000)
    row = next(r for r in seen["lines"] if r["claim_line"] == line.pk)
    assert (row["deduction"], row["reason"], row["insurer_share"]) == (
        5000, "price_above_tariff", 35000)
    assert reviewer.post(f"{url}/status", {"status": "approved"}, format="json"
                         ).status_code == 200
    # no deduction once approved
    assert reviewer.post(f"{url}/deductions", {"claim_line": line.pk, "amount": 1,
                                               "reason": "duplicate"}, format="json"
                         ).status_code == 409
    assert reviewer.post(f"{url}/status", {"status": "paid"}, format="json"
                         ).json()["status"] == "paid"
    actions = list(InvoiceEvent.objects.filter(invoice=invoice).order_by("at")
                   .values_list("action", flat=True))
    assert actions == ["created", "status:submitted", "status:under_review", "deduction",
                       "status:approved", "status:paid"]
    deduction_event = InvoiceEvent.objects.get(invoice=invoice, action="deduction")
    assert (deduction_event.before["deductions"], deduction_event.after["deductions"]) == (
        0, 5000)


@pytest.fixture
def under_review(accepted, api_as):
    _generate()
    invoice = Invoice.objects.get(scheme__code="IHIO-GOV")
    invoicing.invoice_status_set(actor=accepted_membership(), invoice=invoice,
                                 status="submitted")
    reviewer = api_as("reviewer")
    reviewer.post(f"/api/v1/invoices/{invoice.pk}/status", {"status": "under_review"},
                  format="json")
    return reviewer, invoice


def accepted_membership():
    from tests.conftest import DEMO, membership_of

    return membership_of(DEMO["pharmacy"][0])


@pytest.mark.parametrize("body, status, field", [
    ({"amount": 35001, "reason": "duplicate"}, 409, None),
    ({"amount": 100, "reason": "other"}, 400, "note"),
    ({"amount": 100, "reason": "because"}, 400, "reason"),
    ({"amount": 0, "reason": "duplicate"}, 400, "amount"),
    ({"amount": -5, "reason": "duplicate"}, 400, "amount"),
    ({"amount": "lots", "reason": "duplicate"}, 400, "amount"),
])
def test_bad_deductions_are_refused(under_review, body, status, field):
    reviewer, invoice = under_review
    line = ClaimLine.objects.filter(claim__invoice=invoice).first()
    response = reviewer.post(f"/api/v1/invoices/{invoice.pk}/deductions",
                             {"claim_line": line.pk, **body}, format="json")
    assert response.status_code == status, response.content
    if field:
        assert field in response.json()["errors"]
    assert not invoice.deduction_set.exists()


def test_deductions_add_up_to_at_most_the_lines_share(under_review):
    reviewer, invoice = under_review
    line = ClaimLine.objects.filter(claim__invoice=invoice).first()
    url = f"/api/v1/invoices/{invoice.pk}/deductions"
    assert reviewer.post(url, {"claim_line": line.pk, "amount": 30000, "reason": "other",
                               "note": "بخشی"}, format="json").status_code == 201
    assert reviewer.post(url, {"claim_line": line.pk, "amount": 5001, "reason": "duplicate"},
                         format="json").status_code == 409
    assert reviewer.post(url, {"claim_line": line.pk, "amount": 5000, "reason": "duplicate"},
                         format="json").status_code == 201


def test_a_line_of_another_invoice_cannot_be_deducted_here(under_review):
    reviewer, invoice = under_review
    other = ClaimLine.objects.exclude(claim__scheme__code="IHIO-GOV").first()
    response = reviewer.post(f"/api/v1/invoices/{invoice.pk}/deductions",
                             {"claim_line": other.pk, "amount": 1, "reason": "duplicate"},
                             format="json")
    assert response.status_code == 400


def test_each_side_sees_only_its_invoices(accepted, api_as):
    _generate()
    sso = Invoice.objects.get(scheme__code="SSO-GEN")
    ihio = Invoice.objects.get(scheme__code="IHIO-GOV")
    reviewer = api_as("reviewer")  # IHIO's
    assert reviewer.get(f"/api/v1/invoices/{sso.pk}").status_code == 404
    assert [i["scheme"]["code"] for i in reviewer.get("/api/v1/invoices").json()] == [
        "IHIO-GOV"]
    assert api_as("pharmacy2").get(f"/api/v1/invoices/{ihio.pk}").status_code == 404
    assert api_as("patient").get("/api/v1/invoices").status_code == 403
    assert reviewer.post(f"/api/v1/invoices/{sso.pk}/status", {"status": "under_review"},
                         format="json").status_code == 404


def test_the_csv_lists_every_line_and_the_totals(accepted):
    _generate()
    invoice = Invoice.objects.get(scheme__code="IHIO-GOV")
    response = accepted.get(f"/api/v1/invoices/{invoice.pk}.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = response.content.decode().splitlines()
    assert rows[0].startswith("claim_line,service_date,tracking_code")
    assert len(rows) == 1 + 2 + 2  # header, two lines, blank, totals
    assert rows[-1] == "period,1405-08,claimed,70000,deductions,0,payable,70000"


@pytest.mark.pdf
def test_the_pdf_is_persian_with_the_period_and_amounts(accepted):
    from pypdf import PdfReader

    _generate()
    invoice = Invoice.objects.get(scheme__code="IHIO-GOV")
    response = accepted.get(f"/api/v1/invoices/{invoice.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "داروخانه رازی" in text and "کارکنان دولت" in text
    # Jalali dates and Persian amounts (the period itself comes out in visual order)
    assert "۱۴۰۵/۰۸/۱۰" in text and "۳۵٬۰۰۰" in text and "PARA-500-TAB" in text


def test_month_end_generates_only_on_the_last_day(accepted):
    assert invoicing.month_end_generate(dt.date(2026, 11, 20)) is None  # 1405-08-29
    report = invoicing.month_end_generate(dt.date(2026, 11, 21))  # 1405-08-30, Aban's last
    assert report.period == "1405-08" and report.created == 3


def test_an_empty_invoice_cannot_be_submitted(accepted):
    _generate()
    invoice = Invoice.objects.get(scheme__code="IHIO-GOV")
    Claim.objects.filter(scheme__code="IHIO-GOV").update(status="rejected")
    _generate()
    invoice.refresh_from_db()
    assert invoice.claims_count == 0
    with pytest.raises(Exception) as error:
        invoicing.invoice_status_set(actor=accepted_membership(), invoice=invoice,
                                     status="submitted")
    assert "سندی ندارد" in str(error.value)


def test_the_whole_round_trip_through_the_api(written, api_as,
                                              django_capture_on_commit_callbacks):
    """Dispensed → claimed → sent → accepted → invoiced → submitted → deducted → approved →
    paid, and the pharmacy reads the deduction: every step an endpoint of the contract."""
    from django.utils import timezone

    pharmacy, reviewer = api_as("pharmacy"), api_as("reviewer")
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    assert pharmacy.post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                         {"lines": [{"item": rx["items"][0]["id"], "quantity": 20,
                                     "uid": uid(50)}]}, format="json").status_code == 201
    today = timezone.localdate().isoformat()
    body = {"from": today, "to": today, "schemes": ["IHIO-GOV"]}
    assert pharmacy.post("/api/v1/claims/add-unsent", body, format="json").json()["added"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        job = pharmacy.post("/api/v1/claims/send", body, format="json").json()["job"]
    assert pharmacy.get(f"/api/v1/jobs/{job['id']}").json()["accepted"] == 1
    claim = pharmacy.get("/api/v1/claims", {"from": today, "to": today}).json()["results"][0]
    assert claim["status"] == "accepted"
    period = invoicing.month_of(timezone.localdate()).label
    _generate(period)
    invoice = pharmacy.get("/api/v1/invoices", {"period": period}).json()[0]
    url = f"/api/v1/invoices/{invoice['id']}"
    assert pharmacy.post(f"{url}/status", {"status": "submitted"}, format="json"
                         ).status_code == 200
    assert reviewer.post(f"{url}/status", {"status": "under_review"}, format="json"
                         ).status_code == 200
    line = reviewer.get(url).json()["lines"][0]
    assert line["insurer_share"] == 350000
    assert reviewer.post(f"{url}/deductions", {"claim_line": line["claim_line"],
                                               "amount": 50000, "reason": "other",
                                               "note": "بسته ناقص"}, format="json"
                         ).status_code == 201
    for step in ("approved", "paid"):
        assert reviewer.post(f"{url}/status", {"status": step}, format="json"
                             ).status_code == 200
    seen = pharmacy.get(url).json()
    assert (seen["status"], seen["claimed"], seen["deductions"], seen["payable"]) == (
        "paid", 350000, 50000, 300000)
    assert seen["lines"][0]["reason"] == "other" and seen["lines"][0]["deduction"] == 50000
