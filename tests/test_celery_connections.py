"""The worker keeps its database connection from task to task (Celery's Django fixup would
open a new one for each), drops it when it is too old or a task failed, and checks it
before use."""

import time
import uuid
from types import SimpleNamespace

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from config import celery as worker_config


def _task(eager: bool = False):
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


def _open():
    connection.ensure_connection()
    return connection.connection


@pytest.fixture
def closed(monkeypatch):
    """closed() -> whether the connection was closed since: asked to close and gone, or, on
    SQLite's in-memory test database (whose close() is a no-op, or the data would go), asked
    to close."""
    wrapper, calls = connections[DEFAULT_DB_ALIAS], []
    real = wrapper.close

    def close():
        calls.append(True)
        real()

    monkeypatch.setattr(wrapper, "close", close)

    def was_closed() -> bool:
        if not calls:
            return False
        if wrapper.vendor == "sqlite" and wrapper.is_in_memory_db():
            return True
        return wrapper.connection is None

    return was_closed


def test_the_fixup_reuses_connections_across_tasks():
    from celery.fixups.django import DjangoWorkerFixup

    fixup = DjangoWorkerFixup(worker_config.app)
    assert fixup.db_reuse_max == worker_config.DB_REUSE_MAX >= 100


@pytest.mark.django_db(transaction=True)
def test_a_connection_outlives_a_successful_task(closed):
    raw = _open()
    connection.close_at = time.monotonic() + 60  # young (SQLite's test settings keep none)
    worker_config._connections_checked(sender=_task())
    worker_config._connections_dropped_on_failure(sender=_task(), state="SUCCESS")
    assert connection.connection is raw and not closed()
    # checked again before its next use (CONN_HEALTH_CHECKS)
    assert connection.health_check_done is False or not connection.health_check_enabled


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("state", ["FAILURE", "RETRY", "REVOKED"])
def test_a_failed_task_closes_its_connections(state, closed):
    _open()
    worker_config._connections_dropped_on_failure(sender=_task(), state=state)
    assert closed()
    assert connection.cursor()  # and the next task connects again


@pytest.mark.django_db(transaction=True)
def test_a_connection_past_its_age_is_closed_before_a_task(closed):
    _open()
    connection.close_at = time.monotonic() - 1
    worker_config._connections_checked(sender=_task())
    assert closed()


@pytest.mark.django_db(transaction=True)
def test_eager_tasks_leave_the_callers_connection_alone(closed):
    raw = _open()
    connection.close_at = time.monotonic() - 1
    worker_config._connections_checked(sender=_task(eager=True))
    worker_config._connections_dropped_on_failure(sender=_task(eager=True), state="FAILURE")
    assert connection.connection is raw and not closed()


@pytest.mark.worker
@pytest.mark.postgres
def test_a_real_worker_serves_many_tasks_on_one_backend(worker_factory, outbox):
    """Four notices through a real worker: one PostgreSQL backend serves them all, where the
    fixup's default opened (and forked) one per task."""
    from django.core.management import call_command

    from accounts.models import Facility, Role, User
    from accounts.services import membership_grant
    from tests.conftest import DEMO, wait_for

    name = f"noskhe-worker-{uuid.uuid4().hex[:8]}"
    worker_factory(PGAPPNAME=name)
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    facility = Facility.objects.get(name="داروخانه سینا")
    backends = []
    for number, who in enumerate(("patient2", "uninsured", "referred", "covered_twice"), 1):
        membership_grant(user=User.objects.get(national_code=DEMO[who][0]), role=Role.PHARMACY,
                         facility=facility)
        wait_for(lambda n=number: len([m for m in outbox.messages()
                                       if m["purpose"] == "notice"]) >= n)
        with connection.cursor() as cursor:
            # the worker's backend, idle after the task (none if it closed its connection)
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                           [name])
            backends.append([row[0] for row in cursor.fetchall()])
    assert len(backends[0]) == 1, backends
    assert backends == [backends[0]] * 4, backends
