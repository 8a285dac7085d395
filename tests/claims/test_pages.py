"""The facility's claims screen and connection settings pages."""

from django.utils import timezone

from accounts.jalali import jalali_date
from claims.models import Claim, Connection
from tests.pharmacy.conftest import uid


def _dispense(written, api_as):
    rx = written([{"code": "PARA-500-TAB", "quantity": 10}])
    api_as("pharmacy").post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense",
                            {"lines": [{"item": rx["items"][0]["id"], "quantity": 10,
                                        "uid": uid(1)}]}, format="json")
    return rx


def _range():
    today = jalali_date(timezone.localdate())
    return {"date_from": today, "date_to": today}


def test_the_screen_lists_funds_with_codes_and_the_months_claims(written, api_as, page_as):
    rx = _dispense(written, api_as)
    page = page_as("pharmacy").get("/claims/").content.decode()
    assert "۰۴ کارکنان دولت ۳۰٪" in page and "۰۷ روستایی ۴۰٪" in page
    assert rx["tracking_code"] in page and "ارسال نشده" in page
    assert "۳۵٬۰۰۰" in page  # the insurer's share asked for


def test_add_then_send_from_the_page(written, api_as, page_as, django_capture_on_commit_callbacks):
    _dispense(written, api_as)
    client = page_as("pharmacy")
    form = {**_range(), "schemes": ["IHIO-GOV"]}
    response = client.post("/claims/add-unsent", form, follow=True)
    assert "۱ سند به فهرست ارسال افزوده شد" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/claims/send", form)
    assert response.status_code == 302 and "job=" in response.url
    page = client.get(response.url).content.decode()
    assert 'data-testid="job"' in page and "پذیرفته" in page
    assert Claim.objects.get().status == "accepted"


def test_a_send_without_funds_or_with_a_bad_range_says_why(written, api_as, page_as):
    _dispense(written, api_as)
    client = page_as("pharmacy")
    response = client.post("/claims/send", _range(), follow=True)
    assert "دست‌کم یک صندوق" in response.content.decode()
    response = client.post("/claims/send", {"date_from": "۱۴۰۵/۰۹/۳۰", "date_to": "۱۴۰۵/۰۹/۰۱",
                                            "schemes": ["IHIO-GOV"]}, follow=True)
    assert "تاریخ شروع بعد از تاریخ پایان" in response.content.decode()


def test_a_send_without_connection_settings_points_to_them(written, api_as, page_as):
    _dispense(written, api_as)
    Connection.objects.filter(insurer__code="IHIO").delete()
    response = page_as("pharmacy").post("/claims/send", {**_range(), "schemes": ["IHIO-GOV"]},
                                        follow=True)
    assert "تنظیمات اتصال به بیمه‌گران" in response.content.decode()
    assert "بیمه سلامت ایران" in response.content.decode()


def test_connection_settings_keep_the_password_secret(demo, page_as):
    client = page_as("pharmacy")
    page = client.get("/claims/connections/").content.decode()
    assert "demo-20000001" not in page and "ثبت شده؛ برای تغییر وارد کنید" in page
    response = client.post("/claims/connections/SSO/save", {
        "SSO-username": "razi-new", "SSO-password": "", "SSO-terminal": "T99",
        "SSO-technical_officer": "123456"}, follow=True)
    assert "ثبت شد" in response.content.decode()
    connection = Connection.objects.get(facility__name="داروخانه رازی", insurer__code="SSO")
    assert (connection.username, connection.terminal) == ("razi-new", "T99")
    assert connection.password() == "demo-20000001"  # a blank password keeps the stored one
    response = client.post("/claims/connections/SSO/check", follow=True)
    assert "اتصال برقرار است" in response.content.decode()


def test_other_roles_cannot_open_the_claims_pages(demo, page_as):
    for who in ("patient", "reception", "reviewer"):
        assert page_as(who).get("/claims/").status_code == 403
        assert page_as(who).get("/claims/connections/").status_code == 403


def test_the_screen_runs_the_same_queries_for_1_and_60_claims(written, api_as, page_as,
                                                              django_assert_max_num_queries):
    from claims.models import ClaimLine

    _dispense(written, api_as)
    client = page_as("pharmacy")
    with django_assert_max_num_queries(20) as one:
        client.get("/claims/")
    baseline = len(one.captured_queries)
    claim = Claim.objects.get()
    for n in range(59):
        copy = Claim.objects.create(**{f.name: getattr(claim, f.name) for f in Claim._meta.fields
                                       if f.name not in ("id", "source")}, source=f"copy:{n}")
        ClaimLine.objects.create(claim=copy, code="PARA-500-TAB", quantity=1, unit_price=5000,
                                 total=5000, insurer_share=3500, patient_share=1500)
    with django_assert_max_num_queries(baseline):
        page = client.get("/claims/").content.decode()
    assert page.count('data-testid="claim-row"') == 50 and "بعدی" in page


def test_the_facility_sees_its_invoices_deductions_and_submits(written, api_as, page_as):
    import datetime as dt

    from claims import invoicing
    from claims.models import ClaimLine, Invoice
    from tests.conftest import DEMO, membership_of

    _dispense(written, api_as)
    Claim.objects.update(status="accepted", service_date=dt.date(2026, 11, 1))
    invoicing.invoices_generate(period="1405-08")
    invoice = Invoice.objects.get()
    client = page_as("pharmacy")
    page = client.get("/claims/invoices/").content.decode()
    assert "۱۴۰۵-۰۸" in page and "<svg" in page
    response = client.post(f"/claims/invoices/{invoice.pk}/", follow=True)
    assert "ارسال شد" in response.content.decode()
    reviewer = membership_of(DEMO["reviewer"][0])
    invoicing.invoice_status_set(actor=reviewer, invoice=invoice, status="under_review")
    invoicing.deduction_add(actor=reviewer, invoice=invoice,
                            claim_line=ClaimLine.objects.get().pk, amount=2000,
                            reason="duplicate")
    page = client.get(f"/claims/invoices/{invoice.pk}/").content.decode()
    assert 'data-testid="deducted-line"' in page and "تکراری" in page
    assert "۳۳٬۰۰۰" in page  # 35000 claimed, 2000 deducted
    assert page_as("pharmacy2").get(f"/claims/invoices/{invoice.pk}/").status_code == 404
