"""Issue 12 in the browser: reception picks one of two covers, a GP refers and the
specialist then sees the patient covered, the doctor swaps a brand for its generic from
the cost proposal, and the insurer's reviewer unlocks and reads a history in the admin."""

import pytest
from playwright.sync_api import expect

from accounts.models import Membership
from prescriptions.models import Prescription, Referral, Visit
from tests.browser.conftest import open_alis_visit, open_next_patient, sign_in
from tests.conftest import DEMO

pytestmark = pytest.mark.browser

CODE_FIELD = "کد ملی، کد فیدا یا شناسه یکتای بیمار"


def _admit(page, national_code: str, doctor: str) -> None:
    page.get_by_label(CODE_FIELD).fill(national_code)
    page.get_by_label("پزشک").select_option(label=doctor)
    page.get_by_role("button", name="پذیرش", exact=True).click()


def test_reception_admits_neda_and_picks_one_of_her_two_covers(page, live_demo, outbox):
    sign_in(page, outbox, DEMO["reception"])
    page.wait_for_url("**/reception/")
    _admit(page, DEMO["covered_twice"][0], "سارا احمدی (پزشک عمومی)")
    choice = page.get_by_test_id("cover-choice")
    expect(choice).to_contain_text("بیمه‌شدگان عام")
    expect(choice).to_contain_text("کارکنان دولت")
    choice.get_by_label("بیمه‌شدگان عام", exact=False).check()
    page.get_by_role("button", name="پذیرش", exact=True).click()
    expect(page.get_by_text("پذیرش شد")).to_be_visible()
    assert Visit.objects.get(patient__national_code=DEMO["covered_twice"][0]).scheme.code == \
        "SSO-GEN"


def test_dr_ahmadi_refers_zahra_and_dr_karimi_then_sees_her_covered(
        page, new_page, live_demo, outbox):
    reception = page
    sign_in(reception, outbox, DEMO["reception"])
    reception.wait_for_url("**/reception/")
    _admit(reception, DEMO["referred"][0], "سارا احمدی (پزشک عمومی)")
    gp = new_page()
    sign_in(gp, outbox, DEMO["doctor"], facility="درمانگاه شفا")
    open_next_patient(gp)
    refer = gp.get_by_test_id("refer")
    refer.get_by_label("تخصص").select_option(label="قلب و عروق")
    refer.get_by_label("علت ارجاع").fill("تپش قلب")
    refer.get_by_role("button", name="ارجاع").click()
    expect(gp.get_by_text("با کد")).to_be_visible()
    referral = Referral.objects.get()
    Visit.objects.update(status="done")  # Dr Ahmadi confirmed the visit
    reception.reload()
    _admit(reception, DEMO["referred"][0], "رضا کریمی (قلب و عروق)")
    expect(reception.get_by_text("پذیرش شد")).to_be_visible()
    specialist = new_page()
    sign_in(specialist, outbox, DEMO["cardiologist"])
    specialist.wait_for_url("**/doctor/")
    row = specialist.get_by_test_id("visit-row").first
    expect(row).to_contain_text("روستایی")
    referral.refresh_from_db()
    assert referral.status == "used"


def test_the_doctor_swaps_the_brand_for_the_generic_from_the_suggestion(
        page, live_demo, outbox):
    open_alis_visit(page, outbox).fill("آموکسی")
    page.locator(".catalog-pick", has_text="برند").click()
    page.get_by_label("تعداد").last.fill("10")
    page.get_by_label("تعداد").last.press("Enter")
    suggestion = page.get_by_test_id("suggestion")
    expect(suggestion).to_contain_text("۲۰۰٬۰۰۰")
    expect(page.get_by_test_id("patient-share")).to_have_text("۲۷۵٬۰۰۰")
    suggestion.get_by_role("button", name="جایگزینی").click()
    expect(page.get_by_test_id("patient-share")).to_have_text("۷۵٬۰۰۰")
    expect(page.get_by_test_id("suggestion")).to_have_count(0)
    page.get_by_test_id("register-drug").click()
    page.get_by_test_id("message-tracking").wait_for()
    assert [i.code for i in Prescription.objects.get().items.all()] == ["AMOX-500-CAP"]


def test_the_reviewer_unlocks_and_reads_a_history_in_the_admin(page, live_demo, outbox):
    from prescriptions import services

    reception = Membership.objects.get(user__national_code=DEMO["reception"][0])
    shafa = Membership.objects.get(user__national_code=DEMO["doctor"][0],
                                   facility__name="درمانگاه شفا")
    visit = services.visit_admit(actor=reception, national_code=DEMO["patient"][0],
                                 doctor_id=shafa.pk).visit
    rx = services.prescription_create(doctor=shafa, visit=Visit.objects.select_related(
        "patient").get(pk=visit.pk), kind="drug", items=[{"code": "PARA-500-TAB",
                                                           "quantity": 10}])
    sign_in(page, outbox, DEMO["reviewer"])
    page.goto("/admin/")
    page.get_by_role("link", name="سوابق بیمار").click()
    page.get_by_role("button", name="پیامک کد").click()
    page.get_by_label("کد پیامک‌شده").fill(outbox.last_code(DEMO["reviewer"][1],
                                                            purpose="history"))
    page.get_by_role("button", name="باز کردن سوابق").click()
    page.get_by_label("کد ملی بیمه‌شده").fill(DEMO["patient"][0])
    page.get_by_role("button", name="نمایش سوابق").click()
    expect(page.get_by_test_id("insurer-history")).to_contain_text(rx.tracking_code)
    expect(page.get_by_test_id("insurer-history")).to_contain_text("علی رستمی")
