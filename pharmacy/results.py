"""Paraclinic results (§9-2-8): a lab value or components, an imaging report, physio
sessions done. Recording one counts the service as performed, and claimed."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Conflict, Invalid, NotFound
from accounts.identity import db_id, latin_digits
from accounts.jalali import fa_digits
from accounts.models import Membership
from pharmacy.services import LineInput, check_fulfiller, perform_locked
from prescriptions import patient_notices
from prescriptions.models import Kind, Prescription, PrescriptionItem
from prescriptions.services import whole_number

FLAGS = {"low", "normal", "high"}


def _flag(value: object, reference_range: str) -> str | None:
    try:
        low, high = (float(x) for x in latin_digits(reference_range).split("-", 1))
        number = float(value)
    except (TypeError, ValueError):
        return None
    return "low" if number < low else "high" if number > high else "normal"


def _lab_entry(raw: dict, problems: list[str]) -> dict:
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or value == "":
        problems.append(_("مقدار نتیجه لازم است."))
        return {}
    entry = {
        "name": str(raw.get("name") or "")[:100],
        "value": value if not isinstance(value, str) else value[:100],
        "unit": str(raw.get("unit") or "")[:30],
        "reference_range": str(raw.get("reference_range") or "")[:50],
    }
    flag = raw.get("flag")
    if flag not in (None, "") and flag not in FLAGS:
        problems.append(_("نشانه باید low، normal یا high باشد."))
    entry["flag"] = flag or _flag(entry["value"], entry["reference_range"])
    return entry


def result_clean(raw: object, *, kind: str, item: PrescriptionItem) -> dict:
    if not isinstance(raw, dict):
        raise Invalid(_("نتیجه باید یک شیء باشد."), errors={"result": [_("نامعتبر")]})
    problems: list[str] = []
    if kind == Kind.LAB:
        components = raw.get("components")
        if components is not None:
            if not isinstance(components, list) or not 0 < len(components) <= 50:
                problems.append(_("اجزای نتیجه نامعتبر است."))
                result = {}
            else:
                result = {"components": [
                    _lab_entry(c if isinstance(c, dict) else {}, problems) for c in components]}
        else:
            result = _lab_entry(raw, problems)
    elif kind == Kind.IMAGING:
        report = raw.get("report")
        if not isinstance(report, str) or not report.strip() or len(report) > 20_000:
            problems.append(_("متن گزارش لازم است (حداکثر ۲۰٬۰۰۰ نویسه)."))
        result = {"report": (report or "").strip() if isinstance(report, str) else ""}
    else:
        sessions = whole_number(raw.get("sessions_done"))
        if sessions is None or not item.dispensed_quantity <= sessions <= item.quantity:
            problems.append(_("جلسات انجام‌شده باید بین {a} و {b} باشد.").format(
                a=fa_digits(item.dispensed_quantity), b=fa_digits(item.quantity)))
        result = {"sessions_done": sessions, "sessions_ordered": item.quantity}
    note = raw.get("note")
    if isinstance(note, str) and note.strip():
        result["note"] = note.strip()[:500]
    if problems:
        raise Invalid(problems[0], errors={"result": problems})
    return result


def result_record(*, membership: Membership, prescription: Prescription, item_id: object,
                  result: object) -> PrescriptionItem:
    """Record a paraclinic result; the service counts as performed (and claimed) with it."""
    check_fulfiller(membership, prescription)
    if prescription.kind == Kind.DRUG:
        raise NotFound(_("نسخه پیدا نشد."))
    pk = db_id(item_id)
    with transaction.atomic():
        locked = (Prescription.objects.select_for_update(of=("self",))
                  .select_related("patient", "visit", "doctor__practitioner")
                  .get(pk=prescription.pk))
        item = locked.items.filter(pk=pk).first() if pk else None
        if item is None:
            raise Invalid(_("این قلم متعلق به این نسخه نیست."),
                          errors={"item": [_("قلم نامعتبر است.")]})
        cleaned = result_clean(result, kind=locked.kind, item=item)
        to_perform = (cleaned["sessions_done"] - item.dispensed_quantity
                      if locked.kind == Kind.PHYSIO else item.remaining)
        if to_perform > 0:
            perform_locked(locked=locked, membership=membership,
                           lines=[LineInput(item.pk, to_perform, "")], notify=False)
        elif locked.status == Prescription.Status.CANCELLED:
            raise Conflict(_("این نسخه ابطال شده است."), code="cancelled")
        cleaned["recorded_at"] = timezone.now().isoformat()
        cleaned["recorded_by"] = membership.facility.name
        PrescriptionItem.objects.filter(pk=item.pk).update(result=cleaned)
        patient_notices.result_recorded(locked, item_id=item.pk,
                                        recorded_at=cleaned["recorded_at"])
        item.refresh_from_db()
    return item
