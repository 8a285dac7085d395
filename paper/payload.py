"""The paper copy's QR payload: a compact JWS (RFC 7515) signed by the site's key, carrying
what a pharmacy needs to serve the prescription with no network (seed 002 §12). Items are
named by code (a prescription holds each catalog item once).

The payload is fixed for a prescription's version (`issued_at` is when that version was
issued), so every print of the same version carries the same QR. It must fit one QR code:
names are shortened and, for a long prescription, per-item prices are left to the totals.
"""

from __future__ import annotations

import json

import jwt
from django.utils.translation import gettext as _

from accounts.errors import Unverifiable
from paper import keys
from paper.models import SiteKey

MAX_TOKEN_CHARS = 2900  # what one QR code (version 40, level L) holds in byte mode


# From the full content down to the shortest that still names every item: the first
# that fits one QR code is used; a shortened one says so (`abridged`), and the printed
# page above the QR carries every word.
TIERS = ((48, 100, True), (48, 100, False), (24, 40, False), (10, 0, False))


def content_of(prescription, *, name_chars: int = 48, dosage_chars: int = 100,
               with_prices: bool = True) -> dict:
    items = []
    for item in prescription.items.all():
        entry = {"code": item.code, "name": item.name[:name_chars],
                 "quantity": item.quantity, "dosage": item.dosage[:dosage_chars]}
        if item.dispensed_quantity:  # what is left to serve from this copy
            entry["remaining"] = item.quantity - item.dispensed_quantity
        if with_prices:
            entry.update(insurer_share=item.insurer_share, patient_share=item.patient_share)
            if item.supplementary_share:
                entry["supplementary_share"] = item.supplementary_share
        items.append(entry)
    doctor = prescription.doctor
    content = {
        "tracking_code": prescription.tracking_code, "version": prescription.version,
        "hid": prescription.hid, "kind": prescription.kind,
        "issued_at": prescription.issued_at.replace(microsecond=0).isoformat(),
        "valid_until": prescription.valid_until.isoformat(),
        "patient": {"name": prescription.patient.full_name,
                    "national_code": prescription.patient.identifier_value},
        "doctor": {"name": doctor.user.full_name, "council_number": doctor.council_number},
        "facility": {"name": prescription.facility.name,
                     "siam_id": prescription.facility.siam_id},
        "items": items,
        "totals": {"total": prescription.total, "insurer_share": prescription.insurer_share,
                   "supplementary_share": prescription.supplementary_share,
                   "patient_share": prescription.patient_share},
    }
    if (name_chars, dosage_chars, with_prices) != TIERS[0]:
        content["abridged"] = True
    if prescription.signed and prescription.signature_key_id:
        content["doctor_signature"] = prescription.signature
        content["doctor_key"] = prescription.signature_key.fingerprint
    return content


def _encode(content: dict) -> str:
    current = keys.signer_recorded()
    return jwt.api_jws.PyJWS().encode(
        json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        current.private_key, algorithm=current.alg, headers={"kid": current.kid, "typ": None})


def issue(prescription) -> str | None:
    """The signed payload: the fullest form that fits one QR code (None if none does)."""
    for name_chars, dosage_chars, with_prices in TIERS:
        token = _encode(content_of(prescription, name_chars=name_chars,
                                   dosage_chars=dosage_chars, with_prices=with_prices))
        if len(token) <= MAX_TOKEN_CHARS:
            return token
    return None


def _refuse(message: str, code: str = "paper_invalid") -> Unverifiable:
    return Unverifiable(message, code=code)


def verify(token: object) -> tuple[dict, SiteKey]:
    """The payload of a genuine copy and the site key that signed it, or 422 naming why."""
    if not isinstance(token, str) or not token.strip():
        raise _refuse(_("متن QR خالی است."))
    token = token.strip()
    if len(token) > MAX_TOKEN_CHARS + 100 or token.count(".") != 2:
        raise _refuse(_("متن QR یک نسخه کاغذی معتبر نیست (ناقص یا بریده)."))
    try:
        header = jwt.get_unverified_header(token)
    except jwt.exceptions.PyJWTError:
        raise _refuse(_("متن QR یک نسخه کاغذی معتبر نیست (ناقص یا بریده).")) from None
    kid = header.get("kid")
    site_key = SiteKey.objects.filter(kid=kid).first() if isinstance(kid, str) else None
    if site_key is None:
        raise _refuse(_("این نسخه با کلید این سامانه امضا نشده است."), code="paper_unknown_key")
    if site_key.revoked_at is not None:
        raise _refuse(_("کلیدی که این نسخه را امضا کرده باطل شده است."),
                      code="paper_revoked_key")
    if header.get("alg") != site_key.alg:
        raise _refuse(_("الگوریتم امضای نسخه پذیرفته نیست."))
    try:
        public = jwt.PyJWK({**site_key.public_jwk, "kid": kid}, algorithm=site_key.alg)
        decoded = jwt.api_jws.PyJWS().decode_complete(token, key=public,
                                                      algorithms=[site_key.alg])
        content = json.loads(decoded["payload"].decode("utf-8"))
    except (jwt.exceptions.PyJWTError, ValueError, UnicodeDecodeError):
        raise _refuse(_("امضای نسخه کاغذی درست نیست؛ متن آن تغییر کرده است.")) from None
    if not isinstance(content, dict) or not isinstance(content.get("items"), list) or not all(
            isinstance(content.get(k), str) for k in ("tracking_code", "hid", "issued_at")):
        raise _refuse(_("محتوای نسخه کاغذی کامل نیست."))
    return content, site_key

