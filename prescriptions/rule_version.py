"""The rule book's version counter, in the shared cache (Redis): bumped whenever a rule
changes, read by every process before it trusts its copy (prescriptions/rule_cache.py).
No model imports here, so the rule models' own querysets can bump it."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import models, transaction

VERSION_KEY = "rules:version"


def current() -> str:
    value = cache.get(VERSION_KEY)
    if value is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        value = cache.get(VERSION_KEY)
    return value


def bump(**_signal) -> None:
    """At once (this process and any that read now see the change coming) and again when
    the transaction commits (a process that reloaded in between drops that copy)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None))


class RuleQuerySet(models.QuerySet):
    """Bulk changes to rules (admin actions, scripts) bump the version like saves do."""

    def update(self, **kwargs):
        bump()
        return super().update(**kwargs)

    def delete(self):
        bump()
        return super().delete()

    def bulk_create(self, *args, **kwargs):
        bump()
        return super().bulk_create(*args, **kwargs)

    def bulk_update(self, *args, **kwargs):
        bump()
        return super().bulk_update(*args, **kwargs)
