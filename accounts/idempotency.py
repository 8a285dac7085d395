"""Idempotency-Key (contract, "The API edge"): a write sent again with the same key by
the same caller answers the first answer (status and body, a refusal too) and writes
nothing; the same key with another body is 422 `idempotency_mismatch`. Keys are per caller
(membership), kept 24 hours, then purged by beat.

The key's row is inserted in the write's own transaction, before the write: a concurrent
retry's INSERT waits on the unique index until the first commits, then finds its answer.
A refusal (a domain error from the write) is kept with the side records the service chose
to keep (a reused pack code's flag), except the ones worth retrying as they are (429, 503);
anything failing after the write, or a crash, rolls the whole back, key included."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter

from accounts.errors import DomainError, Invalid, RulesRejected, ServiceUnavailable, Throttled
from accounts.models import IdempotentRequest, Membership

HEADER = "Idempotency-Key"
KEY_MAX = 255
TTL = timedelta(hours=24)
KEPT_HEADERS = ("ETag", "Location")
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
    headers: dict = field(default_factory=dict)


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
         run: Callable[[], tuple[int, Any, dict]],
         refusal: Callable[[DomainError], Any] | None = None) -> Answer:
    """`run()` -> (status, body, headers) once per (caller, key); later calls answer the
    same. A DomainError from `run()` is kept as the answer (its status, `refusal(error)` the
    body) when `refusal` is given (the API), else the key is freed (a page redraws its form
    with a fresh key)."""
    mine = uuid.uuid4().hex
    failure: DomainError | None = None
    with transaction.atomic():
        row = _claim(membership, key, digest, mine)
        if row.nonce != mine:
            if row.fingerprint != digest:
                raise Mismatch(_("این Idempotency-Key پیش‌تر با درخواست دیگری به کار رفته "
                                 "است؛ برای درخواست تازه کلید تازه بسازید."))
            return Answer(row.status_code, row.body, True, row.headers or {})
        try:
            status, body, headers = run()
        except DomainError as error:  # refused: the service rolled its own writes back
            failure = error
            if refusal is None or isinstance(error, (Throttled, ServiceUnavailable)):
                row.delete()
            else:
                row.status_code, row.body = error.status, _plain(refusal(error))
                row.save(update_fields=["status_code", "body"])
        else:
            row.status_code, row.body, row.headers = status, _plain(body), headers
            row.save(update_fields=["status_code", "body", "headers"])
    if failure is not None:
        raise failure
    return Answer(status, body, False, headers)


def _claim(membership: Membership, key: str, digest: str, mine: str) -> IdempotentRequest:
    """The key's row, ours if no one holds it: the INSERT waits on the unique index while
    another transaction holds the same key, then does nothing. A row past its 24 hours that
    beat has not purged yet is replaced."""
    stale = timezone.now() - TTL
    for _attempt in range(3):
        IdempotentRequest.objects.bulk_create(
            [IdempotentRequest(membership=membership, key=key, fingerprint=digest,
                               nonce=mine)], ignore_conflicts=True)
        row = (IdempotentRequest.objects.select_for_update()
               .filter(membership=membership, key=key).first())
        if row is None:  # deleted (purged or replaced) while we waited: insert again
            continue
        if row.nonce != mine and row.created_at < stale:
            row.delete()
            continue
        return row
    raise ServiceUnavailable(_("کلید یکتایی هم‌زمان در حال تغییر است؛ دوباره تلاش کنید."),
                             code="idempotency_busy")


def _plain(body: Any) -> Any:
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


def purge(now=None) -> int:
    """Forget keys older than 24 hours (beat, hourly)."""
    cutoff = (now or timezone.now()) - TTL
    deleted, _counts = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted


class AnswerFailed(RuntimeError):
    """The write was made but its answer could not be built: roll the whole back."""


def respond_once(request, write: Callable[[], Any], answer: Callable[[Any], Any]):
    """An API write under the request's Idempotency-Key, if it sent one. `write()` does the
    domain's work (its DomainError is the answer); `answer(result)` reads back and builds
    the DRF Response. A replay answers the stored status, body and ETag with
    Idempotent-Replayed: true."""
    from rest_framework.response import Response

    from accounts.error_body import domain_body

    raw = request.headers.get(HEADER)
    if raw is None:
        return answer(write())
    key = key_clean(raw)
    digest = fingerprint(request.method, request.path, request.data)
    first = {}

    def run() -> tuple[int, Any, dict]:
        result = write()
        try:
            response = answer(result)
        except DomainError as error:
            raise AnswerFailed("the write's answer failed") from error
        first["response"] = response
        return (response.status_code, response.data,
                {name: response[name] for name in KEPT_HEADERS if response.has_header(name)})

    given = once(membership=request.membership, key=key, digest=digest, run=run,
                 refusal=domain_body)
    if not given.replayed:
        return first["response"]
    response = Response(given.body, status=given.status)
    for name, value in given.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response
