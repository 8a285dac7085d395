"""The counter pages: lookup, dispense, receipt, results."""

from pharmacy.models import Dispense
from prescriptions.models import Prescription
from tests.conftest import DEMO
from tests.pharmacy.conftest import uid


def test_lookup_shows_open_drug_prescriptions_with_todays_share(written, page_as):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    written([{"code": "LAB-CBC", "quantity": 1}], kind="lab")
    html = page_as("pharmacy").get("/fulfil/", {"q": DEMO["patient"][0]}).content.decode()
    assert rx["tracking_code"] in html and "شمارش کامل" not in html
    assert "۱۵۰٬۰۰۰" in html  # 20 × 25000 × 30 %


def test_lookup_by_tracking_code(written, page_as):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    html = page_as("pharmacy").get("/fulfil/", {"q": rx["tracking_code"].lower()}).content.decode()
    assert html.count('data-testid="open-prescription"') == 1


def test_lookup_with_an_invalid_national_code_says_so(written, page_as):
    response = page_as("pharmacy").get("/fulfil/", {"q": "1234567890"})
    assert response.status_code == 400
    assert "کد ملی معتبر نیست" in response.content.decode()


def test_dispense_part_then_the_rest_from_the_page(written, page_as):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    item = rx["items"][0]["id"]
    client = page_as("pharmacy")
    page = client.get(f"/fulfil/{rx['tracking_code']}/").content.decode()
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    response = client.post(f"/fulfil/{rx['tracking_code']}/", {
        f"quantity-{item}": "10", f"uids-{item}": f"{uid(1)}\n{uid(2)}", "idempotency_key": key,
        "started_at": "2026-11-22T10:00:00+03:30"})
    assert response.status_code == 302
    dispense = Dispense.objects.get()
    assert [(line.quantity, line.uid) for line in dispense.lines.order_by("id")] == [
        (5, uid(1)), (5, uid(2))]
    # a double submit of the same form does not dispense twice
    again = client.post(f"/fulfil/{rx['tracking_code']}/", {
        f"quantity-{item}": "10", f"uids-{item}": f"{uid(1)}\n{uid(2)}", "idempotency_key": key})
    assert again.status_code == 302 and Dispense.objects.count() == 1
    receipt = client.get(response.url).content.decode()
    assert "بیمار می‌پردازد" in receipt and "۷۵٬۰۰۰" in receipt
    client.post(f"/fulfil/{rx['tracking_code']}/", {f"quantity-{item}": "10",
                                                    "idempotency_key": "second"})
    assert Prescription.objects.get().status == "dispensed"


def test_over_dispense_on_the_page_shows_the_error(written, page_as):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    item = rx["items"][0]["id"]
    response = page_as("pharmacy").post(f"/fulfil/{rx['tracking_code']}/", {
        f"quantity-{item}": "25", "idempotency_key": "x1"})
    assert response.status_code == 409
    assert "باقی‌مانده" in response.content.decode()
    assert Dispense.objects.count() == 0


def test_malformed_pack_code_on_the_page(written, page_as):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    item = rx["items"][0]["id"]
    response = page_as("pharmacy").post(f"/fulfil/{rx['tracking_code']}/", {
        f"quantity-{item}": "5", f"uids-{item}": "12345", "idempotency_key": "x2"})
    assert response.status_code == 409 or response.status_code == 400
    assert "۱۶ رقم" in response.content.decode()
    assert Dispense.objects.count() == 0


def test_lab_records_a_result_from_the_page(written, page_as, api_as):
    rx = written([{"code": "LAB-FBS", "quantity": 1}], kind="lab")
    item = rx["items"][0]["id"]
    client = page_as("lab")
    assert "قند خون ناشتا" in client.get(f"/fulfil/{rx['tracking_code']}/").content.decode()
    response = client.post(f"/fulfil/{rx['tracking_code']}/items/{item}/result", {
        "name": "FBS", "value": "95", "unit": "mg/dL", "reference_range": "70-100"}, follow=True)
    assert "نتیجه ثبت شد" in response.content.decode()
    result = Prescription.objects.get().items.get().result
    assert result["flag"] == "normal" and result["value"] == "95"


def test_pharmacy_page_for_a_lab_order_is_404(written, page_as):
    rx = written([{"code": "LAB-FBS", "quantity": 1}], kind="lab")
    assert page_as("pharmacy").get(f"/fulfil/{rx['tracking_code']}/").status_code == 404
