"""The doctor's signature made in the browser (WebCrypto) and verified by the site; the
patient then prints a signed paper copy whose QR carries the doctor's signature."""

import json

import pytest
from playwright.sync_api import expect

from accounts.models import DoctorKey
from prescriptions import services
from prescriptions.models import Prescription
from tests.browser.conftest import sign_in
from tests.conftest import DEMO, membership_of

pytestmark = pytest.mark.browser


def test_a_key_made_in_the_browser_signs_each_prescription(page, new_page, live_demo, outbox):
    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    visit = services.visit_admit(actor=membership_of(DEMO["reception"][0]),
                                 national_code=DEMO["patient"][0], doctor_id=shafa.pk).visit
    sign_in(page, outbox, DEMO["doctor"], facility="درمانگاه شفا")
    page.wait_for_url("**/doctor/")
    page.goto(f"/doctor/visits/{visit.pk}/")
    panel = page.get_by_test_id("signing-panel")
    expect(panel).to_contain_text("فعال نیست")
    page.get_by_test_id("signing-create").click()
    expect(panel).to_contain_text("با کلید این مرورگر امضا")
    key = DoctorKey.objects.get(membership=shafa)
    assert key.active and "BEGIN PUBLIC KEY" in key.public_key
    # the private key stays in the browser: not extractable
    extractable = page.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open("noskhe-signing", 1);
        open.onsuccess = () => {
          const get = open.result.transaction("keys").objectStore("keys").get(
            document.querySelector("[data-signing]").dataset.membership);
          get.onsuccess = () => resolve(get.result.privateKey.extractable);
        };
      })""")
    assert extractable is False

    search = page.get_by_label("جستجوی دارو (نام فارسی یا لاتین)")
    search.fill("استامینوفن")
    page.locator("#results-drug .catalog-pick").first.wait_for()
    search.press("Enter")
    page.get_by_label("تعداد").last.fill("10")
    page.get_by_label("توضیحات").last.fill("با آب")
    page.get_by_test_id("register-drug").click()
    page.get_by_test_id("message-tracking").wait_for()
    prescription = Prescription.objects.get()
    assert prescription.signed and prescription.signature_key == key
    content = json.loads(prescription.signed_content)
    assert content["items"] == [{"code": "PARA-500-TAB", "quantity": 10, "dosage": "",
                                 "instructions": "با آب"}]
    expect(page.get_by_test_id("signed").first).to_be_visible()

    # an edit is signed again
    page.get_by_role("link", name="ویرایش").first.click()
    page.get_by_label("تعداد").last.fill("12")
    page.get_by_test_id("register-drug").click()
    page.get_by_test_id("message-tracking").wait_for()
    prescription.refresh_from_db()
    assert prescription.version == 2 and prescription.signed
    assert json.loads(prescription.signed_content)["items"][0]["quantity"] == 12

    # the patient prints a signed paper copy (the PDF is checked in tests/paper)
    patient = new_page()
    sign_in(patient, outbox, DEMO["patient"])
    patient.wait_for_url("**/patient/")
    expect(patient.get_by_text("امضای دیجیتال پزشک")).to_be_visible()
    link = patient.get_by_test_id("paper-link").first
    response = patient.request.get(link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"

    # revoked: the page says so and the next prescription goes unsigned
    page.goto(f"/doctor/visits/{visit.pk}/")
    page.get_by_test_id("signing-revoke").click()
    expect(panel).to_contain_text("فعال نیست")
    key.refresh_from_db()
    assert not key.active
