"""SMS delivery behind one interface.

SMS_BACKEND is a comma-separated list of backend names: `console`, `outbox` (development:
they carry the code) and `kavenegar` (the real gateway, Kavenegar's REST API shape).
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

logger = logging.getLogger(__name__)


class SMSError(Exception):
    """The gateway could not take the message (down, timed out, refused)."""


@dataclass(frozen=True)
class Message:
    to: str
    text: str
    purpose: str
    code: str | None = None


class ConsoleBackend:
    writes_code = True

    def send(self, message: Message) -> None:
        sys.stdout.write(f"[SMS to {message.to} ({message.purpose})] {message.text}\n")
        sys.stdout.flush()


class OutboxBackend:
    """Appends one JSON object per line to SMS_OUTBOX; the contract fixes the shape."""

    writes_code = True

    def send(self, message: Message) -> None:
        path = Path(settings.SMS_OUTBOX)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {
            "to": message.to,
            "purpose": message.purpose,
            "code": message.code,
            "text": message.text,
            "at": timezone.now().isoformat(),
        }
        with path.open("a", encoding="utf-8") as outbox:
            outbox.write(json.dumps(line, ensure_ascii=False) + "\n")


class KavenegarBackend:
    """POST {KAVENEGAR_URL}/v1/{API_KEY}/sms/send.json with receptor, sender and message;
    account/info.json answers whether the gateway takes messages (the probe)."""

    writes_code = False

    def send(self, message: Message) -> None:
        data = {"receptor": message.to, "message": message.text}
        if settings.KAVENEGAR_SENDER:
            data["sender"] = settings.KAVENEGAR_SENDER
        self._call("sms/send.json", data)

    def ping(self) -> None:
        self._call("account/info.json", {})

    def _call(self, method: str, data: dict) -> None:
        if not settings.KAVENEGAR_API_KEY:
            raise ImproperlyConfigured("KAVENEGAR_API_KEY is not set")
        url = f"{settings.KAVENEGAR_URL.rstrip('/')}/v1/{settings.KAVENEGAR_API_KEY}/{method}"
        try:
            response = requests.post(url, data=data, timeout=settings.SMS_TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            logger.warning("SMS gateway unreachable: %s", type(exc).__name__)
            raise SMSError("gateway unreachable") from exc
        try:
            status = response.json()["return"]["status"]
        except (ValueError, KeyError, TypeError):
            status = None
        if response.status_code != 200 or status != 200:
            logger.warning("SMS gateway refused: http %s, status %s", response.status_code, status)
            raise SMSError(f"gateway refused (http {response.status_code}, status {status})")


BACKENDS = {"console": ConsoleBackend, "outbox": OutboxBackend, "kavenegar": KavenegarBackend}


def _backends() -> list:
    names = [n.strip() for n in settings.SMS_BACKEND.split(",") if n.strip()]
    try:
        return [BACKENDS[name]() for name in names]
    except KeyError as exc:
        raise ImproperlyConfigured(f"Unknown SMS backend {exc.args[0]!r}") from None


def ping_gateways() -> None:
    """Ask each real gateway whether it takes messages; raises SMSError if one does not."""
    for backend in _backends():
        if hasattr(backend, "ping"):
            backend.ping()


def send_sms(*, to: str, text: str, purpose: str, code: str | None = None) -> None:
    """Send through every configured backend; raises SMSError if a real gateway fails."""
    for backend in _backends():
        backend.send(Message(to=to, text=text, purpose=purpose,
                             code=code if backend.writes_code else None))
