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


def _key(client, rx) -> tuple[str, str]:
    page = client.get(f"/fulfil/{rx['tracking_code']}/").content.decode()
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    started = page.split('name="started" value="')[1].split('"')[0]
    return key, started


def test_dispense_part_then_the_rest_from_the_page(written, page_as):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    item = rx["items"][0]["id"]
    client = page_as("pharmacy")
    key, started = _key(client, rx)
    form = {f"quantity-{item}": "۱۰", f"uid-{item}": [uid(1)], "idempotency_key": key,
            "started": started}
    response = client.post(f"/fulfil/{rx['tracking_code']}/", form)
    assert response.status_code == 302
    dispense = Dispense.objects.get()
    # a pack of 20 given in part still takes its code, once
    assert [(line.quantity, line.uid) for line in dispense.lines.all()] == [(10, uid(1))]
    assert dispense.hid and dispense.hid != Prescription.objects.get().hid
    # a double submit of the same form does not dispense twice
    again = client.post(f"/fulfil/{rx['tracking_code']}/", form)
    assert again.status_code == 302 and Dispense.objects.count() == 1
    receipt = client.get(response.url).content.decode()
    assert "بیمار می‌پردازد" in receipt and "۷۵٬۰۰۰" in receipt
    client.post(f"/fulfil/{rx['tracking_code']}/", {f"quantity-{item}": "10",
                                                    f"uid-{item}": [uid(2)],
                                                    "idempotency_key": "second"})
    assert Prescription.objects.get().status == "dispensed"


def test_two_packs_need_two_codes_full_pack_first(written, page_as):
    rx = written([{"code": "WARF-5-TAB", "quantity": 45}])  # packs of 30
    item = rx["items"][0]["id"]
    client = page_as("pharmacy")
    page = client.get(f"/fulfil/{rx['tracking_code']}/").content.decode()
    assert page.count(f'name="uid-{item}"') == 3  # two packs + the scanner template
    response = client.post(f"/fulfil/{rx['tracking_code']}/", {
        f"quantity-{item}": "45", f"uid-{item}": [uid(3)], "idempotency_key": "k"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "۲ بسته لازم است و ۱ کد اصالت" in body
    # every typed value is kept after the error
    assert f'value="{uid(3)}"' in body and 'value="۴۵"' in body
    response = client.post(f"/fulfil/{rx['tracking_code']}/", {
        f"quantity-{item}": "45", f"uid-{item}": [uid(3), uid(4)], "idempotency_key": "k"})
    assert response.status_code == 302
    assert [(line.quantity, line.uid) for line in Dispense.objects.get().lines.order_by("id")
            ] == [(30, uid(3)), (15, uid(4))]


def test_a_code_scanned_twice_is_refused_and_kept(written, page_as):
    rx = written([{"code": "WARF-5-TAB", "quantity": 60}])
    item = rx["items"][0]["id"]
    response = page_as("pharmacy").post(f"/fulfil/{rx['tracking_code']}/", {
        f"quantity-{item}": "60", f"uid-{item}": [uid(5), uid(5)], "idempotency_key": "k"})
    assert response.status_code == 400
    assert "دو بار" in response.content.decode()
    assert Dispense.objects.count() == 0


def test_over_dispense_on_the_page_shows_the_error(written, page_as):
    rx = written([{"code": "PARA-500-TAB", "quantity": 5}])
    item = rx["items"][0]["id"]
    response = page_as("pharmacy").post(f"/fulfil/{rx['tracking_code']}/", {
        f"quantity-{item}": "6", f"uid-{item}": [uid(6)], "idempotency_key": "x1"})
    assert response.status_code == 409
    assert "باقی‌مانده" in response.content.decode()
    assert Dispense.objects.count() == 0


def test_malformed_pack_code_on_the_page(written, page_as):
    rx = written([{"code": "AMOX-500-CAP", "quantity": 20}])
    item = rx["items"][0]["id"]
    response = page_as("pharmacy").post(f"/fulfil/{rx['tracking_code']}/", {
        f"quantity-{item}": "5", f"uid-{item}": ["12345"], "idempotency_key": "x2"})
    assert response.status_code == 400
    assert "۱۶ رقم" in response.content.decode()
    assert Dispense.objects.count() == 0


def test_a_missing_code_is_refused_unless_ttac_is_off(written, page_as, settings):
    rx = written([{"code": "PARA-500-TAB", "quantity": 5}])
    item = rx["items"][0]["id"]
    client = page_as("pharmacy")
    response = client.post(f"/fulfil/{rx['tracking_code']}/", {
        f"quantity-{item}": "5", f"uid-{item}": [""], "idempotency_key": "x3"})
    assert response.status_code == 400 and "کد اصالت" in response.content.decode()
    settings.TTAC_REQUIRED = False
    response = client.post(f"/fulfil/{rx['tracking_code']}/", {
        f"quantity-{item}": "5", "idempotency_key": "x3"})
    assert response.status_code == 302
    assert Dispense.objects.get().lines.get().uid == ""


def test_warnings_are_acknowledged_on_the_page_and_recorded(written, page_as):
    from prescriptions import services
    from tests.conftest import membership_of

    karimi = membership_of(DEMO["cardiologist"][0])
    visit = services.visit_admit(actor=karimi, national_code=DEMO["patient"][0]).visit
    services.prescription_create(doctor=karimi, visit=visit, kind="drug",
                                 items=[{"code": "WARF-5-TAB", "quantity": 30}])
    rx = written([{"code": "ASA-80-TAB", "quantity": 30}])  # warning, overridden by the doctor
    item = rx["items"][0]["id"]
    client = page_as("pharmacy")
    page = client.get(f"/fulfil/{rx['tracking_code']}/").content.decode()
    assert 'data-level="warning"' in page and 'name="acknowledge"' in page
    # the counter learns the interacting drug and when, not who prescribed it
    assert "وارفارین" in page and "کریمی" not in page
    form = {f"quantity-{item}": "30", f"uid-{item}": [uid(7)], "idempotency_key": "w1"}
    response = client.post(f"/fulfil/{rx['tracking_code']}/", form)
    assert response.status_code == 422
    assert "تأیید کنید" in response.content.decode()
    assert Dispense.objects.count() == 0
    response = client.post(f"/fulfil/{rx['tracking_code']}/", {**form, "acknowledge": "1"})
    assert response.status_code == 302
    dispense = Dispense.objects.get()
    assert dispense.warnings_acknowledged and dispense.rules_tracking_id
    assert any(r["rule"] == "clinical.interaction" and r["level"] == "warning"
               for r in dispense.rule_results)


def test_a_tampered_start_time_is_not_taken(written, page_as):
    import datetime as dt

    from django.utils import timezone

    rx = written([{"code": "PARA-500-TAB", "quantity": 5}])
    item = rx["items"][0]["id"]
    response = page_as("pharmacy").post(f"/fulfil/{rx['tracking_code']}/", {
        f"quantity-{item}": "5", f"uid-{item}": [uid(8)], "idempotency_key": "t1",
        "started": "2020-01-01T00:00:00+00:00"})
    assert response.status_code == 302
    started = Dispense.objects.get().started_at
    assert timezone.now() - started < dt.timedelta(minutes=1)


def test_card_payment_is_recorded_and_shown_on_the_receipt(written, page_as):
    rx = written([{"code": "PARA-500-TAB", "quantity": 5}])
    item = rx["items"][0]["id"]
    client = page_as("pharmacy")
    response = client.post(f"/fulfil/{rx['tracking_code']}/", {
        f"quantity-{item}": "5", f"uid-{item}": [uid(9)], "idempotency_key": "p1",
        "payment_method": "card", "terminal_id": "T1234567", "payment_reference": "RRN-77"})
    assert response.status_code == 302
    dispense = Dispense.objects.get()
    assert dispense.payment == {"method": "card", "terminal_id": "T1234567",
                                "reference": "RRN-77"}
    receipt = client.get(response.url).content.decode()
    assert "T1234567" in receipt and "RRN-77" in receipt


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
