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


class CompiledRead:
    """An ORM read of fixed shape whose SQL Django compiles once per process and database
    alias, not on every call (the issue-10 profile: compiling cost more than running).

    `build(*values)` returns the queryset; it is built once with `stand_ins`, values that
    cannot occur in real data (negative ids, a date in 1901), and compiled. Each call puts
    the real values, adapted as the ORM adapts them, where the stand-ins sat among the
    query's parameters, and turns the rows into instances through the ORM's own machinery
    (converters, select_related populators), as `list(queryset)` would.
    `tests/test_compiled_reads.py` proves both give the same rows."""

    def __init__(self, model, build, *stand_ins, adapt=None):
        self.model, self.build, self.stand_ins = model, build, stand_ins
        self.adapt = adapt or (lambda connection, values: values)
        self._compiled: dict[str, tuple] = {}

    def _compile(self, alias: str) -> tuple:
        from django.db import connections

        queryset = self.build(*self.stand_ins).using(alias)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        adapted = self.adapt(connections[alias], self.stand_ins)
        places = [[i for i, p in enumerate(params) if p == stand_in] for stand_in in adapted]
        taken = [i for found in places for i in found]
        if any(not found for found in places) or len(taken) != len(set(taken)):
            raise ValueError(f"stand-ins not found once each in {params!r}")
        compiled = (compiler, sql, tuple(params), places)
        self._compiled[alias] = compiled
        return compiled

    def __call__(self, *values) -> list:
        import copy

        from django.db import connections, router
        from django.db.models.query import get_related_populators

        alias = (router.db_for_write(self.model) if connections["default"].in_atomic_block
                 else router.db_for_read(self.model)) or "default"
        compiler, sql, params, places = self._compiled.get(alias) or self._compile(alias)
        connection = connections[alias]
        sent = list(params)
        for found, value in zip(places, self.adapt(connection, values), strict=True):
            for index in found:
                sent[index] = value
        call = copy.copy(compiler)  # per call: threads never share the connection or params
        call.connection = connection
        call.as_sql = lambda *args, **kwargs: (sql, tuple(sent))
        rows = call.execute_sql()
        select, klass_info = call.select, call.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [f[0].target.attname for f in select[start:end]]
        populators = get_related_populators(klass_info, select, alias)
        found = []
        for row in call.results_iter(rows):
            instance = klass_info["model"].from_db(alias, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            found.append(instance)
        return found
