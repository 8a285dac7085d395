"""Hand-written hot queries on PostgreSQL's prepared statements.

Django binds parameters on the client, so PostgreSQL plans every query afresh: for the
counter's ten-table lookup that planning (about 4 ms) costs more than running it (under
1 ms). `hot_cursor()` gives a cursor that binds on the server, so psycopg prepares a query
it has seen `prepare_threshold` times (5) on that connection and PostgreSQL reuses its
plan. It is wrapped like any Django cursor (query logging, execute wrappers, the query
counts the tests assert). Behind PgBouncer in transaction pooling `prepare_threshold` is
None (config/settings.py) and nothing is prepared; on SQLite it is the ordinary cursor."""

from __future__ import annotations

from django.db import connection


def hot_cursor():
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    return connection._prepare_cursor(psycopg.Cursor(connection.connection))
