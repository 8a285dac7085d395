"""accounts.serializers.FieldsBuiltOnce: serializers whose fields are built once per class
give exactly the answer (output) and the verdict and errors (input) DRF's own per-instance
fields give."""

import pytest
from django.utils.functional import cached_property
from rest_framework import serializers

from accounts.serializers import FieldsBuiltOnce
from pharmacy.models import Dispense
from pharmacy.serializers import DispenseIn, DispenseOut
from prescriptions import selectors
from prescriptions.models import Prescription, Visit
from prescriptions.serializers import (
    ItemIn,
    ItemOut,
    PatientOut,
    PrescriptionIn,
    PrescriptionOut,
    PrescriptionPatchIn,
    VisitOut,
)
from tests.conftest import DEMO, membership_of

pytestmark = pytest.mark.django_db


def drfs(build):
    """What `build()` answers when every serializer builds its own fields, as DRF does."""
    own = cached_property(serializers.Serializer.fields.func)
    own.__set_name__(FieldsBuiltOnce, "fields")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FieldsBuiltOnce, "fields", own)
        return build()


@pytest.fixture
def records(written, api_as):
    first = written([{"code": "AMOX-500-CAP", "quantity": 20},
                     {"code": "PARA-500-TAB", "quantity": 10}])
    written([{"code": "ASA-80-TAB", "quantity": 30}], who="patient2")
    pharmacy = api_as("pharmacy")
    answer = pharmacy.post(f"/api/v1/prescriptions/{first['tracking_code']}/dispense",
                           {"lines": [{"item": first["items"][0]["id"], "quantity": 20,
                                       "uid": "6260000000000001"}]}, format="json")
    assert answer.status_code == 201, answer.content
    return first


@pytest.mark.parametrize("cls", [PrescriptionOut, ItemOut, PatientOut],
                         ids=lambda c: c.__name__)
def test_the_answer_equals_drfs_own(records, cls):
    rows = {PrescriptionOut: lambda: list(selectors.prescriptions_base().order_by("pk")),
            ItemOut: lambda: [i for p in selectors.prescriptions_base() for i in p.items.all()],
            PatientOut: lambda: [p.patient for p in selectors.prescriptions_base()]}[cls]()
    ours = cls(rows, many=True).data
    assert ours and ours == drfs(lambda: cls(rows, many=True).data)
    assert cls(rows[0]).data == drfs(lambda: cls(rows[0]).data)


def test_the_counter_lookup_answers_as_before(records):
    pharmacy = membership_of(DEMO["pharmacy"][0])
    found = selectors.counter_lookup(viewer=pharmacy, query=DEMO["patient"][0])
    assert found
    assert PrescriptionOut(found, many=True).data == drfs(
        lambda: PrescriptionOut(found, many=True).data)


def test_visits_and_dispenses_too(records):
    visits = list(selectors.visits_base().order_by("pk"))
    assert VisitOut(visits, many=True).data == drfs(lambda: VisitOut(visits, many=True).data)
    dispense = Dispense.objects.select_related("prescription").prefetch_related("lines").get()
    assert DispenseOut(dispense).data == drfs(lambda: DispenseOut(dispense).data)


def test_drfs_own_fields_are_what_the_comparison_uses(records):
    prescription = Prescription.objects.first()
    shared = PrescriptionOut(prescription).fields
    assert drfs(lambda: PrescriptionOut(prescription).fields) is not shared


def test_fields_are_built_once_per_class(records):
    prescription = Prescription.objects.first()
    first, second = PrescriptionOut(prescription), PrescriptionOut(prescription)
    assert first.fields is second.fields
    assert first.fields["patient"].fields is second.fields["patient"].fields
    assert VisitOut(Visit.objects.first()).fields is not first.fields  # a class of its own


def test_a_serializer_under_a_context_builds_its_own(records):
    prescription = Prescription.objects.first()
    shared = PrescriptionOut(prescription).fields
    own = PrescriptionOut(prescription, context={"request": None}).fields
    assert own is not shared
    assert PrescriptionOut(prescription, context={"x": 1}).data == PrescriptionOut(
        prescription).data


class _Shape(FieldsBuiltOnce, serializers.Serializer):
    """Every way a field reaches its value: attribute paths, methods, defaults, optional."""

    name = serializers.CharField()
    city = serializers.CharField(source="address.city")
    shout = serializers.CharField(source="loud")  # a method: DRF calls it
    missing = serializers.CharField(default="—")
    optional = serializers.CharField(required=False)
    nothing = serializers.CharField(allow_null=True)
    everything = serializers.SerializerMethodField()
    secret = serializers.CharField(write_only=True)

    def get_everything(self, obj) -> str:
        return type(obj).__name__


class _Address:
    city = "تبریز"


class _Person:
    name, nothing, secret, address = "مریم", None, "x", _Address()

    def loud(self) -> str:
        return self.name + "!"


class _Homeless(_Person):
    address = None


def test_the_attribute_walk_answers_as_drf_in_every_case():
    """The once-worked-out attribute paths give DRF's answer: a method called, a default,
    a skipped optional field, a null, a path through nothing, a mapping, write-only left
    out; and a missing attribute still fails as DRF's does."""
    people = [_Person(), {"name": "علی", "address": {"city": "یزد"}, "loud": "نه",
                          "nothing": None}]
    ours = _Shape(people, many=True).data
    assert ours == drfs(lambda: _Shape(people, many=True).data)
    assert ours[0] == {"name": "مریم", "city": "تبریز", "shout": "مریم!", "missing": "—",
                       "nothing": None, "everything": "_Person"}
    assert _Shape.__dict__.get("_plan_built_once")  # the walk was taken, not DRF's way
    with pytest.raises(AttributeError):
        _Shape(_Homeless()).data
    with pytest.raises(AttributeError):
        drfs(lambda: _Shape(_Homeless()).data)


BODIES = [
    {"visit": 12, "kind": "drug", "override_warnings": True,
     "items": [{"code": "AMOX-500-CAP", "quantity": 20},
               {"code": "PARA-500-TAB", "quantity": 10,
                "dose": {"amount": "1", "frequency": "q8h", "timing": "after_meal"}}]},
    {"visit": 0, "kind": "tea", "items": []},
    {"visit": "x", "items": [{"code": "", "quantity": 0, "dose": {"amount": "-1"}},
                             {"quantity": 10 ** 9}, "not an item", None]},
    {"kind": "drug", "items": {"code": "AMOX-500-CAP"}, "note": "x" * 501,
     "override_warnings": "maybe", "signature": ["x"]},
    {},
]
LINES = [
    {"lines": [{"item": 5, "quantity": 10, "uid": "6260000000000001"}],
     "payment": {"method": "card", "terminal_id": "T1"}, "acknowledge_warnings": True},
    {"lines": [{"item": 0, "quantity": -1, "uid": "x" * 41}, {}], "payment": {"method": "gold"},
     "started_at": "yesterday"},
    {"lines": []},
]


def _checked(cls, body, **kwargs):
    serializer = cls(data=body, **kwargs)
    return serializer.is_valid(), dict(serializer.validated_data), serializer.errors


@pytest.mark.parametrize(("cls", "body"), [
    *((PrescriptionIn, b) for b in BODIES), *((PrescriptionPatchIn, b) for b in BODIES),
    *((DispenseIn, b) for b in LINES)], ids=lambda v: getattr(v, "__name__", ""))
def test_input_is_checked_as_drf_checks_it(cls, body):
    """The body's verdict, its cleaned values and every (nested) error, alike; twice, so
    the second check, on fields the first already used, is proven to start clean."""
    ours = [_checked(cls, body), _checked(cls, body)]
    assert ours[0] == ours[1] == drfs(lambda: _checked(cls, body))


def test_input_fields_are_shared_but_not_for_partial_checks():
    assert PrescriptionIn(data={}).fields is PrescriptionIn(data={}).fields
    assert ItemIn(data={}).fields is ItemIn(data={}).fields
    partial = PrescriptionPatchIn(data={"note": "x"}, partial=True)
    assert partial.fields is not PrescriptionPatchIn(data={}).fields
    # a partial check leaves out the missing required items, as DRF's does
    assert _checked(PrescriptionPatchIn, {"note": "x"}, partial=True) == drfs(
        lambda: _checked(PrescriptionPatchIn, {"note": "x"}, partial=True))
    assert _checked(PrescriptionPatchIn, {"note": "x"}, partial=True)[0] is True
