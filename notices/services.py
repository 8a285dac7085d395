"""Telling patients what happened to their prescriptions (seed 001: the tracking code
reaches them by SMS).

`notice_queue` runs inside the clinical event's transaction and costs it one INSERT: the
notice commits or rolls back with the event, so none is lost, and its unique key (the
event's identity) means a repeat is one notice, not two. The worker sends it after the
commit (`notice_deliver`), taking the row from pending to sending with a conditional
UPDATE, so two workers handed the same notice send it once. A gateway failure puts it back
for a retry; the clinical action has long answered. Whether the patient wants notices, and
the number they go to, are read at sending time: the patient's own account mobile or
registered mobile, and for a newborn registered under the mother, the mother's."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from accounts.models import Patient
from accounts.sms import SMSError, send_sms
from config.sql import CompiledRead, execute, insert_rows, quoted
from notices.models import Notice, Preference

logger = logging.getLogger(__name__)
# A notice still pending this long after its event was not handed to a worker (the broker
# was down at commit time): the sweep hands it over again.
STALE = dt.timedelta(minutes=1)
# A notice left "sending" this long: its worker died mid-send. It may have gone out, so it
# is marked failed for review rather than sent a second time.
ABANDONED = dt.timedelta(minutes=15)


def notice_queue(*, event: str, patient_id: int, key: str, text: str) -> None:
    insert_rows([Notice(key=key[:80], patient_id=patient_id, event=event, text=text[:320])],
                skip_conflicts=True)
    transaction.on_commit(lambda: _hand_over(key[:80]), robust=True)


def _hand_over(key: str) -> None:
    """To the worker; with the broker down the notice stays pending for the sweep."""
    from kombu.exceptions import OperationalError

    from notices.tasks import notice_send_task

    try:
        notice_send_task.apply_async((key,), retry=False)
    except OperationalError:
        logger.warning("notice %s left for the sweep: the broker is down", key)


def _holder(patient: Patient) -> Patient:
    """Who holds the phone: a newborn registered under the mother is told through her."""
    if patient.mother_id and not (patient.national_code or patient.fida_code):
        return patient.mother
    return patient


def recipient(patient: Patient) -> str:
    """The number the person holds: their account's mobile, else the registered one."""
    holder = _holder(patient)
    if holder.user_id and holder.user.mobile:
        return holder.user.mobile
    return holder.mobile or ""


def preference_of(patient: Patient) -> bool:
    """Whether the person (a newborn's mother) wants notices; no row means yes."""
    return not _opted_out.first(_holder(patient).pk)


# The worker's reads and writes of every notice (two for each prescription written and
# dispensed), compiled once and prepared (config.sql), not compiled per task.
_of_key = CompiledRead(
    Notice, lambda key: Notice.objects.select_related(
        "patient__user", "patient__mother__user").filter(key=key)[:1], "\x00notice-key")
_opted_out = CompiledRead(
    Preference, lambda patient_id: Preference.objects.filter(
        patient_id=patient_id, sms=False)[:1], -900_001)


def _take(key: str) -> bool:
    """Pending to sending, counting the attempt: only one worker gets a notice."""
    table, c = quoted(Notice)
    return bool(execute(
        f"UPDATE {table} SET {c['status']} = %s, {c['attempts']} = {c['attempts']} + 1 "  # noqa: S608
        f"WHERE {c['key']} = %s AND {c['status']} = %s",
        [Notice.Status.SENDING, key, Notice.Status.PENDING]))


def _settle(pk: int, status: str, to: str, sent_at: dt.datetime | None) -> None:
    table, c = quoted(Notice)
    execute(f"UPDATE {table} SET {c['status']} = %s, {c['to']} = %s, "  # noqa: S608
            f"{c['sent_at']} = %s WHERE {c['id']} = %s", [status, to, sent_at, pk])


def notice_deliver(key: str) -> None:
    """Send one notice once; raises SMSError (the notice back to pending) for a retry."""
    if not _take(key):
        return  # sent, skipped or being sent by another worker
    notice = _of_key.first(key)
    to = recipient(notice.patient) if preference_of(notice.patient) else ""
    if not to:
        _settle(notice.pk, Notice.Status.SKIPPED, notice.to, notice.sent_at)
        return
    try:
        send_sms(to=to, text=notice.text, purpose="patient")
    except SMSError:
        _settle(notice.pk, Notice.Status.PENDING, to, notice.sent_at)
        raise
    _settle(notice.pk, Notice.Status.SENT, to, timezone.now())


def notice_give_up(key: str) -> None:
    Notice.objects.filter(key=key, status=Notice.Status.PENDING).update(
        status=Notice.Status.FAILED)


def notices_sweep() -> int:
    """Hand stale pending notices to the worker again; mark abandoned sends failed."""
    now = timezone.now()
    Notice.objects.filter(status=Notice.Status.SENDING, created_at__lt=now - ABANDONED).update(
        status=Notice.Status.FAILED)
    keys = list(Notice.objects.filter(status=Notice.Status.PENDING, created_at__lt=now - STALE)
                .order_by("created_at").values_list("key", flat=True)[:1000])
    for key in keys:
        _hand_over(key)
    return len(keys)


def preference_set(*, patient: Patient, sms: bool) -> bool:
    Preference.objects.update_or_create(patient=patient, defaults={"sms": bool(sms)})
    return bool(sms)
