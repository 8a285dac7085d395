"""The rule book cached per process, item by item, so prescribing and dispensing read no
rule tables once the drugs they concern have been seen.

A version counter in the shared cache (Redis) says when an admin changed a rule: every
process compares it on each use (one cache read) and drops its copy when it moved. A change
bumps the counter at once (this process sees it immediately) and again after its
transaction commits (processes that reloaded in between drop that copy too). The version
is read before the rules are, so a copy never outlives the change it missed."""

from __future__ import annotations

import threading
from collections import defaultdict

from django.db.models import Q

from prescriptions import rule_version
from prescriptions.models import ClinicalLimit, InsuranceRule, InteractionRule

MAX_ITEMS = 20_000  # items kept per process before the copy starts afresh

_lock = threading.Lock()
TABLES = ("insurance", "interactions", "limits")
_state: dict = {"version": None, "insurance": {}, "interactions": {}, "limits": {}}


def _load(ids: list[int]) -> tuple[dict, dict, dict]:
    insurance, interactions, limits = defaultdict(list), defaultdict(list), defaultdict(list)
    for rule in InsuranceRule.objects.filter(item_id__in=ids, active=True):
        insurance[rule.item_id].append(rule)
    for rule in (InteractionRule.objects.filter(active=True)
                 .filter(Q(item_a_id__in=ids) | Q(item_b_id__in=ids))
                 .select_related("item_a", "item_b")):
        for end in (rule.item_a_id, rule.item_b_id):
            if end in ids:
                interactions[end].append(rule)
    for rule in ClinicalLimit.objects.filter(item_id__in=ids, active=True):
        limits[rule.item_id].append(rule)
    return ({i: insurance.get(i, []) for i in ids}, {i: interactions.get(i, []) for i in ids},
            {i: limits.get(i, []) for i in ids})


def rules_for(item_ids) -> tuple[list[InsuranceRule], list[InteractionRule],
                                 list[ClinicalLimit]]:
    """Active insurance rules and clinical limits of these items, and every active
    interaction rule that involves one of them."""
    ids = sorted(set(item_ids))
    seen_version = rule_version.current()
    with _lock:
        if _state["version"] != seen_version or len(_state["insurance"]) > MAX_ITEMS:
            _state.update(version=seen_version, insurance={}, interactions={}, limits={})
        # a snapshot: another thread may start the copy afresh while this one reads
        known = {table: {i: _state[table][i] for i in ids if i in _state[table]}
                 for table in TABLES}
    missing = [i for i in ids if i not in known["insurance"]]
    if missing:
        fresh = dict(zip(TABLES, _load(missing), strict=True))
        with _lock:
            if _state["version"] == seen_version:
                for table in TABLES:
                    _state[table].update(fresh[table])
        for table in TABLES:
            known[table].update(fresh[table])
    interactions = {rule.pk: rule for i in ids for rule in known["interactions"][i]}
    return ([rule for i in ids for rule in known["insurance"][i]], list(interactions.values()),
            [rule for i in ids for rule in known["limits"][i]])
