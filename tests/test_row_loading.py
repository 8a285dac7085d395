"""How rows become Python values and instances on the hot paths: the C-parsing timestamptz
loader (config.sql.IsoTimestamptzLoader) and `config.sql.from_row`, each against what
Django itself gives for the same rows."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import signals

from accounts.models import Facility, Membership, Patient, User
from config import sql
from prescriptions.models import CatalogItem, Prescription, PrescriptionItem
from tests.conftest import is_postgres

pytestmark = pytest.mark.django_db

TEXTS = ["2026-12-02 01:29:45.123456+00", "2026-12-02 01:29:45.1+00", "2026-12-02 01:29:45+00",
         "2026-12-02 05:59:45+04:30", "1901-12-13 20:45:52+03:25:44", "0001-01-01 00:00:00+00",
         "9999-12-31 23:59:59.999999+00"]


@pytest.fixture
def postgres():
    if not is_postgres():
        pytest.skip("psycopg's timestamptz loaders are PostgreSQL's")


def test_the_connection_loads_timestamptz_with_the_c_parsing_loader(postgres):
    connection.ensure_connection()
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(1184, 0)  # timestamptz, text
    assert issubclass(loader, sql.IsoTimestamptzLoader)
    assert loader.timezone is dt.UTC


@pytest.mark.parametrize("text", TEXTS)
def test_it_reads_what_djangos_loader_reads(postgres, text):
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [text])
        ours = cursor.fetchone()[0]
        raw = cursor.cursor

        class DjangoUtc(BaseTzLoader):
            timezone = dt.UTC

        raw.adapters.register_loader("timestamptz", DjangoUtc)
        raw.execute("SELECT %s::timestamptz", [text])
        djangos = raw.fetchone()[0]
    assert ours == djangos and ours.tzinfo is djangos.tzinfo is dt.UTC
    assert ours.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("text", ["infinity", "-infinity", "0044-03-15 12:00:00+00 BC"])
def test_what_python_cannot_hold_is_refused_as_before(postgres, text):
    from django.db.utils import DataError

    with connection.cursor() as cursor, pytest.raises(DataError):
        cursor.execute("SELECT %s::timestamptz", [text])
        cursor.fetchone()


def test_an_orm_read_gets_the_instant_it_wrote(demo):
    at = dt.datetime(2026, 3, 20, 20, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=3.5)))
    user = User.objects.create(national_code="0499370899", mobile="09121111111",
                               date_joined=at)
    again = User.objects.get(pk=user.pk)
    assert again.date_joined == at and again.date_joined.utcoffset() == dt.timedelta(0)


MODELS = [Prescription, PrescriptionItem, Patient, Membership, User, Facility, CatalogItem]


def _row(instance):
    fields = type(instance)._meta.concrete_fields
    return [f.attname for f in fields], [getattr(instance, f.attname) for f in fields]


def _same(a, b):
    attnames, values = _row(a)
    assert type(a) is type(b) and _row(b) == (attnames, values)
    assert (a._state.adding, a._state.db) == (b._state.adding, b._state.db) == (False, "default")
    assert a == b and a.__dict__.keys() - {"_state"} == b.__dict__.keys() - {"_state"}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_from_row_builds_what_from_db_builds(demo, written, model):
    written([{"code": "AMOX-500-CAP", "quantity": 20}])
    instance = model.objects.order_by("pk").first()
    attnames, values = _row(instance)
    assert sql._is_plain(model)
    _same(sql.from_row(model, "default", attnames, values),
          model.from_db("default", attnames, values))


def test_a_built_instance_behaves_as_a_loaded_one(demo, written):
    written([{"code": "AMOX-500-CAP", "quantity": 20}])
    item = PrescriptionItem.objects.order_by("pk").first()
    built = sql.from_row(PrescriptionItem, "default", *_row(item))
    assert built.prescription.pk == item.prescription_id  # the foreign key reads its id
    built.quantity += 1
    built.save(update_fields=["quantity"])  # an UPDATE, not an INSERT
    assert PrescriptionItem.objects.get(pk=item.pk).quantity == item.quantity + 1


def test_a_model_with_an_init_receiver_goes_through_from_db(demo):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    facility = Facility.objects.order_by("pk").first()
    sql._plain.pop(Facility, None)
    signals.post_init.connect(receiver, sender=Facility)
    try:
        assert not sql._is_plain(Facility)
        built = sql.from_row(Facility, "default", *_row(facility))
    finally:
        signals.post_init.disconnect(receiver, sender=Facility)
        sql._plain.pop(Facility, None)
    assert seen == [built] and built == facility
    assert sql._is_plain(Facility)
