"""Telling patients what happened to their prescriptions (seed 001: the tracking code
reaches them by SMS).

`notice_queue` runs inside the clinical event's transaction and costs it one INSERT: the
notice commits or rolls back with the event, so none is lost, and its unique key (the
event's identity) means a repeat is one notice, not two.

After the commit the worker is woken (`_hand_over`), but not once per notice: a short-lived
flag in Redis says a flush is already on its way, and the flush starts a second after the
notice that woke it, so at the national peak (two notices a second per prescription written
and dispensed) one task a second sends them all. The flush
(`notices_flush`) clears the flag first, then takes every due notice from pending to
sending in one conditional UPDATE (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so two workers
never take the same notice; a notice committed after the flag was cleared sets it again and
wakes another flush. It sends them and settles all of them in one more UPDATE.

A gateway failure puts the notice back with a growing delay (1, 2, 4 … minutes; failed
after nine attempts), and the ones not yet tried that round back as they were: the clinical
action has long answered. The sweep (beat, every minute) flushes what is due whatever
happened to a wake-up (the broker or the flag's Redis down, a worker lost), and marks
failed, for review rather than a second send, what a dead worker left sending.

Whether the patient wants notices, and the number they go to, are read at sending time: the
patient's own account mobile or registered mobile, and for a newborn registered under the
mother, the mother's."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.cache import cache
from django.db import connections, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from accounts.models import Patient
from accounts.sms import SMSError, send_sms
from config.sql import CompiledInRead, execute, hot_cursor, insert_rows, quoted
from notices.models import Notice, Preference

logger = logging.getLogger(__name__)
# A notice left "sending" this long: its worker died mid-send. It may have gone out, so it
# is marked failed for review rather than sent a second time.
ABANDONED = dt.timedelta(minutes=15)
# The ninth failed attempt fails the notice (about four hours of retries in all).
MAX_ATTEMPTS = 9
# Notices one statement takes; a flush takes batches until none is due. A worker killed
# mid-batch leaves its batch "sending", failed for review rather than sent twice, so the
# batch is small: four statements per 32 notices cost the database next to nothing.
BATCH = 32
# The wake-up flag's life: a flush lost with its worker delays the next by this at most.
FLAG, FLAG_SECONDS = "notices:flush", 10
# A woken flush starts this long after the first notice that woke it, so that the notices
# committed meanwhile go in the same batch: under load one flush a second rather than one
# per few prescriptions (each flush costs the worker a task and four statements).
GATHER_SECONDS = 1


def notice_queue(*, event: str, patient_id: int, key: str, text: str) -> None:
    insert_rows([Notice(key=key[:80], patient_id=patient_id, event=event, text=text[:320])],
                skip_conflicts=True)
    transaction.on_commit(_hand_over, robust=True)


def _hand_over() -> None:
    """Wake a flush unless one is on its way; with the broker down the notice stays
    pending for the sweep."""
    from kombu.exceptions import OperationalError

    from notices.tasks import notices_flush_task

    eager = notices_flush_task.app.conf.task_always_eager
    try:
        if not eager and not cache.add(FLAG, 1, FLAG_SECONDS):
            return  # a flush is queued and will take this notice: it clears the flag first
    except RedisError:  # the flag's Redis down: wake a flush anyway
        logger.warning("notices' wake-up flag unavailable; waking a flush")
    try:
        notices_flush_task.apply_async(countdown=GATHER_SECONDS, retry=False)
    except OperationalError:
        logger.warning("notices left for the sweep: the broker is down")
        _flag_clear()


def _flag_clear() -> None:
    try:
        cache.delete(FLAG)
    except RedisError:  # it expires alone
        logger.warning("notices' wake-up flag unavailable")


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
    return not _opted_out([_holder(patient).pk])


# The flush's reads, of a batch's people at once, compiled once per size and prepared
# (config.sql); sizes are rounded up to a power of two with ids no row has.
_people = CompiledInRead(
    Patient, lambda ids: Patient.objects.select_related("user", "mother__user").filter(
        pk__in=ids), lambda i: -900_000 - i)
_opted_out_rows = CompiledInRead(
    Preference, lambda ids: Preference.objects.filter(patient_id__in=ids, sms=False),
    lambda i: -900_000 - i)


def _padded(ids) -> list[int]:
    ids = list(dict.fromkeys(ids))
    size = 1 << max(len(ids) - 1, 0).bit_length()
    return ids + [-1 - n for n in range(size - len(ids))]


def _opted_out(holder_ids) -> set[int]:
    return {p.patient_id for p in _opted_out_rows(_padded(holder_ids))}


def _take(now: dt.datetime) -> list[tuple]:
    """Up to BATCH due notices, pending to sending, counting the attempt: only one worker
    gets each (SKIP LOCKED: a second flush takes the next ones, it does not wait). The
    pick is a materialised CTE: as an `IN (subquery)` PostgreSQL may run it more than once
    and take more than BATCH. Statuses are written into the text, so the partial index's
    predicate is proven."""
    table, c = quoted(Notice)
    db = connections["default"]
    prep = Notice._meta.get_field("due_at").get_db_prep_save
    lock = " FOR UPDATE SKIP LOCKED" if db.features.has_select_for_update_skip_locked else ""
    pk = f"{table}.{c['id']}"
    with hot_cursor() as cursor:
        cursor.execute(
            f"WITH picked AS MATERIALIZED (SELECT {c['id']} AS id FROM {table} "  # noqa: S608
            f"WHERE {c['status']} = 'pending' AND {c['due_at']} <= %s "
            f"ORDER BY {c['due_at']} LIMIT %s{lock}) "
            f"UPDATE {table} SET {c['status']} = 'sending', "
            f"{c['attempts']} = {table}.{c['attempts']} + 1, {c['due_at']} = %s "
            f"FROM picked WHERE {pk} = picked.id AND {table}.{c['status']} = 'pending' "
            f"RETURNING {pk}, {table}.{c['patient']}, {table}.{c['text']}, "
            f"{table}.{c['to']}, {table}.{c['attempts']}",
            [prep(now, db), BATCH, prep(now + ABANDONED, db)])
        return sorted(cursor.fetchall())  # RETURNING keeps no order: the events' own


class _GatewayDown(Exception):
    pass


def _settle(outcomes: list[tuple]) -> None:
    """Every notice of a batch to where it ended, in one UPDATE: (id, status, to,
    sent_at, due_at, attempts) each."""
    if not outcomes:
        return
    table, c = quoted(Notice)
    db = connections["default"]
    cast = (lambda column, kind: f"CAST({column} AS {kind})") if db.vendor == "postgresql" \
        else (lambda column, kind: column)
    prep = Notice._meta.get_field("due_at").get_db_prep_save
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(outcomes))
    execute(
        f"UPDATE {table} SET {c['status']} = v.column2, {c['to']} = v.column3, "  # noqa: S608
        f"{c['sent_at']} = {cast('v.column4', 'timestamptz')}, "
        f"{c['due_at']} = {cast('v.column5', 'timestamptz')}, "
        f"{c['attempts']} = v.column6 "
        f"FROM (VALUES {rows}) AS v WHERE {table}.{c['id']} = v.column1",
        [value for pk, status, to, sent_at, due_at, attempts in outcomes
         for value in (pk, str(status), to, prep(sent_at, db), prep(due_at, db), attempts)])


def _recipients(taken: list[tuple]) -> tuple[dict, set[int]]:
    """The batch's people (with their mothers and accounts) and who of them opted out."""
    people = {p.pk: p for p in _people(_padded(row[1] for row in taken))}
    return people, _opted_out(_holder(p).pk for p in people.values())


def _deliver(taken, people, opted_out, now, outcomes: list[tuple]) -> None:
    """Send each taken notice, appending where it ended to `outcomes` as it goes (so the
    one being sent is always `taken[len(outcomes)]`); stops at the first gateway failure
    (_GatewayDown), that notice settled for its retry."""
    for pk, patient_id, text, to, attempts in taken:
        patient = people.get(patient_id)  # none: removed since (its notices go with it)
        number = ("" if patient is None or _holder(patient).pk in opted_out
                  else recipient(patient))
        if not number:
            outcomes.append((pk, Notice.Status.SKIPPED, to, None, now, attempts))
            continue
        try:
            send_sms(to=number, text=text, purpose="patient")
        except SMSError as exc:
            status = (Notice.Status.FAILED if attempts >= MAX_ATTEMPTS
                      else Notice.Status.PENDING)
            outcomes.append((pk, status, number, None,
                             now + dt.timedelta(minutes=2 ** (attempts - 1)), attempts))
            raise _GatewayDown from exc
        outcomes.append((pk, Notice.Status.SENT, number, timezone.now(), now, attempts))


def _back(rows: list[tuple], due: dt.datetime) -> list[tuple]:
    """Taken notices not tried: pending again at `due`, their attempt not counted."""
    return [(pk, Notice.Status.PENDING, to, None, due, attempts - 1)
            for pk, _patient, _text, to, attempts in rows]


def notices_flush() -> int:
    """Send every due notice once; the number taken. The flag goes first: a notice
    committed from now on wakes another flush, one committed before is taken here."""
    _flag_clear()
    count = 0
    while True:
        now = timezone.now()
        taken = _take(now)
        if not taken:
            return count
        count += len(taken)
        try:
            people, opted_out = _recipients(taken)
        except Exception:
            _settle(_back(taken, now))
            raise
        outcomes: list[tuple] = []
        try:
            _deliver(taken, people, opted_out, now, outcomes)
        except _GatewayDown:  # the rest wait a minute for the next round
            _settle(outcomes + _back(taken[len(outcomes):], now + dt.timedelta(minutes=1)))
            return count
        except Exception:
            # unforeseen, mid-send: the one being sent stays "sending" (it may have gone
            # out; the sweep fails it for review), the rest go back
            _settle(outcomes + _back(taken[len(outcomes) + 1:], now))
            raise
        _settle(outcomes)
        if len(taken) < BATCH:
            return count


def notices_sweep() -> int:
    """Mark what dead workers left sending failed; flush whatever is due."""
    Notice.objects.filter(status=Notice.Status.SENDING, due_at__lt=timezone.now()).update(
        status=Notice.Status.FAILED)
    return notices_flush()


def preference_set(*, patient: Patient, sms: bool) -> bool:
    Preference.objects.update_or_create(patient=patient, defaults={"sms": bool(sms)})
    return bool(sms)
