"""Prepared statements: the hand-written hot queries (config.sql.hot_cursor) are prepared on
PostgreSQL after DB_PREPARE_THRESHOLD runs on a connection and their plan is reused; behind
PgBouncer in transaction pooling nothing is prepared."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from config.sql import hot_cursor
from prescriptions import selectors
from tests.conftest import DEMO
from tests.ops.test_replicas import _settings_with

PG = "postgres://app@primary:5432/noskhe"


def _options(**env: str) -> dict:
    done = _settings_with(DATABASE_URL=PG, **env)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)["databases"]["default"]["OPTIONS"]


def test_queries_are_prepared_after_five_runs_unless_turned_off_or_behind_pgbouncer():
    assert _options()["prepare_threshold"] == 5
    assert "server_side_binding" not in _options()
    assert _options(DB_PREPARE_THRESHOLD="2")["prepare_threshold"] == 2
    assert _options(DB_PREPARE_THRESHOLD="off")["prepare_threshold"] is None
    assert _options(DB_PGBOUNCER="1", DB_PREPARE_THRESHOLD="3")["prepare_threshold"] is None


def _prepared(fragment: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans "
                       "FROM pg_prepared_statements WHERE statement LIKE %s",
                       [f"%{fragment}%"])
        return cursor.fetchall()


@pytest.mark.postgres
def test_a_hot_query_is_prepared_after_five_runs_and_then_reused(db):
    sql = "SELECT %s::int + 1 AS prepared_probe"
    for run in range(1, 8):
        with CaptureQueriesContext(connection) as logged, hot_cursor() as cursor:
            cursor.execute(sql, [run])
            assert cursor.fetchone() == (run + 1,)  # the real value each time
        assert "prepared_probe" in logged.captured_queries[0]["sql"]  # logged, prepared too
        executions = sum(count for _statement, count in _prepared("prepared_probe"))
        assert executions == max(0, run - 5), run


@pytest.mark.postgres
def test_the_counter_lookup_is_prepared_and_answers_the_same(written):
    code = written([{"code": "PARA-500-TAB", "quantity": 10}])["tracking_code"]
    pharmacy = Membership.objects.select_related("facility").get(
        user__national_code=DEMO["pharmacy"][0])
    answers = [[p.tracking_code for p in selectors.counter_lookup(
        viewer=pharmacy, query=DEMO["patient"][0])] for _ in range(7)]
    assert code in answers[0] and all(answer == answers[0] for answer in answers)
    assert _prepared("mo ON mo.id = pt.mother_id"), "the counter's query was never prepared"


def _generic_plans() -> dict[str, str]:
    """Each statement prepared on this connection, with the plan PostgreSQL would keep once
    it turns generic (its parameters unknown), sequential scans priced out: what the plan
    can use."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement, cardinality(parameter_types) "
                       "FROM pg_prepared_statements")
        statements = cursor.fetchall()
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        cursor.execute("SET enable_seqscan = off")
        plans = {}
        try:
            for name, statement, count in statements:
                cursor.execute(f"EXPLAIN EXECUTE {name}({', '.join(['NULL'] * count)})")
                plans[statement] = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET plan_cache_mode")
            cursor.execute("RESET enable_seqscan")
    return plans


@pytest.mark.postgres
def test_the_pack_code_check_can_use_its_partial_index_once_prepared(db):
    """The pack-code index holds only lines with a code; `uid = $1` alone cannot prove a
    line has one, so the generic plan read every line ever dispensed (and PostgreSQL kept
    it when it was made while the table was small). The query states `uid <> ''`."""
    from pharmacy.services import _lines_of_packs

    for run in range(7):
        assert _lines_of_packs([f"62800000000000{run:02d}"]) == []
    (plan,) = [plan for statement, plan in _generic_plans().items()
               if 'FROM "pharmacy_dispenseline" WHERE' in statement]
    assert "pack_code_used_once" in plan and "Seq Scan" not in plan, plan


# tables that grow with every prescription, dispense, claim, notice or read
GROWING = ("prescriptions_visit", "prescriptions_prescription", "prescriptions_prescriptionitem",
           "prescriptions_prescriptionversion", "pharmacy_dispense", "pharmacy_dispenseline",
           "claims_claim", "claims_claimline", "notices_notice", "accounts_accesslog",
           "accounts_patient", "accounts_apitoken")


@pytest.mark.postgres
def test_no_hot_statement_needs_to_read_a_growing_table_whole(written, api_as):
    """Every statement the counter's paths prepare (create, lookup, dispense and the
    patients' notices they queue, seven times each), planned as PostgreSQL plans it once
    generic, with sequential scans priced out: a sequential scan that remains on a table
    that grows means no index can serve the statement without its values, the plan that a
    new deployment's small tables make stick (the pack-code check's did)."""
    import re

    from notices.services import notices_flush

    pharmacy = api_as("pharmacy")
    for run in range(7):
        rx = written([{"code": "AMOX-500-CAP", "quantity": 20},
                      {"code": "PARA-500-TAB", "quantity": 10}])
        assert pharmacy.get("/api/v1/prescriptions",
                            {"national_code": DEMO["patient"][0]}).status_code == 200
        answer = pharmacy.post(f"/api/v1/prescriptions/{rx['tracking_code']}/dispense", {
            "lines": [{"item": rx["items"][0]["id"], "quantity": 20,
                       "uid": f"62800000001000{run:02d}"}],
            "acknowledge_warnings": True}, format="json")
        assert answer.status_code == 201, answer.content
        notices_flush()  # the worker's statements
    plans = _generic_plans()
    assert len(plans) >= 20, list(plans)  # the paths were prepared
    assert any("notices_notice" in statement and "SKIP LOCKED" in statement
               for statement in plans), list(plans)
    scans = {statement[:200]: whole for statement, plan in plans.items()
             if (whole := [t for t in re.findall(r"Seq Scan on (\w+)", plan) if t in GROWING])}
    assert not scans, scans
