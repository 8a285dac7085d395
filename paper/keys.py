"""The site's own key that signs the paper copy's QR payload (CONTRACT: PAPER_SIGNING_KEY,
a P-256 or Ed25519 private key as PEM text or a path to a PEM file; a development key is
made under var/ when unset). Its public half is recorded in SiteKey on first use, so a
rotated key keeps verifying the copies it signed."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import signing
from accounts.errors import ServiceUnavailable
from paper.models import SiteKey

DEV_KEY = Path(settings.BASE_DIR) / "var" / "paper-signing-key.pem"


@dataclass(frozen=True)
class Signer:
    private_key: object
    kid: str
    alg: str
    jwk: dict


_cache: dict[str, Signer] = {}


def _pem_text(value: str) -> bytes:
    if "-----BEGIN" in value:
        return value.replace("\\n", "\n").encode("ascii")
    path = Path(value)
    if not path.is_file():
        raise ImproperlyConfigured("PAPER_SIGNING_KEY must be a PEM private key or the path "
                                   "of a file holding one")
    return path.read_bytes()


def _dev_key() -> bytes:
    if not DEV_KEY.exists():
        DEV_KEY.parent.mkdir(parents=True, exist_ok=True)
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        descriptor = os.open(DEV_KEY, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
    return DEV_KEY.read_bytes()


def signer() -> Signer:
    configured = settings.PAPER_SIGNING_KEY or ""
    if configured not in _cache:
        pem = _pem_text(configured) if configured else _dev_key()
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(f"PAPER_SIGNING_KEY is not a readable key: {exc}") from None
        if isinstance(key, ed25519.Ed25519PrivateKey):
            alg = "EdDSA"
        elif isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1":
            alg = "ES256"
        else:
            raise ImproperlyConfigured("PAPER_SIGNING_KEY must be a P-256 or Ed25519 key")
        public = key.public_key()
        _cache[configured] = Signer(key, signing.fingerprint(public), alg,
                                    signing.jwk_of(public))
    return _cache[configured]


def _record(current: Signer) -> SiteKey | None:
    """The signer's SiteKey row, made on first use, its last use brought up to date (at
    most one write an hour)."""
    now = timezone.now()
    row = SiteKey.objects.filter(kid=current.kid).first()
    if row is None:
        try:
            with transaction.atomic():
                return SiteKey.objects.create(kid=current.kid, alg=current.alg,
                                              public_jwk=current.jwk)
        except IntegrityError:  # another request recorded it first
            return SiteKey.objects.filter(kid=current.kid).first()
    if row.revoked_at is None and row.last_used_at < now - timedelta(hours=1):
        SiteKey.objects.filter(pk=row.pk).update(last_used_at=now)
    return row


def signer_recorded() -> Signer:
    """The signer, refusing (503) to sign with a key that has been revoked."""
    current = signer()
    row = _record(current)
    if row is not None and row.revoked_at is not None:
        raise ServiceUnavailable(_("کلید امضای سامانه باطل شده است؛ کلید تازه‌ای تنظیم کنید."),
                                 code="site_key_revoked")
    return current


def keys_window() -> timedelta:
    """How long a copy may still be used: the longest validity of any kind, plus a day."""
    return timedelta(days=max(settings.PRESCRIPTION_VALID_DAYS.values()) + 1)


def published_keys():
    """Every site key that signed a copy that may still be presented."""
    _record(signer())
    since = timezone.now() - keys_window()
    return SiteKey.objects.filter(revoked_at__isnull=True, last_used_at__gte=since)


def jwks() -> dict:
    return {"keys": [{**key.public_jwk, "kid": key.kid, "alg": key.alg, "use": "sig"}
                     for key in published_keys()]}
