"""Idempotency-Key (contract, "The API edge"): a write sent again with the same key by
the same caller answers the first answer (status and body) and writes nothing; the same key
with another body is 422 `idempotency_mismatch`. Keys are per caller (membership), kept 24
hours, then purged by beat.

The key's row is inserted in the write's own transaction, before the write: a concurrent
retry's INSERT waits on the unique index until the first commits, then finds its answer.
A refusal (a domain error) keeps no row, so the corrected request may reuse the key; a crash
rolls back both."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter

from accounts.errors import DomainError, Invalid, RulesRejected
from accounts.models import IdempotentRequest, Membership

HEADER = "Idempotency-Key"
KEY_MAX = 255
TTL = timedelta(hours=24)
PARAMETER = OpenApiParameter(
    HEADER, str, OpenApiParameter.HEADER,
    description="up to 255 characters, per caller, kept 24 hours: the same key and body "
                "answer the first answer again; another body is 422 idempotency_mismatch")


class Mismatch(RulesRejected):
    code = "idempotency_mismatch"


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    replayed: bool


def key_clean(raw: object) -> str:
    """The key as sent: 1–255 printable ASCII characters."""
    key = str(raw).strip()
    if not key or len(key) > KEY_MAX or not key.isascii() or not key.isprintable():
        message = _("Idempotency-Key باید ۱ تا ۲۵۵ نویسه چاپی لاتین باشد.")
        raise Invalid(message, code="idempotency_key", errors={HEADER: [message]})
    return key


def fingerprint(*parts: object) -> str:
    """A digest of what was asked: method, path and the body, keys sorted."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def once(*, membership: Membership, key: str, digest: str,
         run: Callable[[], tuple[int, Any]]) -> Answer:
    """`run()` -> (status, body) once per (caller, key); later calls answer the same."""
    mine = uuid.uuid4().hex
    failure: DomainError | None = None
    with transaction.atomic():
        row = _claim(membership, key, digest, mine)
        if row.nonce != mine and row.created_at < timezone.now() - TTL:
            row.delete()  # a key past its 24 hours that beat has not purged yet
            row = _claim(membership, key, digest, mine)
        if row.nonce != mine:
            if row.fingerprint != digest:
                raise Mismatch(_("این Idempotency-Key پیش‌تر با درخواست دیگری به کار رفته "
                                 "است؛ برای درخواست تازه کلید تازه بسازید."))
            return Answer(row.status_code, row.body, True)
        try:
            status, body = run()
        except DomainError as error:  # refused: the service rolled its own writes back
            failure = error
            row.delete()
        else:
            row.status_code, row.body = status, _plain(body)
            row.save(update_fields=["status_code", "body"])
    if failure is not None:
        raise failure
    return Answer(status, body, False)


def _claim(membership: Membership, key: str, digest: str, mine: str) -> IdempotentRequest:
    """The key's row, ours if no one holds it: the INSERT waits on the unique index while
    another transaction holds the same key, then does nothing."""
    IdempotentRequest.objects.bulk_create(
        [IdempotentRequest(membership=membership, key=key, fingerprint=digest, nonce=mine)],
        ignore_conflicts=True)
    return IdempotentRequest.objects.select_for_update().get(membership=membership, key=key)


def _plain(body: Any) -> Any:
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


def purge(now=None) -> int:
    """Forget keys older than 24 hours (beat, hourly)."""
    cutoff = (now or timezone.now()) - TTL
    deleted, _counts = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def respond_once(request, run: Callable[[], Any]):
    """An API write under the request's Idempotency-Key, if it sent one: `run()` gives the
    DRF Response; a replay answers the stored status and body with Idempotent-Replayed."""
    from rest_framework.response import Response

    raw = request.headers.get(HEADER)
    if raw is None:
        return run()
    key = key_clean(raw)
    digest = fingerprint(request.method, request.path, request.data)

    def answered() -> tuple[int, Any]:
        response = run()
        return response.status_code, response.data

    answer = once(membership=request.membership, key=key, digest=digest, run=answered)
    response = Response(answer.body, status=answer.status)
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return response
