"""A pharmacy cut off from the site serves from the paper copy's QR and the services sync
when the site is back; one of them was served elsewhere meanwhile and shows as a conflict."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from paper import payload
from pharmacy.models import Dispense, PaperDispense
from prescriptions.models import Prescription
from tests.browser.conftest import sign_in
from tests.browser.test_fulfilment import _write
from tests.conftest import DEMO

pytestmark = pytest.mark.browser


def _copy(items):
    """A prescription printed yesterday, and the text of the QR read off its paper copy."""
    from paper import documents
    from tests.paper.test_paper_copy import codes_on

    rx = _write("drug", items)
    Prescription.objects.filter(pk=rx.pk).update(issued_at=timezone.now() - dt.timedelta(days=1))
    token = codes_on(documents.paper_pdf(Prescription.objects.get(pk=rx.pk)))["QRCode"]
    # ECDSA signatures differ each time; what they sign does not
    assert token.split(".")[1] == payload.issue(Prescription.objects.get(pk=rx.pk)).split(".")[1]
    return rx, token


def _serve(page, token, uids_by_row):
    page.get_by_test_id("qr-text").fill(token)
    page.get_by_test_id("qr-text").press("Enter")
    expect(page.get_by_test_id("serve-form")).to_be_visible()
    for index, uids in enumerate(uids_by_row):
        page.locator(f"#uids-{index}").fill("\n".join(uids))
    page.get_by_test_id("paper-record").click()
    expect(page.get_by_test_id("serve-form")).to_be_hidden()


def test_serving_from_paper_offline_and_syncing_back(page, live_demo, outbox):
    ali, ali_token = _copy([{"code": "PARA-500-TAB", "quantity": 30}])
    other, other_token = _copy([{"code": "ASA-80-TAB", "quantity": 30}])
    sign_in(page, outbox, DEMO["pharmacy"])
    page.wait_for_url("**/fulfil/")
    page.get_by_test_id("offline-link").click()
    page.wait_for_url("**/fulfil/offline/")
    expect(page.get_by_test_id("connection")).to_contain_text("برقرار")
    # the service worker has taken the page and the site's keys into its cache
    # functions, not expressions: polling a string expression means eval, which the CSP refuses
    page.wait_for_function("() => navigator.serviceWorker.controller !== null || "
                           "navigator.serviceWorker.ready.then(() => true)")
    page.evaluate("navigator.serviceWorker.ready")
    page.wait_for_function("() => localStorage.getItem('noskhe-paper-keys') !== null")
    page.reload()  # now controlled by the worker
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    page.context.set_offline(True)
    page.reload()  # served from the worker's cache with no network at all
    expect(page.get_by_test_id("page-title")).to_contain_text("تحویل از نسخه کاغذی")
    expect(page.get_by_test_id("connection")).to_contain_text("قطع")

    # a tampered copy is refused on the spot
    page.get_by_test_id("qr-text").fill(ali_token[:-8] + "AAAAAAAA")
    page.get_by_test_id("qr-text").press("Enter")
    expect(page.get_by_test_id("scan-error")).to_contain_text("امضا")

    _serve(page, ali_token, [["6260000000000101", "6260000000000102"]])
    expect(page.get_by_test_id("paper-patient")).to_have_count(1)
    _serve(page, other_token, [["6260000000000103"]])
    states = page.get_by_test_id("offline-state")
    expect(states).to_have_count(2)
    expect(states.first).to_contain_text("در انتظار")
    # the same copy again on this device is refused
    page.get_by_test_id("qr-text").fill(ali_token)
    page.get_by_test_id("qr-text").press("Enter")
    expect(page.get_by_test_id("scan-error")).to_contain_text("پیش‌تر")
    assert Dispense.objects.count() == 0

    # meanwhile another pharmacy served the second prescription online
    from pharmacy import services as pharmacy_services
    from tests.conftest import membership_of

    sina = membership_of(DEMO["pharmacy2"][0])
    item = other.items.get()
    pharmacy_services.dispense_record(membership=sina, prescription=other, lines=[
        {"item": item.pk, "quantity": 30, "uid": "6260000000000199"}])

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.get_by_test_id("connection")).to_contain_text("برقرار", timeout=20_000)
    expect(page.locator("[data-testid=offline-state]", has_text="همگام شد")).to_have_count(1)
    expect(page.locator("[data-testid=offline-state]", has_text="مغایرت")).to_have_count(1)

    synced = Dispense.objects.get(prescription=ali)
    assert synced.paper is True and synced.membership.user.national_code == DEMO["pharmacy"][0]
    assert sorted(line.uid for line in synced.lines.all()) == ["6260000000000101",
                                                              "6260000000000102"]
    conflict = PaperDispense.objects.get(status="conflict")
    assert conflict.prescription_id == other.pk
    assert Dispense.objects.filter(prescription=other).count() == 1  # Sina's alone

    # syncing again changes nothing
    page.get_by_test_id("sync-now").click()
    page.wait_for_timeout(500)
    assert Dispense.objects.count() == 2 and PaperDispense.objects.count() == 2
