"""The rule book is cached per process and invalidated when a rule changes: by a save, a
bulk update from an admin action, or another process's change (the shared version)."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prescriptions import rule_version, services
from prescriptions.models import CatalogItem, InteractionRule, RuleLevel
from tests.conftest import DEMO, membership_of

RULE_TABLES = ("prescriptions_insurancerule", "prescriptions_interactionrule",
               "prescriptions_clinicallimit")
ITEMS = [{"code": "AMOX-500-CAP", "quantity": 20}, {"code": "PARA-500-TAB", "quantity": 10}]


def _rule_queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return sum(any(t in q["sql"] for t in RULE_TABLES) for q in captured.captured_queries)


def _preview(doctor, visit):
    return services.prescription_preview(doctor=doctor, visit=visit, kind="drug", items=ITEMS)


def _cast():
    doctor = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    reception = membership_of(DEMO["reception"][0])
    visit = services.visit_admit(actor=reception, national_code=DEMO["patient2"][0],
                                 doctor_id=doctor.pk).visit
    return doctor, visit


def test_a_second_evaluation_reads_no_rule_table(demo):
    doctor, visit = _cast()
    assert _rule_queries(lambda: _preview(doctor, visit)) == 3
    assert _rule_queries(lambda: _preview(doctor, visit)) == 0


def test_a_saved_rule_applies_to_the_next_prescription(demo):
    doctor, visit = _cast()
    assert not _preview(doctor, visit).rejected
    amox, para = (CatalogItem.objects.get(code=c) for c in ("AMOX-500-CAP", "PARA-500-TAB"))
    rule = InteractionRule.objects.create(item_a=amox, item_b=para, level=RuleLevel.REJECT,
                                          message="تداخل آزمایشی")
    assert _preview(doctor, visit).rejected
    rule.active = False
    rule.save()
    assert not _preview(doctor, visit).rejected


def test_a_bulk_update_invalidates_too(demo):
    doctor, visit = _cast()
    amox, para = (CatalogItem.objects.get(code=c) for c in ("AMOX-500-CAP", "PARA-500-TAB"))
    InteractionRule.objects.create(item_a=amox, item_b=para, level=RuleLevel.REJECT,
                                   message="تداخل آزمایشی", active=False)
    assert not _preview(doctor, visit).rejected
    InteractionRule.objects.filter(item_a=amox, item_b=para).update(active=True)  # admin action
    assert _preview(doctor, visit).rejected


def test_another_processs_change_drops_this_copy(demo):
    doctor, visit = _cast()
    _preview(doctor, visit)
    assert _rule_queries(lambda: _preview(doctor, visit)) == 0
    # what another web process's bump looks like from here: the shared version moved
    cache.set(rule_version.VERSION_KEY, "changed-elsewhere", timeout=None)
    assert _rule_queries(lambda: _preview(doctor, visit)) == 3
