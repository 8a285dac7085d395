"""The money half end to end in the browser: a prescription dispensed at the counter is
claimed, sent (a real worker, the progress bar moving), accepted, invoiced, submitted,
deducted by the insurer's reviewer in the admin and seen deducted by the pharmacy."""

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Facility, Patient
from claims.invoicing import month_of
from claims.models import Claim, ClaimLine, Invoice, Scheme
from tests.browser.test_fulfilment import _write
from tests.claims.fake_insurer import FakeInsurer
from tests.conftest import DEMO

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.postgres]


def _more_claims(count: int) -> None:
    """Earlier services of this month at the same pharmacy, not sent yet."""
    razi = Facility.objects.get(name="داروخانه رازی")
    scheme = Scheme.objects.get(code="IHIO-GOV")
    patient = Patient.objects.get(national_code=DEMO["patient"][0])
    claims = Claim.objects.bulk_create(
        Claim(facility=razi, scheme=scheme, patient=patient, source=f"earlier:{n}:IHIO-GOV",
              tracking_code=f"E{n:09d}", hid=f"{2 * 10**13 + n}",
              service_date=timezone.localdate(), total=5000, insurer_share=3500,
              patient_share=1500, amount=3500) for n in range(count))
    ClaimLine.objects.bulk_create(
        ClaimLine(claim=c, code="PARA-500-TAB", quantity=1, unit_price=5000, total=5000,
                  insurer_share=3500, patient_share=1500, amount=3500, uid=f"{6290 + c.pk:016d}",
                  tracked=True) for c in claims)


def _signed_in(page, who: str) -> None:
    from django.conf import settings as django_settings

    from tests.browser.test_axe import _session_for

    page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME,
                               "value": _session_for(who), "url": page.url if
                               page.url.startswith("http") else _base(page)}])


def _base(page) -> str:
    page.goto("/login/")
    return page.url.rsplit("/login/", 1)[0]


def test_dispensed_claimed_sent_invoiced_deducted_and_seen(page, new_page, live_demo,
                                                           worker_factory, settings):
    rx = _write("drug", [{"code": "PARA-500-TAB", "quantity": 10}])
    _more_claims(24)
    with FakeInsurer(delay=0.4) as insurer:
        settings.INSURER_API_URLS = {"IHIO": insurer.url}
        worker_factory(INSURER_API_URLS=f"IHIO={insurer.url}", CLAIMS_BATCH_SIZE="5")

        # the pharmacist dispenses at the counter (signed in by session: with a worker
        # running, sign-in codes go out through it, which other tests cover)
        _signed_in(page, "pharmacy")
        page.goto(f"/fulfil/{rx.tracking_code}/")
        page.keyboard.type("6260000000000777")
        page.keyboard.press("Enter")
        page.get_by_test_id("dispense").press("Enter")
        page.get_by_test_id("receipt").wait_for()

        # …then sends this month's claims of «۰۴ کارکنان دولت ۳۰٪» and watches them go
        page.get_by_role("link", name="اسناد بیمه").click()
        page.get_by_label("۰۴ کارکنان دولت ۳۰٪").check()
        page.get_by_role("button", name="افزودن نسخه‌های ارسال‌نشده").click()
        expect(page.get_by_text("۲۵ سند به فهرست ارسال افزوده شد")).to_be_visible()
        page.get_by_label("۰۴ کارکنان دولت ۳۰٪").check()
        page.get_by_test_id("claims-send").click()
        bar = page.get_by_role("progressbar", name="پیشرفت ارسال")
        expect(bar).to_be_visible()
        expect(bar).not_to_have_attribute("aria-valuenow", "0", timeout=20_000)
        expect(bar).to_have_attribute("data-status", "running")  # seen moving, not yet done
        expect(page.get_by_test_id("job-text")).to_contain_text("۲۵ از ۲۵", timeout=60_000)
        expect(page.locator("[data-testid=claim-row][data-status=accepted]")).to_have_count(
            25, timeout=20_000)
    assert len(insurer.accepted) == 25

    # the month's invoice, submitted by the pharmacy
    call_command("generate_invoices", "--period", month_of(timezone.localdate()).label,
                 stdout=open("/dev/null", "w"))
    invoice = Invoice.objects.get(scheme__code="IHIO-GOV")
    page.goto(f"/claims/invoices/{invoice.pk}/")
    page.get_by_role("button", name="ارسال صورت‌حساب به بیمه‌گر").click()
    expect(page.get_by_text("صورت‌حساب برای بیمه‌گر ارسال شد")).to_be_visible()

    # the reviewer starts the review, deducts the dispensed line and approves, in the admin
    reviewer = new_page()
    _signed_in(reviewer, "reviewer")
    reviewer.goto("/admin/claims/invoice/")
    reviewer.locator(f"input[name=_selected_action][value=\"{invoice.pk}\"]").check()
    reviewer.get_by_label("اقدام:").select_option(label="شروع رسیدگی")
    reviewer.get_by_role("button", name="برو").click()
    expect(reviewer.get_by_text("به‌روز شد")).to_be_visible()
    line = ClaimLine.objects.get(claim__tracking_code=rx.tracking_code)
    reviewer.goto(f"/admin/claims/invoice/{invoice.pk}/change/")
    reviewer.locator("#id_deduction_set-0-claim_line").fill(str(line.pk))
    reviewer.locator("#id_deduction_set-0-amount").fill("5000")
    reviewer.locator("#id_deduction_set-0-reason").select_option("price_above_tariff")
    reviewer.get_by_role("button", name="ذخیره", exact=True).click()
    reviewer.goto("/admin/claims/invoice/")
    reviewer.locator(f"input[name=_selected_action][value=\"{invoice.pk}\"]").check()
    reviewer.get_by_label("اقدام:").select_option(label="تأیید صورت‌حساب")
    reviewer.get_by_role("button", name="برو").click()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.deductions) == ("approved", 5000)

    # the pharmacy sees it deducted, with nothing re-entered
    page.reload()
    expect(page.get_by_test_id("deducted-line")).to_contain_text("قیمت بیش از تعرفه")
    # 24 earlier × 3500 + the dispense (10 × 5000 × 70 %) − 5000 deducted
    expect(page.get_by_test_id("payable")).to_have_text("۱۱۴٬۰۰۰")
