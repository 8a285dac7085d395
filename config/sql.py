"""Hand-written hot queries on PostgreSQL's prepared statements, and the ORM's fixed-shape
reads and inserts built once per process.

Django binds parameters on the client and turns psycopg's prepared statements off, so
PostgreSQL plans every query afresh: for the counter's ten-table lookup that planning
(about 4 ms) costs more than running it (under 1 ms). `hot_cursor()` gives a cursor that
binds on the server; with `prepare_threshold` set (config/settings.py: 5 unless
DB_PREPARE_THRESHOLD says otherwise) psycopg prepares a query it has seen that many times on
that connection and PostgreSQL reuses its plan (tests/test_prepared.py). It is wrapped like
any Django cursor (query logging, execute wrappers, error translation, the query counts the
tests assert). Behind PgBouncer in transaction pooling `prepare_threshold` is None and
nothing is prepared; on SQLite it is the ordinary cursor."""

from __future__ import annotations

import copy
import datetime as dt
import functools

import psycopg
from django.db import connections, router
from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.fields import AutoFieldMixin
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import get_related_populators, prefetch_related_objects
from django.db.models.query_utils import DeferredAttribute


class PreparingCursor(psycopg.Cursor):
    """psycopg's server-binding cursor, which also remembers a query it sent as a prepared
    statement, so Django's query log (`last_executed_query`) shows its SQL."""

    def _send_query_prepared(self, name, pgq, *, binary=None):
        self._query = pgq
        super()._send_query_prepared(name, pgq, binary=binary)


try:
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader, get_adapters_template
except ImportError:  # no psycopg 3: SQLite only
    BaseTzLoader = get_adapters_template = None

if BaseTzLoader is not None:
    class IsoTimestamptzLoader(BaseTzLoader):
        """Django's timestamptz loader, parsing in C: Django subclasses psycopg's pure-Python
        loader (its C one cannot be subclassed), which cost more than 1 ms of a 6 ms counter
        lookup (seven timestamps a row). PostgreSQL's ISO text (`2026-12-02 01:29:45.1+00`)
        goes through `datetime.fromisoformat`; anything else (`infinity`, BC, year 10000, a
        non-ISO DateStyle) falls back to psycopg's own parse, which refuses or reads it as
        before. The result is the same instant in the same `timezone` as Django's loader."""

        def load(self, data):
            try:
                value = dt.datetime.fromisoformat(bytes(data).decode())
            except ValueError:
                return super().load(data)
            if value.tzinfo is None:
                return super().load(data)
            return value.astimezone(self.timezone)


def install_timestamptz_loader() -> None:
    """Put the C-parsing loader in the adapters every UTC connection of Django's starts
    from (USE_TZ: Django's connections run in UTC), before the first one opens."""
    if get_adapters_template is None:
        return
    template = get_adapters_template(True, dt.UTC)

    class UtcLoader(IsoTimestamptzLoader):
        timezone = dt.UTC

    template.register_loader("timestamptz", UtcLoader)


@functools.cache
def quoted(model) -> tuple[str, dict[str, str]]:
    """A model's table and its columns by field name, quoted, for hand-written SQL (only
    names from the model's metadata go into a statement's text; values are parameters).
    Worked out once per model; read it, never change it."""
    quote = connections["default"].ops.quote_name
    meta = model._meta
    return quote(meta.db_table), {f.name: quote(f.column) for f in meta.concrete_fields}


def execute(sql: str, params: list, alias: str = "default") -> int:
    """Run a hand-written write on the preparable cursor; the number of rows it touched."""
    with hot_cursor(alias) as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def read_alias(model) -> str:
    """Where a hand-written read of `model` goes: a replica when the router sends this
    request's reads there (config/db_router.py), the primary inside a transaction."""
    return (router.db_for_write(model) if connections["default"].in_atomic_block
            else router.db_for_read(model)) or "default"


def hot_cursor(alias: str = "default"):
    db = connections[alias]
    if db.vendor != "postgresql":
        return db.cursor()
    db.ensure_connection()
    return db._prepare_cursor(PreparingCursor(db.connection))


_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)
_plain: dict[type, bool] = {}


def _is_plain(model) -> bool:
    """True when `Model.__init__` would do nothing for `model` but set each field's value:
    no own `__init__`/`from_db`, no `pre_init`/`post_init` receiver, and every column
    attribute Django's plain descriptor (no `FileField`-like one that converts on set)."""
    plain = _plain.get(model)
    if plain is None:
        plain = _plain[model] = (
            model.__init__ is Model.__init__
            and model.from_db.__func__ is Model.from_db.__func__
            and not signals.pre_init.has_listeners(model)
            and not signals.post_init.has_listeners(model)
            and all(type(getattr(model, f.attname, None)) in _PLAIN_DESCRIPTORS
                    for f in model._meta.concrete_fields))
    return plain


def from_row(model, alias: str, attnames: list[str], values) -> Model:
    """A saved instance from a row (the columns `attnames`, in the model's order; any left
    out are deferred), as `model.from_db(alias, attnames, values)` makes it, without
    `Model.__init__`'s generic work (a counter lookup builds ~30 instances): the values go
    straight into the instance's dict, where Django's descriptors read them. Anything not
    plain (`_is_plain`) goes through `from_db`. `tests/test_row_loading.py` proves both
    equal."""
    if not _is_plain(model):
        return model.from_db(alias, attnames, values)
    instance = model.__new__(model)
    instance.__dict__.update(zip(attnames, values, strict=True))
    state = instance._state = ModelState()
    state.adding, state.db = False, alias
    return instance


_insert_sql: dict[tuple, tuple] = {}


def _insert_plan(model, alias: str, rows: int, skip_conflicts: bool) -> tuple:
    """The fields and the statement for `rows` rows of `model`, built once per process."""
    key = (model, alias, rows, skip_conflicts)
    plan = _insert_sql.get(key)
    if plan is None:
        meta, db = model._meta, connections[alias]
        if meta.parents or any(getattr(f, "generated", False) or f.has_db_default()
                               for f in meta.concrete_fields):
            raise TypeError(f"insert_rows does not write {meta.label}")
        fields = [f for f in meta.concrete_fields if not isinstance(f, AutoFieldMixin)]
        q = db.ops.quote_name
        columns = ", ".join(q(f.column) for f in fields)
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = (f"INSERT INTO {q(meta.db_table)} ({columns}) "  # noqa: S608 - names only
               f"VALUES {', '.join([row] * rows)}"
               + (" ON CONFLICT DO NOTHING" if skip_conflicts else "")
               + ("" if skip_conflicts else f" RETURNING {q(meta.pk.column)}"))
        plan = _insert_sql[key] = (fields, sql)
    return plan


def insert_rows(instances: list, *, skip_conflicts: bool = False) -> list:
    """INSERT new instances of one model as `bulk_create` writes them (each field's
    `pre_save` and `get_db_prep_save`, related objects' ids taken), in one statement whose
    SQL is built once per process for each model and row count, on a cursor that PostgreSQL
    may prepare. Each instance gets its primary key and is marked saved, as after `save()`;
    no signals are sent (the rule models, which have receivers, are never written here).
    With `skip_conflicts` a row that breaks a unique constraint is left out silently and no
    key is read back (as `bulk_create(ignore_conflicts=True)`)."""
    if not instances:
        return instances
    model = type(instances[0])
    alias = router.db_for_write(model) or "default"
    db = connections[alias]
    fields, sql = _insert_plan(model, alias, len(instances), skip_conflicts)
    params = []
    for instance in instances:
        if type(instance) is not model or not instance._state.adding:
            raise TypeError("insert_rows writes new instances of one model")
        instance._prepare_related_fields_for_save(operation_name="insert_rows")
        params += [f.get_db_prep_save(f.pre_save(instance, True), connection=db)
                   for f in fields]
    with hot_cursor(alias) as cursor:
        cursor.execute(sql, params)
        keys = [] if skip_conflicts else [row[0] for row in cursor.fetchall()]
    for instance, key in zip(instances, keys, strict=False):
        instance.pk = key
    for instance in instances:
        instance._state.adding, instance._state.db = False, alias
    return instances


class CompiledRead:
    """An ORM read of fixed shape whose SQL Django compiles once per process and database
    alias, not on every call (the issue-10 profile: compiling cost more than running), run
    on `hot_cursor`, so PostgreSQL may prepare it too.

    `build(*values)` returns the queryset; it is built once with `stand_ins`, values that
    cannot occur in real data (negative ids, a date in 1901), and compiled. Each call puts
    the real values, adapted as the ORM adapts them, where the stand-ins sat among the
    query's parameters, and turns the rows into instances through the ORM's own machinery
    (converters, select_related populators), as `list(queryset)` would.
    `tests/test_compiled_reads.py` proves both give the same rows."""

    def __init__(self, model, build, *stand_ins, adapt=None, prefetch=()):
        self.model, self.build, self.stand_ins = model, build, stand_ins
        self.adapt = adapt or (lambda connection, values: values)
        # Prefetch objects, run on the instances found: compiled too where they are one
        # reverse foreign key with a queryset (CompiledPrefetch), Django's way otherwise
        self.prefetch = [CompiledPrefetch.of(model, p) or p for p in prefetch]
        self._compiled: dict[str, tuple] = {}

    def _compile(self, alias: str) -> tuple:
        queryset = self.build(*self.stand_ins).using(alias)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        adapted = self.adapt(connections[alias], self.stand_ins)
        places = [[i for i, p in enumerate(params) if p == stand_in] for stand_in in adapted]
        taken = [i for found in places for i in found]
        if any(not found for found in places) or len(taken) != len(set(taken)):
            raise ValueError(f"stand-ins not found once each in {params!r}")
        # what turns rows into instances, worked out once too: converters, the columns of
        # the model's own fields, the select_related populators (all stateless per call)
        select, klass_info = compiler.select, compiler.klass_info
        converters = compiler.get_converters([s[0] for s in select[:compiler.col_count]])
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [f[0].target.attname for f in select[start:end]]
        populators = get_related_populators(klass_info, select, alias)
        compiled = (compiler, sql, tuple(params), places,
                    (klass_info["model"], converters, start, end, init_list, populators))
        self._compiled[alias] = compiled
        return compiled

    def __call__(self, *values) -> list:
        alias = read_alias(self.model)
        compiled = self._compiled.get(alias) or self._compile(alias)
        compiler, sql, params, places, rows_to = compiled
        model, converters, start, end, init_list, populators = rows_to
        connection = connections[alias]
        sent = list(params)
        for found, value in zip(places, self.adapt(connection, values), strict=True):
            for index in found:
                sent[index] = value
        with hot_cursor(alias) as cursor:  # the statement PostgreSQL may prepare
            cursor.execute(sql, sent)
            fetched = cursor.fetchall()
        if compiler.has_extra_select:
            fetched = [row[:compiler.col_count] for row in fetched]
        if converters:
            call = copy.copy(compiler)  # per call: threads never share the connection
            call.connection = connection
            fetched = call.apply_converters(fetched, converters)
        found = []
        for row in fetched:
            instance = from_row(model, alias, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            found.append(instance)
        if self.prefetch and found:
            for prefetch in self.prefetch:
                if isinstance(prefetch, CompiledPrefetch):
                    prefetch.run(found)
                else:
                    prefetch_related_objects(found, prefetch)
        return found

    def first(self, *values):
        found = self(*values)
        return found[0] if found else None


class CompiledInRead:
    """A `CompiledRead` whose first argument is a collection of values of any size (a
    `field__in`): one compiled read per size, each built with its own stand-ins. `build`
    takes the values as a tuple, then the fixed arguments; `stand_in(i)` is the i-th value
    that cannot occur in real data, `fixed` the stand-ins of the fixed arguments."""

    def __init__(self, model, build, stand_in, *fixed, adapt=None):
        self.model, self.build, self.stand_in, self.fixed = model, build, stand_in, fixed
        self.adapt = adapt
        self._reads: dict[int, CompiledRead] = {}

    def __call__(self, values, *fixed) -> list:
        values = tuple(dict.fromkeys(values))  # distinct, in their order
        if not values:  # `field__in=()` matches nothing (the ORM would not even send it)
            return []
        read = self._reads.get(len(values))
        if read is None:
            count = len(values)
            read = self._reads[count] = CompiledRead(
                self.model, lambda *args: self.build(args[:count], *args[count:]),
                *[self.stand_in(i) for i in range(count)], *self.fixed,
                adapt=self.adapt and (lambda connection, args: (
                    *args[:count], *self.adapt(connection, args[count:]))))
        return read(*values, *fixed)


class CompiledPrefetch:
    """`prefetch_related_objects(instances, Prefetch(name, queryset))` for one reverse
    foreign key, on a read compiled once per count of instances: the children of every
    instance in one query, in the queryset's order, each instance's cache filled as
    Django's prefetch fills it (a queryset holding its rows, so `.filter()` still queries)
    and each child's foreign key cache pointing back at its instance."""

    def __init__(self, name: str, field, queryset) -> None:
        self.name, self.field, self.queryset = name, field, queryset  # the children's key
        self.read = CompiledInRead(
            field.model, lambda ids: queryset.filter(**{f"{field.name}__in": ids}),
            lambda i: -800_000_001 - i)

    @classmethod
    def of(cls, model, prefetch) -> CompiledPrefetch | None:
        """The compiled form of a Prefetch, when it is one reverse foreign key."""
        from django.db.models import ManyToOneRel, Prefetch

        if not isinstance(prefetch, Prefetch) or prefetch.queryset is None or (
                "__" in prefetch.prefetch_through or prefetch.to_attr):
            return None
        relation = next((r for r in model._meta.related_objects
                         if r.get_accessor_name() == prefetch.prefetch_through), None)
        # children keyed by their parent's primary key, and nothing prefetched below them
        if (type(relation) is not ManyToOneRel or not relation.field.target_field.primary_key
                or prefetch.queryset._prefetch_related_lookups):
            return None
        return cls(prefetch.prefetch_through, relation.field, prefetch.queryset)

    def run(self, instances: list) -> None:
        children: dict = {instance.pk: [] for instance in instances}
        by_pk = {instance.pk: instance for instance in instances}
        attname = self.field.attname
        for child in self.read(list(by_pk)):
            parent = by_pk[getattr(child, attname)]
            self.field.set_cached_value(child, parent)
            children[parent.pk].append(child)
        for instance in instances:
            hold_prefetched(instance, self.name, children[instance.pk], self.queryset)


def hold_prefetched(instance, name: str, rows: list, queryset=None) -> None:
    """Leave `rows` in `instance`'s cache for the reverse relation `name` as Django's
    prefetch leaves them: a queryset (the prefetch's own, narrowed to the instance) holding
    its rows, so `.all()` reads nothing and `.filter()` still queries."""
    manager = getattr(instance, name)
    held = manager._apply_rel_filters(queryset) if queryset is not None else manager.all()
    held._result_cache, held._prefetch_done = rows, True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = held
