"""Which prescription events tell the patient, and with what text (notices/texts.py): one
INSERT in the event's own transaction each (notices/services.py sends them after it)."""

from __future__ import annotations

from notices import texts
from notices.models import Notice
from notices.services import notice_queue
from prescriptions.models import Prescription


def registered(rx: Prescription) -> None:
    notice_queue(event=Notice.Event.REGISTERED, patient_id=rx.patient_id,
                 key=f"rx:{rx.pk}:registered",
                 text=texts.registered(tracking_code=rx.tracking_code, kind=rx.kind,
                                       valid_until=rx.valid_until))


def edited(rx: Prescription) -> None:
    notice_queue(event=Notice.Event.EDITED, patient_id=rx.patient_id,
                 key=f"rx:{rx.pk}:v{rx.version}",
                 text=texts.edited(tracking_code=rx.tracking_code, version=rx.version))


def cancelled(rx: Prescription) -> None:
    notice_queue(event=Notice.Event.CANCELLED, patient_id=rx.patient_id,
                 key=f"rx:{rx.pk}:cancelled", text=texts.cancelled(tracking_code=rx.tracking_code))


def dispensed(rx: Prescription, *, dispense_id: int, fully: bool) -> None:
    if fully:
        event, text = Notice.Event.DISPENSED, texts.dispensed(tracking_code=rx.tracking_code,
                                                              kind=rx.kind)
    else:
        event, text = Notice.Event.PARTLY_DISPENSED, texts.partly_dispensed(
            tracking_code=rx.tracking_code, kind=rx.kind, valid_until=rx.valid_until)
    notice_queue(event=event, patient_id=rx.patient_id, key=f"dispense:{dispense_id}",
                 text=text)


def result_recorded(rx: Prescription, *, item_id: int, recorded_at: str) -> None:
    notice_queue(event=Notice.Event.RESULT, patient_id=rx.patient_id,
                 key=f"result:{item_id}:{recorded_at}"[:80],
                 text=texts.result(tracking_code=rx.tracking_code))
