"""The paper copy's verbs: print a copy (logged), verify a presented copy."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts import services as accounts_services
from accounts.errors import Conflict
from accounts.models import AccessLog, Membership
from paper import documents, payload
from prescriptions.models import Prescription


def paper_copy(*, viewer: Membership, prescription: Prescription, ip: str | None) -> bytes:
    """The PDF of a prescription that can still be served; every download is logged, the
    patient's own too (they see it in their access log)."""
    if prescription.status == Prescription.Status.CANCELLED:
        raise Conflict(_("این نسخه ابطال شده و نسخه کاغذی ندارد."), code="cancelled")
    if prescription.status == Prescription.Status.DISPENSED:
        raise Conflict(_("همه اقلام این نسخه ارائه شده و نسخه کاغذی ندارد."),
                       code="dispensed")
    if prescription.status == Prescription.Status.EXPIRED or prescription.is_past_validity:
        raise Conflict(_("اعتبار این نسخه گذشته و نسخه کاغذی ندارد."), code="expired")
    pdf = documents.paper_pdf(prescription)
    accounts_services.access_log_record(
        action=AccessLog.Action.PAPER_COPY, actor=viewer.user, membership=viewer,
        patient=prescription.patient, target=prescription.tracking_code, ip=ip)
    return pdf


def paper_verify(*, viewer: Membership, token: object, ip: str | None) -> dict:
    """What a genuine copy says, and what the site knows of it now (its status, and whether
    the copy is of the current version)."""
    content, site_key = payload.verify(token)
    current = (Prescription.objects.select_related("patient")
               .filter(tracking_code=content["tracking_code"]).first())
    if current is not None:
        accounts_services.access_log_record(
            action=AccessLog.Action.PRESCRIPTION_READ, actor=viewer.user, membership=viewer,
            patient=current.patient, target=f"paper:{current.tracking_code}", ip=ip)
    signed = bool(content.get("doctor_signature"))
    return {
        "valid": True,
        "tracking_code": content["tracking_code"], "hid": content["hid"],
        "kind": content.get("kind"), "issued_at": content["issued_at"],
        "valid_until": content.get("valid_until"),
        "signed_by": (content.get("doctor") or {}).get("name") if signed else None,
        "doctor": content.get("doctor"), "doctor_key": content.get("doctor_key"),
        "patient": content.get("patient"),
        "items": [{"code": i.get("code"), "name": i.get("name"), "quantity": i.get("quantity"),
                   "dosage": i.get("dosage", "")} for i in content["items"]
                  if isinstance(i, dict)],
        "site_key": site_key.kid,
        "status": current.status if current else None,
        "current_version": (current.version == content.get("version")) if current else None,
    }
