"""Paraclinic results (§9-2-8): a lab value or components, an imaging report, physio
sessions done. Recording one counts the service as performed, and claimed."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Conflict, Invalid
from accounts.identity import db_id, latin_digits
from accounts.jalali import fa_digits
from accounts.models import Membership
from pharmacy.services import LineInput, check_fulfiller, perform_locked
from prescriptions import patient_notices, results_spec
from prescriptions.errors import prescription_missing
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


def _lab_entry(raw: dict, problems: list[str], *, spec: dict, patient, day) -> dict:
    """One value (or component), its unit in UCUM and the test's own where it has one, its
    reference range by the patient's sex and age unless the lab gives one, its flag."""
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or value == "":
        problems.append(_("مقدار نتیجه لازم است."))
        return {}
    name = str(raw.get("name") or "")[:100]
    expected = str(spec.get("unit") or "")
    unit = results_spec.ucum_normalize(str(raw.get("unit") or "")[:30]) or expected
    if expected and results_spec.same_unit(unit, expected):
        unit = expected  # the test's own spelling (UCUM's litre is "l" or "L")
    if unit and not results_spec.is_ucum(unit):
        problems.append(_("واحد «{u}» واحد UCUM نیست (مانند mg/dL یا 10*3/uL).").format(u=unit))
    elif expected and unit != expected:
        problems.append(_("واحد «{u}» برای {n} نیست؛ واحد این آزمایش {e} است.").format(
            u=unit, n=name or _("این آزمایش"), e=expected))
    entry = {
        "name": name,
        "value": value if not isinstance(value, str) else value[:100],
        "unit": unit,
        "reference_range": str(raw.get("reference_range") or "")[:50]
        or results_spec.reference_range(spec.get("ranges"), sex=patient.sex,
                                        birth_date=patient.birth_date, on=day),
    }
    if spec.get("loinc"):
        entry["loinc"] = spec["loinc"]
    flag = raw.get("flag")
    if flag not in (None, "") and flag not in FLAGS:
        problems.append(_("نشانه باید low، normal یا high باشد."))
    entry["flag"] = flag or _flag(entry["value"], entry["reference_range"])
    return entry


def _imaging(raw: dict, problems: list[str]) -> dict:
    """A report as findings and impression (or one text), with the study's DICOM UID when
    the modality gives one."""
    parts = {}
    for field in ("report", "findings", "impression"):
        text = raw.get(field)
        if text is not None and (not isinstance(text, str) or len(text) > 20_000):
            problems.append(_("متن گزارش حداکثر ۲۰٬۰۰۰ نویسه است."))
            return {"report": ""}
        parts[field] = (text or "").strip()
    if not any(parts.values()):
        problems.append(_("متن گزارش لازم است (حداکثر ۲۰٬۰۰۰ نویسه)."))
    result = {"report": parts["report"] or "\n\n".join(
        text for text in (parts["findings"], parts["impression"]) if text)}
    result.update({k: v for k, v in parts.items() if k != "report" and v})
    uid = raw.get("study_uid")
    if uid not in (None, ""):
        if not isinstance(uid, str) or not results_spec.dicom_uid_ok(uid.strip()):
            problems.append(_("شناسه مطالعه DICOM نامعتبر است (ارقام و نقطه، حداکثر ۶۴)."))
        else:
            result["study_uid"] = uid.strip()
    return result


def result_clean(raw: object, *, kind: str, item: PrescriptionItem, patient) -> dict:
    if not isinstance(raw, dict):
        raise Invalid(_("نتیجه باید یک شیء باشد."), errors={"result": [_("نامعتبر")]})
    problems: list[str] = []
    spec = item.catalog_item.result_spec if isinstance(item.catalog_item.result_spec,
                                                       dict) else {}
    day = timezone.localdate()
    if kind == Kind.LAB:
        components = raw.get("components")
        if components is not None:
            if not isinstance(components, list) or not 0 < len(components) <= 50:
                problems.append(_("اجزای نتیجه نامعتبر است."))
                result = {}
            else:
                result = {"components": [
                    _lab_entry(c if isinstance(c, dict) else {}, problems, spec=(
                        results_spec.component_spec(spec, str(c.get("name") or ""))
                        if isinstance(c, dict) else {}), patient=patient, day=day)
                    for c in components]}
        else:
            result = _lab_entry(raw, problems, spec=spec, patient=patient, day=day)
        if item.catalog_item.loinc:
            result["loinc"] = item.catalog_item.loinc
    elif kind == Kind.IMAGING:
        result = _imaging(raw, problems)
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
        raise prescription_missing()
    pk = db_id(item_id)
    with transaction.atomic():
        locked = (Prescription.objects.select_for_update(of=("self",))
                  .select_related("patient", "visit", "doctor__practitioner")
                  .get(pk=prescription.pk))
        item = locked.items.select_related("catalog_item").filter(pk=pk).first() if pk else None
        if item is None:
            raise Invalid(_("این قلم متعلق به این نسخه نیست."),
                          errors={"item": [_("قلم نامعتبر است.")]})
        cleaned = result_clean(result, kind=locked.kind, item=item, patient=locked.patient)
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
