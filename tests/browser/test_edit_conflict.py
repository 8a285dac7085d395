"""Two tabs edit one prescription: the second save is refused in Persian and the first
edit stands (If-Match on the page: the edit form sends the version it was drawn from)."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect
from rest_framework.test import APIClient

from prescriptions.models import Prescription
from tests.browser.conftest import sign_in
from tests.conftest import DEMO, membership_of
from tests.conftest import sign_in as api_sign_in

pytestmark = pytest.mark.browser


def test_a_stale_tab_is_told_the_prescription_changed(new_page, live_demo, outbox):
    reception, doctor_api = APIClient(), APIClient()
    api_sign_in(reception, outbox, DEMO["reception"])
    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    api_sign_in(doctor_api, outbox, DEMO["doctor"], shafa)
    visit = reception.post("/api/v1/visits", {"national_code": DEMO["patient"][0],
                                              "doctor": shafa.pk}, format="json").json()
    code = doctor_api.post("/api/v1/prescriptions", {
        "visit": visit["id"], "kind": "drug",
        "items": [{"code": "AMOX-500-CAP", "quantity": 20}]}, format="json").json()[
        "tracking_code"]

    cache.clear()  # the API sign-in's resend cooldown
    first = new_page()
    sign_in(first, outbox, DEMO["doctor"], facility="درمانگاه شفا")
    first.wait_for_url("**/doctor/")
    second = first.context.new_page()  # another tab of the same doctor
    for tab in (first, second):
        tab.goto(f"/doctor/prescriptions/{code}/edit")
        expect(tab.get_by_role("heading", name="ویرایش نسخه")).to_be_visible()

    first.get_by_label("تعداد").last.fill("12")
    first.get_by_test_id("register-drug").click()
    expect(first.get_by_test_id("message-tracking")).to_contain_text(code)

    second.get_by_label("تعداد").last.fill("7")
    second.get_by_test_id("register-drug").click()
    expect(second.get_by_role("alert").first).to_contain_text("در این فاصله تغییر کرده است")

    prescription = Prescription.objects.get(tracking_code=code)
    assert prescription.version == 2 and prescription.items.get().quantity == 12
