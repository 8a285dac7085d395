"""Reads on PostgreSQL streaming replicas (`DATABASE_REPLICA_URLS`), with read-your-writes
and failover to the primary.

A read goes to a replica only inside `replica_reads()`: ReplicaReadsMiddleware opens it for
GET and HEAD requests outside the admin, unless the person wrote in the last
`REPLICA_STICKY_SECONDS` (a marker in the cache under their user id, and a cookie, set after
any other request that answered < 400). Everything else reads the primary: other methods,
code inside `transaction.atomic` (services check and write there), whatever a block reads
after its first write, and authentication (sessions and API tokens, so a sign-in or a
logout counts at once).

A replica is used while a per-process check (every `REPLICA_CHECK_SECONDS`) finds its replay
lag at most `REPLICA_MAX_LAG_SECONDS`; one that cannot be reached is skipped for
`REPLICA_RETRY_SECONDS`. A GET whose reads failed on a replica (503) before it wrote anything
is served again from the primary, so a replica going down never fails a request.
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, Error, connections

logger = logging.getLogger("noskhe.replicas")

PREFIX = "replica"
HEADER = "X-DB-Read"
STICKY_COOKIE = "noskhe_wrote"
READ_METHODS = frozenset({"GET", "HEAD"})
# the admin edits what it shows (change forms); probes ask for the primary on purpose
PRIMARY_PATHS = ("/admin/", "/readyz", "/healthz")
# authentication: a new token or session works at once, a revoked one stops at once
PRIMARY_MODELS = frozenset({"accounts.apitoken", "sessions.session"})
TOKEN_USER_SECONDS = 3600

# Lag in seconds, NULL when unknown. A standby that has replayed all it received while its
# WAL receiver runs is caught up (an idle primary sends no commits, so the last replayed
# commit's time may be old while nothing is missing); otherwise the lag is the time since
# the last replayed commit (an over-estimate when the primary was idle before, never less).
# A server that is not in recovery is a primary and has no lag.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
         AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0
    ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
END
"""


@dataclass
class Reads:
    """What a block may read from, and what it did."""

    alias: str | None  # the replica to read from; None: the primary
    used: bool = False  # a query was sent to the replica
    wrote: bool = False  # something was written: the rest of the block reads the primary


_reads: contextvars.ContextVar[Reads | None] = contextvars.ContextVar("replica_reads",
                                                                       default=None)


@dataclass
class Health:
    ok: bool = False
    detail: str = "unchecked"
    checked_at: float = -math.inf
    down_until: float = 0.0  # not tried again before this (monotonic); 0: not down


_health: dict[str, Health] = {}
_turn = itertools.count()


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith(PREFIX)]


def replica_check(alias: str) -> Health:
    """Ask the replica for its lag now; the answer is kept for this process."""
    health = _health.setdefault(alias, Health())
    now = time.monotonic()
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(LAG_SQL)
            lag = cursor.fetchone()[0]
    except Error as exc:  # refused, timed out, shut down: skip it for a while
        with suppress(Error):
            connections[alias].close()
        health.ok, health.down_until = False, now + settings.REPLICA_RETRY_SECONDS
        health.detail = f"down: {type(exc).__name__}"
        logger.warning("replica %s is down (%s); reads go to the primary for %s s", alias,
                       exc.__class__.__name__, settings.REPLICA_RETRY_SECONDS)
    else:
        health.down_until = 0.0
        health.ok = lag is not None and float(lag) <= settings.REPLICA_MAX_LAG_SECONDS
        health.detail = ("ok" if health.ok else
                         "lagging: unknown" if lag is None else f"lagging: {float(lag):.1f}s")
    health.checked_at = now
    return health


def replica_choose() -> str | None:
    """A healthy replica, in turn; None when there is none (read the primary)."""
    now = time.monotonic()
    healthy = []
    for alias in replica_aliases():
        health = _health.get(alias)
        if health is None or (now >= health.down_until if health.down_until else
                              now - health.checked_at >= settings.REPLICA_CHECK_SECONDS):
            health = replica_check(alias)
        if health.ok:
            healthy.append(alias)
    return healthy[next(_turn) % len(healthy)] if healthy else None


@contextmanager
def replica_reads(alias: str | None = "") -> Iterator[Reads]:
    """Reads in this block (outside transaction.atomic, until its first write) may go to a
    replica: `alias`, or a healthy one chosen now when not given (None: the primary). Also a
    decorator: `@replica_reads()` chooses on each call."""
    reads = Reads(alias=replica_choose() if alias == "" else alias)
    token = _reads.set(reads)
    try:
        yield reads
    finally:
        _reads.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        reads = _reads.get()
        if (reads is None or reads.alias is None or reads.wrote
                or model._meta.label_lower in PRIMARY_MODELS
                or connections[DEFAULT_DB_ALIAS].in_atomic_block):
            return None  # Django then reads where a given instance came from, or the primary
        reads.used = True
        return reads.alias

    def db_for_write(self, model, **hints):
        reads = _reads.get()
        if reads is not None:
            reads.wrote = True  # what this block reads next may be what it just wrote
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # replicas hold the primary's rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def _marker(user_id: object) -> str:
    return f"replica:wrote:{user_id}"


def _token_digest(request) -> str | None:
    parts = request.headers.get("Authorization", "").split()
    if len(parts) != 2 or parts[0].lower() != "token":
        return None
    from accounts.models import ApiToken

    return ApiToken.digest_of(parts[1])


def _user_id(request) -> object | None:
    """The person behind a request before any view ran: the session's user, or the API
    token's (DRF authenticates only inside the view), kept in the cache by token digest."""
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        user_id = request.session.get(AUTH_SESSION_KEY)
        if user_id:
            return user_id
    digest = _token_digest(request)
    if digest is None:
        return None
    key = f"replica:token:{digest}"
    user_id = cache.get(key)
    if user_id is None:
        from accounts.models import ApiToken

        user_id = (ApiToken.objects.using(DEFAULT_DB_ALIAS).filter(digest=digest)
                   .values_list("user_id", flat=True).first())
        if user_id is not None:
            cache.set(key, user_id, timeout=TOKEN_USER_SECONDS)
    return user_id


def _wrote_recently(request) -> bool:
    stamp = request.COOKIES.get(STICKY_COOKIE, "")
    try:
        if time.time() - float(stamp) < settings.REPLICA_STICKY_SECONDS:
            return True
    except ValueError:
        pass
    try:
        user_id = _user_id(request)
        return user_id is not None and cache.get(_marker(user_id)) is not None
    except Exception:  # the cache is down: the primary is the safe answer
        logger.warning("cannot tell whether the person wrote recently; reading the primary")
        return True


def _mark_wrote(request, response) -> None:
    seconds = settings.REPLICA_STICKY_SECONDS
    response.set_cookie(STICKY_COOKIE, f"{time.time():.3f}", max_age=seconds, httponly=True,
                        samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
    user = getattr(request, "user", None)  # DRF put the token's user here, or None
    if not getattr(user, "is_authenticated", False):
        return
    try:
        cache.set(_marker(user.pk), 1, timeout=seconds)
    except Exception:  # the write succeeded; the cookie still keeps this client's reads
        logger.warning("could not mark user %s as having written", user.pk)


class ReplicaReadsMiddleware:
    """GET/HEAD read a healthy replica unless the person wrote in the last
    REPLICA_STICKY_SECONDS; `X-DB-Read` names where the reads went."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_aliases():
            return self.get_response(request)
        if request.method not in READ_METHODS:
            response = self.get_response(request)
            if response.status_code < 400:
                _mark_wrote(request, response)
            response[HEADER] = DEFAULT_DB_ALIAS
            return response
        alias = None
        if (not request.path.startswith(PRIMARY_PATHS)
                and not connections[DEFAULT_DB_ALIAS].in_atomic_block
                and not _wrote_recently(request)):
            alias = replica_choose()
        response, reads = self._serve(request, alias)
        if alias and response.status_code == 503 and reads.used and not reads.wrote:
            # Its reads failed on the replica before it wrote anything: serve it again from
            # the primary (and re-check the replica, which skips it while it is down).
            health = replica_check(alias)
            logger.warning("reads on %s failed (%s); %s %s served from the primary", alias,
                           health.detail, request.method, request.path)
            response, reads = self._serve(request, None)
        response[HEADER] = reads.alias if reads.used else DEFAULT_DB_ALIAS
        return response

    def _serve(self, request, alias: str | None):
        with replica_reads(alias) as reads:
            return self.get_response(request), reads
