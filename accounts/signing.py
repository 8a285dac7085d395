"""Doctors' signatures (seed 003): one key per practice site, made in the doctor's browser.

A signature is ECDSA P-256 with SHA-256, sent as base64 of the raw 64-byte r‖s (what
WebCrypto returns), over the UTF-8 bytes of the canonical JSON of the prescription's
content: keys sorted, no whitespace, non-ASCII kept. The server only ever holds public keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.utils.translation import gettext as _

from accounts.errors import Invalid

MAX_PEM_CHARS = 2000


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical(content: Any) -> bytes:
    """The one serialisation that is signed: sorted keys, no whitespace, UTF-8 kept."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def public_key_load(pem: object) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from SPKI PEM, or a clear error naming what is wrong."""
    if not isinstance(pem, str) or not pem.strip() or len(pem) > MAX_PEM_CHARS:
        raise Invalid(_("کلید عمومی باید متن PEM باشد."), code="public_key",
                      errors={"public_key": [_("کلید عمومی (SPKI PEM) لازم است.")]})
    try:
        key = serialization.load_pem_public_key(pem.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError, TypeError):
        raise Invalid(_("کلید عمومی خوانا نیست؛ SPKI PEM یک کلید P-256 لازم است."),
                      code="public_key",
                      errors={"public_key": [_("PEM نامعتبر")]}) from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise Invalid(_("فقط کلید ECDSA روی منحنی P-256 پذیرفته می‌شود."), code="public_key",
                      errors={"public_key": [_("کلید P-256 نیست")]})
    return key


def public_key_pem(key) -> str:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def jwk_of(key) -> dict[str, str]:
    """The public JWK (RFC 7517) of a P-256 or Ed25519 key."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
    numbers = key.public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big"))}


def fingerprint(key) -> str:
    """The JWK thumbprint (RFC 7638, SHA-256, base64url): a key's name everywhere."""
    jwk = jwk_of(key)
    required = ("crv", "kty", "x") if jwk["kty"] == "OKP" else ("crv", "kty", "x", "y")
    members = json.dumps({k: jwk[k] for k in required}, sort_keys=True,
                         separators=(",", ":")).encode("ascii")
    return b64url(hashlib.sha256(members).digest())


def raw_signature_decode(signature: object) -> bytes:
    """base64 (standard or URL-safe, padding optional) of exactly 64 bytes."""
    if not isinstance(signature, str) or not 80 <= len(signature.strip()) <= 100:
        raise Invalid(_("امضا باید base64 یک امضای ۶۴ بایتی باشد."), code="signature",
                      errors={"signature": [_("طول امضا نادرست است.")]})
    text = signature.strip().replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 64:
        raise Invalid(_("امضا باید base64 یک امضای ۶۴ بایتی باشد."), code="signature",
                      errors={"signature": [_("طول امضا نادرست است.")]})
    return raw


def raw_signature_verify(key: ec.EllipticCurvePublicKey, raw: bytes, data: bytes) -> bool:
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"),
                               int.from_bytes(raw[32:], "big"))
    try:
        key.verify(der, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
