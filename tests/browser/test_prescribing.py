
import pytest
from playwright.sync_api import expect

from prescriptions.models import Prescription
from tests.browser.conftest import open_next_patient, sign_in
from tests.conftest import DEMO

pytestmark = pytest.mark.browser


def test_reception_admits_and_doctor_prescribes_two_drugs(page, new_page, live_demo, outbox):
    # the receptionist admits Ali into Dr Ahmadi's queue at درمانگاه شفا
    sign_in(page, outbox, DEMO["reception"])
    page.wait_for_url("**/reception/")
    page.get_by_label("کد ملی، کد فیدا یا شناسه یکتای بیمار").fill(DEMO["patient"][0])
    page.get_by_label("پزشک").select_option(label="سارا احمدی (پزشک عمومی)")
    page.get_by_role("button", name="پذیرش", exact=True).click()
    assert "پذیرش شد" in page.get_by_role("status").first.inner_text()

    # the doctor signs in, picks درمانگاه شفا, opens the visit from the queue
    doctor = new_page()
    sign_in(doctor, outbox, DEMO["doctor"], facility="درمانگاه شفا")
    doctor.wait_for_url("**/doctor/")
    doctor.get_by_role("link", name="علی رستمی").click()
    doctor.wait_for_url("**/doctor/visits/*/")

    search = doctor.get_by_label("جستجوی دارو (نام فارسی یا لاتین)")
    search.fill("آموکسی")
    doctor.locator(".catalog-pick", has_text="آموکسی‌سیلین").filter(has_not_text="برند").click()
    doctor.get_by_label("تعداد").last.fill("20")
    # the second drug by keyboard alone: type, Enter picks the first result
    search.fill("استامینوفن")
    doctor.locator("#results-drug .catalog-pick").first.wait_for()
    search.press("Enter")
    quantity = doctor.get_by_label("تعداد").last
    quantity.fill("10")
    quantity.press("Enter")

    split = doctor.get_by_test_id("cost-split")
    split.wait_for()
    expect(doctor.get_by_test_id("total")).to_contain_text("۵۵۰٬۰۰۰")
    assert doctor.get_by_test_id("insurer-share").inner_text() == "۳۸۵٬۰۰۰"
    assert doctor.get_by_test_id("patient-share").inner_text() == "۱۶۵٬۰۰۰"
    assert doctor.get_by_test_id("rules-ok").is_visible()

    doctor.get_by_test_id("register-drug").click()
    message = doctor.get_by_test_id("message-tracking")
    message.wait_for()
    prescription = Prescription.objects.get()
    assert prescription.tracking_code in message.inner_text()
    assert [(i.code, i.quantity) for i in prescription.items.all()] == [
        ("AMOX-500-CAP", 20), ("PARA-500-TAB", 10)]
    assert doctor.get_by_test_id("tracking-code").first.inner_text() == prescription.tracking_code


def test_another_doctor_sees_the_current_medicines_and_writes_a_structured_dose(
        page, live_demo, outbox):
    from accounts.models import Membership
    from prescriptions import services

    ahmadi = Membership.objects.get(user__national_code=DEMO["doctor"][0],
                                    facility__name="درمانگاه شفا")
    karimi = Membership.objects.get(user__national_code=DEMO["cardiologist"][0])
    visit = services.visit_admit(actor=ahmadi, national_code=DEMO["patient"][0]).visit
    services.prescription_create(doctor=ahmadi, visit=visit, kind="drug",
                                 items=[{"code": "WARF-5-TAB", "quantity": 30}])
    services.visit_admit(actor=karimi, national_code=DEMO["patient"][0])
    sign_in(page, outbox, DEMO["cardiologist"])
    open_next_patient(page)
    search = page.get_by_label("جستجوی دارو (نام فارسی یا لاتین)")
    search.press_sequentially("brufen")  # a brand name finds ibuprofen
    page.locator("#results-drug .catalog-pick").first.wait_for()
    search.press("Enter")
    page.keyboard.type("20")
    page.keyboard.press("Enter")
    reject = page.locator("[data-testid=rule-result][data-level=reject]")
    expect(reject).to_contain_text("وارفارین")
    expect(reject).not_to_contain_text("احمدی")
    page.get_by_role("button", name="حذف این قلم").click()
    search.press_sequentially("پارا")
    page.locator("#results-drug .catalog-pick").first.wait_for()
    search.press("Enter")
    page.keyboard.type("20")
    page.get_by_label("مقدار هر نوبت").fill("1")
    page.get_by_label("دفعات مصرف").select_option("q8h")
    page.get_by_label("زمان مصرف").select_option("after_food")
    expect(page.get_by_test_id("rules-ok")).to_be_visible()
    page.get_by_test_id("register-drug").click()
    page.get_by_test_id("message-tracking").wait_for()
    item = Prescription.objects.get(doctor=karimi).items.get()
    assert item.dosage == "هر ۸ ساعت، هر بار ۱ قرص، بعد از غذا"
