"""Dispensing through an outage (seed 002 §12): the counter served the patient from the
paper copy's signed QR while the site could not be reached and syncs each service when it
is back. A sync goes through the normal race-safe dispense (row lock, pack codes once,
never over the prescribed quantity), priced and claimed on the day of service; whatever
stops it (already served elsewhere, a reused pack code, the prescription changed or
cancelled since the copy was printed) is kept as a conflict for insurers' reviewers.
The counter's own key makes a sync idempotent: sending it twice changes nothing."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Conflict, DomainError, Invalid, ServiceUnavailable, Unverifiable
from accounts.models import Membership
from paper import payload as paper_payload
from pharmacy.models import Dispense, PaperDispense
from pharmacy.services import MAX_QUANTITY, dispense_record, started_at_clean
from prescriptions.models import Prescription

KEY = re.compile(r"^[A-Za-z0-9-]{8,64}$")
MAX_LINES = 50
# Errors worth trying again later, never kept as a conflict.
RETRYABLE = {"hid"}


@dataclass(frozen=True)
class SyncOutcome:
    record: PaperDispense
    replayed: bool


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code, self.message = code, message


def key_clean(value: object) -> str:
    if not isinstance(value, str) or not KEY.match(value):
        message = _("کلید یکتایی تحویل (۸ تا ۶۴ حرف، رقم یا خط تیره) لازم است.")
        raise Invalid(message, code="key", errors={"key": [message]})
    return value


def _packs(quantity: int, pack_size: int, uids: list[str]) -> list[tuple[int, str]]:
    """Split what was given over the packs scanned: full packs first, the part-pack last."""
    if not uids:
        return [(quantity, "")]
    if len(uids) == 1:
        return [(quantity, uids[0])]
    if pack_size <= 0 or len(uids) != -(-quantity // pack_size):
        raise _Refused("pack_codes", _("تعداد کدهای اصالت با تعداد بسته‌های تحویل‌شده "
                                       "نمی‌خواند."))
    lines, left = [], quantity
    for uid in uids:
        lines.append((min(pack_size, left), uid))
        left -= pack_size
    return lines


def _lines(prescription: Prescription, raw: object) -> list[dict]:
    """The counter's lines, by item code (a prescription holds each item once), as the
    dispense API's lines."""
    if not isinstance(raw, list) or not raw or len(raw) > MAX_LINES:
        raise _Refused("lines", _("فهرست اقلام تحویل‌شده خالی یا نامعتبر است."))
    items = {i.code: i for i in prescription.items.select_related("catalog_item")}
    lines = []
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("code"), str) or (
                entry["code"] not in items):
            raise _Refused("lines", _("قلمی تحویل شده که در این نسخه نیست."))
        item = items[entry["code"]]
        quantity = entry.get("quantity")
        uids = entry.get("uids") or []
        if (not isinstance(quantity, int) or isinstance(quantity, bool)
                or not 0 < quantity <= MAX_QUANTITY or not isinstance(uids, list)
                or not all(isinstance(u, str) for u in uids) or len(uids) > 100):
            raise _Refused("lines", _("تعداد یا کدهای اصالت «{n}» نامعتبر است.").format(
                n=item.name))
        for part, uid in _packs(quantity, item.catalog_item.pack_size or 0, uids):
            lines.append({"item": item.pk, "quantity": part, **({"uid": uid} if uid else {})})
    return lines


def _check_copy(record: PaperDispense, membership: Membership, token: str,
                served_at) -> Prescription:
    """The genuine, current prescription the copy is of (noted on the record as found)."""
    content, site_key = paper_payload.verify(token)
    record.site_key, record.tracking_code = site_key.kid, content["tracking_code"][:16]
    prescription = (Prescription.objects.select_related("patient")
                    .filter(tracking_code=content["tracking_code"],
                            kind=membership.kind_served).first())
    if prescription is None:
        raise _Refused("not_found", _("نسخه این برگه در سامانه پیدا نشد."))
    record.prescription = prescription
    if content.get("version") != prescription.version:
        raise _Refused("edited", _("پزشک نسخه را پس از چاپ این برگه تغییر داده است."))
    if served_at < prescription.issued_at:
        raise _Refused("served_before_issue", _("زمان تحویل پیش از صدور نسخه است."))
    return prescription


def _was_online(membership: Membership, served_at) -> bool:
    """Did this facility dispense online around the time it says it served from paper?
    Then the site was reachable and the paper path is not for it."""
    window = timedelta(minutes=settings.PAPER_ONLINE_WINDOW_MINUTES)
    return Dispense.objects.filter(facility_id=membership.facility_id, paper=False,
                                   ended_at__range=(served_at - window,
                                                    served_at + window)).exists()


def _digest(token: str, lines: object, served_at, payment: object) -> str:
    body = json.dumps([token, lines, served_at.isoformat(), payment], sort_keys=True,
                      ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def paper_dispense_sync(*, membership: Membership, key: object, token: str, lines: object,
                        served_at, payment: object = None,
                        facility_id: object = None) -> SyncOutcome:
    """Turn one offline service into a dispense, or a recorded conflict."""
    key = key_clean(key)
    if facility_id not in (None, "") and str(facility_id) != str(membership.facility_id):
        # A device's record of another facility: not this session's to sync (kept there).
        raise Conflict(_("این تحویل در مرکز دیگری ثبت شده است؛ با همان مرکز وارد شوید."),
                       code="facility_mismatch")
    digest = _digest(token, lines, served_at, payment)
    earlier = PaperDispense.objects.filter(facility_id=membership.facility_id, key=key).first()
    if earlier is not None:
        if earlier.digest and earlier.digest != digest:
            raise Unverifiable(_("این کلید یکتایی با محتوای دیگری به کار رفته است."),
                               code="idempotency_mismatch")
        return SyncOutcome(earlier, True)
    record = PaperDispense(key=key, facility_id=membership.facility_id, membership=membership,
                           payload=token[:4000], lines=lines if isinstance(lines, list) else [],
                           payment=payment if isinstance(payment, dict) else None,
                           served_at=min(served_at, timezone.now()), digest=digest)
    try:
        served_at = started_at_clean(served_at, paper=True)  # a wrong clock is a conflict too
        prescription = _check_copy(record, membership, token, served_at)
        outcome = dispense_record(
            membership=membership, prescription=prescription,
            lines=_lines(prescription, lines), idempotency_key=f"paper:{key}",
            started_at=served_at, payment=payment, paper=True)
        record.status, record.dispense = PaperDispense.Status.SYNCED, outcome.dispense
        if _was_online(membership, served_at):
            # Served all the same (the patient has the medicine), flagged for reviewers: the
            # site answered this facility around then, which an outage at its start or end
            # explains and a made-up outage does not.
            record.code, record.reason = "online_nearby", _(
                "این مرکز نزدیک همین زمان برخط هم نسخه ارائه کرده است.")
    except _Refused as refused:
        record.status, record.code, record.reason = (PaperDispense.Status.CONFLICT,
                                                     refused.code, refused.message[:300])
    except DomainError as error:
        if error.code in RETRYABLE:  # the counter tries again later: 503, nothing kept
            raise ServiceUnavailable(error.message, code=error.code) from error
        record.status, record.code, record.reason = (PaperDispense.Status.CONFLICT,
                                                     error.code, str(error.message)[:300])
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:  # the same key synced at the same moment: that one stands
        return SyncOutcome(PaperDispense.objects.get(facility_id=membership.facility_id,
                                                     key=key), True)
    return SyncOutcome(record, False)
