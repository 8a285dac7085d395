"""Doctors' signatures (seed 003, CONTRACT "Signing"): keys per practice site, verified
prescriptions, edits signed again, and every malformed key or signature refused."""

import base64
import json
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from accounts.models import DoctorKey
from prescriptions.models import Prescription
from tests.conftest import DEMO, membership_of
from tests.prescriptions.conftest import drug


def new_key():
    return ec.generate_private_key(ec.SECP256R1())


def pem_of(key) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def sign(key, content: dict) -> str:
    data = json.dumps(content, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()


@pytest.fixture
def registered(doctor):
    key = new_key()
    response = doctor.post("/api/v1/me/keys", {"public_key": pem_of(key), "label": "لپ‌تاپ"},
                           format="json")
    assert response.status_code == 201, response.content
    return key, response.json()


def signed_body(key, visit, items, note="") -> dict:
    body = {"visit": visit["id"], "kind": "drug", "note": note, "items": items}
    return {**body, "signature": sign(key, body)}


def full(code, quantity, dosage="", instructions=""):
    return {"code": code, "quantity": quantity, "dosage": dosage, "instructions": instructions}


def test_register_list_and_fingerprint(doctor, registered):
    _key, created = registered
    assert set(created) == {"id", "fingerprint"} and len(created["fingerprint"]) == 43
    keys = doctor.get("/api/v1/me/keys").json()
    assert [k["fingerprint"] for k in keys] == [created["fingerprint"]]
    assert keys[0]["active"] is True and keys[0]["label"] == "لپ‌تاپ"


def test_a_signed_prescription_is_verified_and_keeps_what_was_signed(doctor, admit,
                                                                     registered):
    key, created = registered
    visit = admit("patient")
    body = signed_body(key, visit, [full("AMOX-500-CAP", 20, "هر ۸ ساعت", "با آب")],
                       note="بعد از غذا")
    response = doctor.post("/api/v1/prescriptions", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["signed"] is True
    stored = Prescription.objects.get(tracking_code=response.json()["tracking_code"])
    assert stored.signature_key.fingerprint == created["fingerprint"]
    assert json.loads(stored.signed_content)["items"][0]["instructions"] == "با آب"


def test_the_signature_may_cover_the_body_as_sent(doctor, admit, registered):
    """A client that signs exactly the keys it sends (no instructions, no note) verifies."""
    key, _created = registered
    visit = admit("patient")
    content = {"visit": visit["id"], "kind": "drug",
               "items": [{"code": "PARA-500-TAB", "quantity": 10, "dosage": "هر ۶ ساعت"}]}
    response = doctor.post("/api/v1/prescriptions", {**content, "signature": sign(key, content)},
                           format="json")
    assert response.status_code == 201, response.content
    assert response.json()["signed"] is True


def test_unsigned_stays_allowed_unless_required(doctor, admit, settings):
    visit = admit("patient")
    response = doctor.post("/api/v1/prescriptions",
                           {"visit": visit["id"], "kind": "drug", "items": [drug("PARA-500-TAB")]},
                           format="json")
    assert response.status_code == 201 and response.json()["signed"] is False
    settings.SIGNATURE_REQUIRED = True
    response = doctor.post("/api/v1/prescriptions",
                           {"visit": visit["id"], "kind": "drug", "items": [drug("ASA-80-TAB")]},
                           format="json")
    assert response.status_code == 422 and response.json()["code"] == "signature_required"
    assert not Prescription.objects.filter(items__code="ASA-80-TAB").exists()


def test_any_change_after_signing_fails(doctor, admit, registered):
    key, _created = registered
    visit = admit("patient")
    body = signed_body(key, visit, [full("AMOX-500-CAP", 20, "هر ۸ ساعت")])
    for tampered in ({**body, "items": [full("AMOX-500-CAP", 21, "هر ۸ ساعت")]},
                     {**body, "items": [full("AMOX-500-CAP", 20, "هر ۶ ساعت")]},
                     {**body, "note": "x"}):
        response = doctor.post("/api/v1/prescriptions", tampered, format="json")
        assert response.status_code == 422, response.content
        assert response.json()["code"] == "signature"
        assert "امضا" in response.json()["detail"]
    other_visit = admit("patient2")
    response = doctor.post("/api/v1/prescriptions", {**body, "visit": other_visit["id"]},
                           format="json")
    assert response.status_code == 422
    assert Prescription.objects.count() == 0


@pytest.mark.parametrize("signature", [
    "AAAA",  # too short
    base64.b64encode(b"\x01" * 63).decode() + "==",  # 63 bytes
    base64.b64encode(b"\x01" * 72).decode(),  # DER-sized, not raw r‖s
    "!" * 88,  # not base64
])
def test_malformed_signatures_are_400_or_422(doctor, admit, registered, signature):
    visit = admit("patient")
    response = doctor.post("/api/v1/prescriptions", {
        "visit": visit["id"], "kind": "drug", "items": [drug("PARA-500-TAB")],
        "signature": signature}, format="json")
    assert response.status_code in (400, 422), response.content
    assert response.json()["code"] in ("signature", "invalid")
    assert Prescription.objects.count() == 0


def test_an_edit_is_signed_again_or_loses_its_signature(doctor, admit, registered):
    key, _created = registered
    visit = admit("patient")
    created = doctor.post("/api/v1/prescriptions",
                          signed_body(key, visit, [full("PARA-500-TAB", 10)]),
                          format="json").json()
    url = f"/api/v1/prescriptions/{created['tracking_code']}"
    unsigned = doctor.patch(url, {"items": [full("PARA-500-TAB", 12)]}, format="json")
    assert unsigned.status_code == 200 and unsigned.json()["signed"] is False
    items = [full("PARA-500-TAB", 14)]
    content = {"visit": visit["id"], "kind": "drug", "note": "", "items": items}
    bad = doctor.patch(url, {"items": [full("PARA-500-TAB", 15)],
                             "signature": sign(key, content)}, format="json")
    assert bad.status_code == 422
    assert Prescription.objects.get(tracking_code=created["tracking_code"]).version == 2
    good = doctor.patch(url, {"items": items, "signature": sign(key, content)}, format="json")
    assert good.status_code == 200 and good.json()["signed"] is True
    assert good.json()["version"] == 3


def test_one_active_key_per_site_revocation_and_old_signatures(doctor, admit, registered,
                                                                 api_as):
    key, created = registered
    second = doctor.post("/api/v1/me/keys", {"public_key": pem_of(new_key())}, format="json")
    assert second.status_code == 409 and second.json()["code"] == "active_key"
    visit = admit("patient")
    signed = doctor.post("/api/v1/prescriptions",
                         signed_body(key, visit, [full("PARA-500-TAB", 10)]),
                         format="json").json()
    assert doctor.delete(f"/api/v1/me/keys/{created['id']}").status_code == 204
    assert doctor.get("/api/v1/me/keys").json()[0]["active"] is False
    # signatures made before stay valid; new ones with the revoked key do not verify
    again = doctor.get(f"/api/v1/prescriptions/{signed['tracking_code']}").json()
    assert again["signed"] is True
    response = doctor.post("/api/v1/prescriptions",
                           signed_body(key, visit, [full("ASA-80-TAB", 10)]), format="json")
    assert response.status_code == 422 and response.json()["code"] == "signature_key"
    # a new key for the site is accepted once the old one is revoked
    assert doctor.post("/api/v1/me/keys", {"public_key": pem_of(new_key())},
                       format="json").status_code == 201
    # the same doctor at another site has a key of its own
    office = api_as("doctor", "مطب دکتر احمدی")
    assert office.get("/api/v1/me/keys").json() == []
    assert office.post("/api/v1/me/keys", {"public_key": pem_of(new_key())},
                       format="json").status_code == 201
    assert DoctorKey.objects.filter(revoked_at__isnull=True).count() == 2


def test_a_key_registered_at_one_site_does_not_sign_at_another(api_as, admit, demo):
    office = api_as("doctor", "مطب دکتر احمدی")
    key = new_key()
    assert office.post("/api/v1/me/keys", {"public_key": pem_of(key)},
                       format="json").status_code == 201
    shafa = api_as("doctor", "درمانگاه شفا")
    visit = admit("patient")
    response = shafa.post("/api/v1/prescriptions",
                          signed_body(key, visit, [full("PARA-500-TAB", 10)]), format="json")
    assert response.status_code == 422 and response.json()["code"] == "signature_key"


@pytest.mark.parametrize("public_key", [
    "", "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    "x" * 5000,
])
def test_bad_public_keys_are_400(doctor, public_key):
    response = doctor.post("/api/v1/me/keys", {"public_key": public_key}, format="json")
    assert response.status_code == 400, response.content
    assert DoctorKey.objects.count() == 0


@pytest.mark.parametrize("make", [
    lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    lambda: ec.generate_private_key(ec.SECP384R1()),
    lambda: ed25519.Ed25519PrivateKey.generate(),
])
def test_keys_that_are_not_p256_are_refused(doctor, make):
    response = doctor.post("/api/v1/me/keys", {"public_key": pem_of(make())}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "public_key"
    assert "P-256" in response.json()["detail"]


def test_a_private_key_pem_is_refused(doctor):
    private = new_key().private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()).decode()
    response = doctor.post("/api/v1/me/keys", {"public_key": private}, format="json")
    assert response.status_code == 400


def test_keys_are_the_doctors_alone(api_as, doctor, registered):
    _key, created = registered
    for who in ("pharmacy", "patient", "reception", "reviewer"):
        client = api_as(who)
        assert client.get("/api/v1/me/keys").status_code == 403
        assert client.post("/api/v1/me/keys", {"public_key": pem_of(new_key())},
                           format="json").status_code == 403
        assert client.delete(f"/api/v1/me/keys/{created['id']}").status_code == 403
    other = api_as("cardiologist")
    assert other.delete(f"/api/v1/me/keys/{created['id']}").status_code == 404
    assert other.delete("/api/v1/me/keys/abc").status_code == 404
    assert DoctorKey.objects.get(pk=created["id"]).active


def test_the_same_public_key_twice_is_409(doctor, registered, api_as):
    key, _created = registered
    office = api_as("doctor", "مطب دکتر احمدی")
    response = office.post("/api/v1/me/keys", {"public_key": pem_of(key)}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "key_exists"


def test_the_readme_example_signs_a_prescription(doctor, admit):
    """The README's client example, run as written against the test client."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = re.search(r"```python\n(# Signing a prescription.*?)```", readme, re.S).group(1)

    class Api:  # the example's `api` is a requests.Session pointed at /api/v1
        def post(self, path, json):
            return doctor.post(f"/api/v1/{path}", json, format="json")

    scope = {"api": Api(), "visit_id": admit("patient")["id"]}
    exec(compile(example, "README.md", "exec"), scope)
    assert scope["answer"].status_code == 201
    assert scope["answer"].json()["signed"] is True
    assert membership_of(DEMO["doctor"][0], "درمانگاه شفا").keys.count() == 1


def test_a_kept_note_is_covered_by_an_edits_signature(doctor, admit, registered):
    key, _created = registered
    visit = admit("patient")
    created = doctor.post("/api/v1/prescriptions",
                          signed_body(key, visit, [full("PARA-500-TAB", 10)], note="ناشتا"),
                          format="json").json()
    url = f"/api/v1/prescriptions/{created['tracking_code']}"
    items = [{"code": "PARA-500-TAB", "quantity": 12}]
    without_note = {"visit": visit["id"], "kind": "drug", "items": items}
    response = doctor.patch(url, {"items": items, "signature": sign(key, without_note)},
                            format="json")
    assert response.status_code == 422  # the kept note «ناشتا» was not signed
    with_note = {**without_note, "note": "ناشتا"}
    response = doctor.patch(url, {"items": items, "signature": sign(key, with_note)},
                            format="json")
    assert response.status_code == 200 and response.json()["signed"] is True


def test_an_edit_from_another_site_cannot_be_signed_with_that_sites_key(api_as, admit, demo,
                                                                        registered):
    key, _created = registered  # Shafa's key
    visit = admit("patient")
    created = api_as("doctor", "درمانگاه شفا").post(
        "/api/v1/prescriptions", signed_body(key, visit, [full("PARA-500-TAB", 10)]),
        format="json").json()
    office = api_as("doctor", "مطب دکتر احمدی")
    office_key = new_key()
    office.post("/api/v1/me/keys", {"public_key": pem_of(office_key)}, format="json")
    items = [full("PARA-500-TAB", 12)]
    content = {"visit": visit["id"], "kind": "drug", "note": "", "items": items}
    response = office.patch(f"/api/v1/prescriptions/{created['tracking_code']}",
                            {"items": items, "signature": sign(office_key, content)},
                            format="json")
    assert response.status_code == 422 and response.json()["code"] == "signature_site"
