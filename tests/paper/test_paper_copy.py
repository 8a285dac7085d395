"""The paper copy (CONTRACT "Paper copy, signatures and outage"): the PDF's text and codes,
the QR's signed payload read back from a rendering of the page, verification, tampering,
key rotation, who may print, and the access log."""

import base64
import io
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from accounts.models import AccessLog
from paper import keys, payload
from paper.models import SiteKey
from prescriptions.models import Prescription
from tests.conftest import DEMO
from tests.prescriptions.test_signatures import full, new_key, pem_of, signed_body


def b64url_json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@pytest.fixture
def amox(written):
    return written([{"code": "AMOX-500-CAP", "quantity": 20, "dosage": "هر ۸ ساعت",
                     "instructions": "با آب"},
                    {"code": "PARA-500-TAB", "quantity": 10}])


@pytest.fixture
def patient(api_as):
    return api_as("patient")


def pdf_url(tracking_code: str) -> str:
    return f"/api/v1/prescriptions/{tracking_code}/paper.pdf"


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def codes_on(pdf: bytes) -> dict[str, str]:
    """Render the page (pypdfium2) and read its barcodes back (zxing-cpp)."""
    import pypdfium2
    import zxingcpp

    found = {}
    for page in pypdfium2.PdfDocument(pdf):
        image = page.render(scale=4).to_pil()
        found.update({r.format.name: r.text for r in zxingcpp.read_barcodes(image)})
    return found


@pytest.mark.pdf
def test_the_patient_prints_a_copy_with_every_field(amox, patient):
    response = patient.get(pdf_url(amox["tracking_code"]))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(response.content)).pages[0]
    width_mm, height_mm = (float(v) * 25.4 / 72 for v in page.mediabox[2:])
    assert (round(width_mm), round(height_mm)) == (148, 210)  # A5
    text = pdf_text(response.content)
    for expected in ("سارا احمدی", "110001", "درمانگاه شفا", "10000002", "علی رستمی",
                     DEMO["patient"][0], amox["tracking_code"], amox["hid"], "AMOX-500-CAP",
                     "هر ۸ ساعت", "با آب", "پزشک عمومی", "بیمه سلامت", "کارکنان دولت",
                     "بدون امضای دیجیتال پزشک"):
        assert expected in text, expected
    # Persian numbers inside right-to-left lines: pypdf returns some in visual order
    for amount in ("۳۵۰٬۰۰۰", "۱۵۰٬۰۰۰", "۵۵۰٬۰۰۰", "۳۸۵٬۰۰۰", "۱۶۵٬۰۰۰"):
        assert amount in text or amount[::-1] in text, amount


@pytest.mark.pdf
def test_the_qr_and_barcode_read_back_and_the_qr_verifies(amox, patient, api_as):
    pdf = patient.get(pdf_url(amox["tracking_code"])).content
    codes = codes_on(pdf)
    assert codes["Code128"] == amox["hid"]
    token = codes["QRCode"]
    header = b64url_json(token.split(".")[0])
    assert header["alg"] == "ES256" and header["kid"] == keys.signer().kid
    content = b64url_json(token.split(".")[1])
    assert content["tracking_code"] == amox["tracking_code"] and content["hid"] == amox["hid"]
    assert content["kind"] == "drug" and content["issued_at"]
    assert [(i["code"], i["quantity"], i["dosage"]) for i in content["items"]] == [
        ("AMOX-500-CAP", 20, "هر ۸ ساعت"), ("PARA-500-TAB", 10, "")]
    pharmacy = api_as("pharmacy")
    verified = pharmacy.post("/api/v1/paper/verify", {"payload": token}, format="json")
    assert verified.status_code == 200, verified.content
    body = verified.json()
    assert body["valid"] is True and body["tracking_code"] == amox["tracking_code"]
    assert body["hid"] == amox["hid"] and body["signed_by"] is None
    assert body["items"][0] == {"code": "AMOX-500-CAP", "name": amox["items"][0]["name"],
                                "quantity": 20, "dosage": "هر ۸ ساعت"}
    assert body["status"] == "active" and body["current_version"] is True


def test_every_print_of_a_version_carries_the_same_payload_and_an_edit_changes_it(written):
    created = written([{"code": "PARA-500-TAB", "quantity": 10}])
    prescription = Prescription.objects.get(tracking_code=created["tracking_code"])
    first = payload.issue(prescription)
    assert payload.issue(prescription) == first or first.split(".")[1] == payload.issue(
        prescription).split(".")[1]  # ECDSA signatures differ; the content does not
    from prescriptions import services

    services.prescription_update(doctor=prescription.doctor, prescription=prescription,
                                 items=[{"code": "PARA-500-TAB", "quantity": 12}])
    prescription.refresh_from_db()
    changed = b64url_json(payload.issue(prescription).split(".")[1])
    assert changed["version"] == 2 and changed["items"][0]["quantity"] == 12


def _token_for(written_prescription) -> str:
    return payload.issue(Prescription.objects.get(
        tracking_code=written_prescription["tracking_code"]))


def _flip(text: str, index: int) -> str:
    character = "A" if text[index] != "A" else "B"
    return text[:index] + character + text[index + 1:]


def test_any_change_to_a_payload_fails(amox, api_as):
    pharmacy = api_as("pharmacy")
    token = _token_for(amox)
    header, body, signature = token.split(".")
    content = b64url_json(body)
    content["items"][0]["quantity"] = 200
    forged_body = base64.urlsafe_b64encode(json.dumps(content).encode()).rstrip(b"=").decode()
    for bad in (f"{header}.{forged_body}.{signature}", _flip(token, len(header) + 10),
                _flip(token, len(token) - 5), token[:-10], token[: len(token) // 2],
                token.replace(".", "", 1), "", "a.b.c", "x" * 5000, "نسخه.نسخه.نسخه"):
        response = pharmacy.post("/api/v1/paper/verify", {"payload": bad}, format="json")
        assert response.status_code in (400, 422), (bad[:40], response.status_code)
        assert response.json()["detail"]
    assert pharmacy.post("/api/v1/paper/verify", {"payload": token},
                         format="json").status_code == 200


def test_a_payload_signed_by_another_key_or_with_alg_none_is_refused(amox, api_as, settings):
    pharmacy = api_as("pharmacy")
    token = _token_for(amox)
    _header, body, _signature = token.split(".")
    none_header = base64.urlsafe_b64encode(json.dumps(
        {"alg": "none", "kid": keys.signer().kid}).encode()).rstrip(b"=").decode()
    response = pharmacy.post("/api/v1/paper/verify", {"payload": f"{none_header}.{body}."},
                             format="json")
    assert response.status_code == 422
    # a foreign site's key with our kid forged into the header
    foreign = ec.generate_private_key(ec.SECP256R1())
    import jwt

    forged = jwt.api_jws.PyJWS().encode(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)),
                                        foreign, algorithm="ES256",
                                        headers={"kid": keys.signer().kid})
    response = pharmacy.post("/api/v1/paper/verify", {"payload": forged}, format="json")
    assert response.status_code == 422 and response.json()["code"] == "paper_invalid"
    unknown = jwt.api_jws.PyJWS().encode(b"{}", foreign, algorithm="ES256",
                                         headers={"kid": "someone-else"})
    response = pharmacy.post("/api/v1/paper/verify", {"payload": unknown}, format="json")
    assert response.status_code == 422 and response.json()["code"] == "paper_unknown_key"


def _pem(private_key) -> str:
    return private_key.private_bytes(serialization.Encoding.PEM,
                                     serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode()


def test_rotation_keeps_old_copies_verifying_and_lists_both_keys(amox, api_as, settings):
    pharmacy = api_as("pharmacy")
    old_token = _token_for(amox)
    old_kid = keys.signer().kid
    settings.PAPER_SIGNING_KEY = _pem(ed25519.Ed25519PrivateKey.generate())
    new_token = _token_for(amox)
    assert b64url_json(new_token.split(".")[0])["alg"] == "EdDSA"
    for token in (old_token, new_token):
        assert pharmacy.post("/api/v1/paper/verify", {"payload": token},
                             format="json").status_code == 200
    jwks = pharmacy.get("/api/v1/paper/keys").json()
    by_kid = {k["kid"]: k for k in jwks["keys"]}
    assert set(by_kid) == {old_kid, keys.signer().kid}
    assert by_kid[old_kid]["kty"] == "EC" and by_kid[old_kid]["crv"] == "P-256"
    assert by_kid[old_kid]["use"] == "sig" and by_kid[old_kid]["y"]
    assert by_kid[keys.signer().kid] == {**by_kid[keys.signer().kid], "kty": "OKP",
                                         "crv": "Ed25519"}
    # a revoked site key stops verifying and leaves the key set
    SiteKey.objects.filter(kid=old_kid).update(revoked_at="2026-01-01T00:00:00Z")
    response = pharmacy.post("/api/v1/paper/verify", {"payload": old_token}, format="json")
    assert response.status_code == 422 and response.json()["code"] == "paper_revoked_key"
    assert old_kid not in {k["kid"] for k in pharmacy.get("/api/v1/paper/keys").json()["keys"]}


def test_a_key_path_works_and_a_bad_key_fails_at_use(tmp_path, settings):
    from django.core.exceptions import ImproperlyConfigured

    path = tmp_path / "site.pem"
    path.write_text(_pem(ec.generate_private_key(ec.SECP256R1())))
    settings.PAPER_SIGNING_KEY = str(path)
    assert keys.signer().alg == "ES256"
    for bad in (str(tmp_path / "missing.pem"), _pem(ec.generate_private_key(ec.SECP384R1()))):
        settings.PAPER_SIGNING_KEY = bad
        with pytest.raises(ImproperlyConfigured):
            keys.signer()


@pytest.mark.pdf
def test_a_signed_prescription_says_so_on_paper_and_in_the_payload(doctor_signed, patient,
                                                                    api_as):
    created, fingerprint = doctor_signed
    pdf = patient.get(pdf_url(created["tracking_code"])).content
    assert "امضای دیجیتال پزشک" in pdf_text(pdf)
    token = codes_on(pdf)["QRCode"]
    content = b64url_json(token.split(".")[1])
    assert content["doctor_key"] == fingerprint and content["doctor_signature"]
    body = api_as("pharmacy").post("/api/v1/paper/verify", {"payload": token},
                                   format="json").json()
    assert body["signed_by"] == "سارا احمدی" and body["doctor_key"] == fingerprint


@pytest.fixture
def doctor_signed(api_as, demo):
    doctor = api_as("doctor", "درمانگاه شفا")
    key = new_key()
    fingerprint = doctor.post("/api/v1/me/keys", {"public_key": pem_of(key)},
                              format="json").json()["fingerprint"]
    from tests.conftest import membership_of

    reception = api_as("reception")
    visit = reception.post("/api/v1/visits", {
        "national_code": DEMO["patient"][0],
        "doctor": membership_of(DEMO["doctor"][0], "درمانگاه شفا").pk}, format="json").json()
    response = doctor.post("/api/v1/prescriptions",
                           signed_body(key, visit, [full("PARA-500-TAB", 10, "هر ۶ ساعت")]),
                           format="json")
    assert response.status_code == 201 and response.json()["signed"] is True
    return response.json(), fingerprint


def test_who_may_print_and_verify(amox, api_as):
    url = pdf_url(amox["tracking_code"])
    for who in ("pharmacy", "lab", "reception", "reviewer"):
        assert api_as(who).get(url).status_code in (403, 404), who
    for who in ("patient2", "cardiologist"):  # another patient, another doctor
        assert api_as(who).get(url).status_code == 404, who
    token = _token_for(amox)
    for who in ("doctor", "patient", "reception", "reviewer"):
        client = api_as(who, "درمانگاه شفا" if who == "doctor" else None)
        assert client.post("/api/v1/paper/verify", {"payload": token},
                           format="json").status_code == 403, who
        assert client.get("/api/v1/paper/keys").status_code == 403, who
    for who in ("pharmacy", "lab", "imaging", "physio"):
        assert api_as(who).get("/api/v1/paper/keys").status_code == 200, who


@pytest.mark.pdf
def test_each_download_is_in_the_access_log_and_the_doctor_prints_too(amox, patient, api_as):
    patient.get(pdf_url(amox["tracking_code"]))
    doctor = api_as("doctor", "درمانگاه شفا")
    assert doctor.get(pdf_url(amox["tracking_code"])).status_code == 200
    logged = AccessLog.objects.filter(action=AccessLog.Action.PAPER_COPY,
                                      target=amox["tracking_code"])
    assert logged.count() == 2
    log = patient.get("/api/v1/me/access-log").json()
    assert sum(1 for e in log if e["action"] == "prescription.paper") == 2


def test_a_cancelled_prescription_has_no_copy(written, api_as):
    created = written([{"code": "PARA-500-TAB", "quantity": 10}])
    doctor = api_as("doctor", "درمانگاه شفا")
    doctor.post(f"/api/v1/prescriptions/{created['tracking_code']}/cancel")
    response = api_as("patient").get(pdf_url(created["tracking_code"]))
    assert response.status_code == 409 and response.json()["code"] == "cancelled"
    assert not AccessLog.objects.filter(action=AccessLog.Action.PAPER_COPY).exists()


@pytest.mark.parametrize("with_pdf", [
    False, pytest.param(True, marks=pytest.mark.pdf, id="printed")])
def test_the_longest_prescription_still_fits_one_qr(written, with_pdf):
    from prescriptions.models import CatalogItem

    items = []
    for n in range(20):
        CatalogItem.objects.create(code=f"LONG-{n:02d}", kind="drug", unit_price=1000,
                                   name_fa="داروی با نام بسیار بسیار طولانی برای آزمون " * 3)
        items.append({"code": f"LONG-{n:02d}", "quantity": 9999,
                      "dosage": ("هر ۸ ساعت، هر بار دو عدد، بعد از غذا با یک لیوان آب " * 2)[:100]})
    created = written(items)
    token = _token_for(created)
    assert token is not None and len(token) <= payload.MAX_TOKEN_CHARS
    if with_pdf:  # the page still prints and its big QR reads back
        from paper import documents

        prescription = Prescription.objects.get(tracking_code=created["tracking_code"])
        assert codes_on(documents.render(prescription, token))["QRCode"] == token
    content = b64url_json(token.split(".")[1])
    assert len(content["items"]) == 20 and content["totals"]["total"] == 20 * 1000 * 9999
    assert content["abridged"] is True and all(i["code"] and i["name"] for i in content["items"])
    # an ordinary prescription is never abridged
    assert "abridged" not in b64url_json(_token_for(written(
        [{"code": "PARA-500-TAB", "quantity": 10, "dosage": "هر ۶ ساعت"}])).split(".")[1])


@pytest.mark.pdf
def test_a_copy_is_made_once_per_version(amox, patient, monkeypatch):
    from paper import documents

    first = patient.get(pdf_url(amox["tracking_code"])).content
    monkeypatch.setattr(documents, "render", lambda *a, **k: pytest.fail("rendered again"))
    assert patient.get(pdf_url(amox["tracking_code"])).content == first


@pytest.mark.pdf
def test_what_the_copy_shows_changing_makes_a_new_one(amox, patient, api_as):
    """A dispense (remaining quantities) or a renamed patient is not served from the old
    copy; a fully dispensed prescription has no copy."""
    from accounts.models import Patient
    from tests.pharmacy.conftest import uid

    first = patient.get(pdf_url(amox["tracking_code"])).content
    items = {i["code"]: i["id"] for i in amox["items"]}
    api_as("pharmacy").post(f"/api/v1/prescriptions/{amox['tracking_code']}/dispense", {
        "lines": [{"item": items["PARA-500-TAB"], "quantity": 10, "uid": uid(70)}]},
        format="json")
    second = patient.get(pdf_url(amox["tracking_code"])).content
    assert second != first
    content = b64url_json(codes_on(second)["QRCode"].split(".")[1])
    para = next(i for i in content["items"] if i["code"] == "PARA-500-TAB")
    assert para["remaining"] == 0 and "ارائه" in pdf_text(second)
    Patient.objects.filter(national_code=DEMO["patient"][0]).update(last_name="رستمیان")
    assert "رستمیان" in pdf_text(patient.get(pdf_url(amox["tracking_code"])).content)
    api_as("pharmacy").post(f"/api/v1/prescriptions/{amox['tracking_code']}/dispense", {
        "lines": [{"item": items["AMOX-500-CAP"], "quantity": 20, "uid": uid(71)}]},
        format="json")
    response = patient.get(pdf_url(amox["tracking_code"]))
    assert response.status_code == 409 and response.json()["code"] == "dispensed"


def test_a_revoked_current_site_key_stops_printing_clearly(written, api_as):
    from django.utils import timezone

    created = written([{"code": "PARA-500-TAB", "quantity": 10}])
    _token_for(created)  # records the key
    SiteKey.objects.update(revoked_at=timezone.now())
    with pytest.raises(Exception) as error:
        _token_for(created)
    assert getattr(error.value, "code", "") == "site_key_revoked"
    assert api_as("pharmacy").get("/api/v1/paper/keys")["Cache-Control"] == "private, no-cache"


def test_documents_fetch_only_our_static_files(settings):
    pytest.importorskip("weasyprint.text.fonts", reason="needs pango")
    from accounts import pdf

    _fonts, fetcher = pdf._tools()
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(ValueError):
        fetcher.fetch("http://169.254.169.254/latest/meta-data/")
    static = settings.BASE_DIR / "static" / "css" / "app.css"
    assert fetcher.fetch(static.as_uri()) is not None  # our own files still load


def test_the_migration_dates_copies_by_their_version_not_their_last_dispense(written):
    import datetime as dt
    import importlib

    from django.apps import apps
    from django.utils import timezone

    from prescriptions.models import PrescriptionVersion

    created = written([{"code": "PARA-500-TAB", "quantity": 10}])
    registered = timezone.now() - dt.timedelta(days=3)
    PrescriptionVersion.objects.update(created_at=registered)
    Prescription.objects.update(updated_at=timezone.now(), issued_at=timezone.now())
    migration = importlib.import_module("prescriptions.migrations.0008_issued_at")
    migration.issued_when_last_changed(apps, None)
    assert Prescription.objects.get(tracking_code=created["tracking_code"]).issued_at == registered
