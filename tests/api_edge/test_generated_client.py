"""Contract, "The API edge": /api/schema/ is valid OpenAPI 3 and types every body, nested
items, lines and result included, and every error status; a client generated from it by
openapi-python-client (a standard generator, in the dev requirements) runs the main flow
against a live server: sign in, admit, prescribe, look up, dispense."""

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from openapi_spec_validator import validate

from tests.conftest import DEMO, membership_of
from tests.pharmacy.conftest import uid


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory, django_db_blocker):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", file=str(path), validate=True, fail_on_warn=True)
    return path


@pytest.fixture(scope="module")
def schema(schema_file):
    return yaml.safe_load(schema_file.read_text("utf-8"))


def test_the_schema_is_valid_openapi_3(schema):
    validate(schema)  # raises on any violation of the OpenAPI 3.0 specification
    assert schema["openapi"].startswith("3.")


def ref(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def body_of(schema, path, method):
    content = schema["paths"][path][method]["requestBody"]["content"]["application/json"]
    return ref(schema, content["schema"])


@pytest.mark.parametrize("path, method, field, wanted", [
    ("/api/v1/prescriptions", "post", "items", {"code", "quantity", "dose", "dosage"}),
    ("/api/v1/prescriptions/{tracking_code}", "patch", "items", {"code", "quantity"}),
    ("/api/v1/prescriptions/{tracking_code}/dispense", "post", "lines",
     {"item", "quantity", "uid"}),
    ("/api/v1/paper/dispenses", "post", "lines", {"code", "quantity", "uids"}),
])
def test_nested_lists_are_typed(schema, path, method, field, wanted):
    array = body_of(schema, path, method)["properties"][field]
    assert array["type"] == "array"
    assert wanted <= set(ref(schema, array["items"])["properties"])


def test_results_and_payments_are_typed(schema):
    result = ref(schema, body_of(schema, "/api/v1/prescriptions/{tracking_code}/results",
                                 "post")["properties"]["result"])
    assert {"value", "unit", "components", "findings", "impression", "study_uid",
            "sessions_done"} <= set(result["properties"])
    payment = body_of(schema, "/api/v1/prescriptions/{tracking_code}/dispense",
                      "post")["properties"]["payment"]
    assert payment["nullable"] is True
    payment = ref(schema, payment["allOf"][0])
    assert ref(schema, payment["properties"]["method"])["enum"] == ["cash", "card"]


def test_every_operation_lists_its_error_statuses(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert {"400", "429", "503"} <= statuses, (method, path)
            if operation.get("security") != [{}]:
                assert {"401", "403", "404"} <= statuses, (method, path)
            for status in statuses - {"200", "201", "202", "204"}:
                body = operation["responses"][status]["content"]["application/json"]
                assert body["schema"] in ({"$ref": "#/components/schemas/Error"},
                                          {"$ref": "#/components/schemas/PaperDispenseOut"})
    patch = schema["paths"]["/api/v1/prescriptions/{tracking_code}"]["patch"]
    assert "412" in patch["responses"] and "422" in patch["responses"]


@pytest.fixture(scope="module")
def generated(schema_file, tmp_path_factory):
    """The client package openapi-python-client writes from the schema."""
    root = tmp_path_factory.mktemp("client")
    tool = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    assert tool, "openapi-python-client is in requirements-dev.txt"
    run = subprocess.run([tool, "generate", "--path", str(schema_file), "--output-path",
                          str(root / "noskhe_client"), "--meta", "none"],
                         capture_output=True, text=True, timeout=300,
                         env={"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"})
    assert run.returncode == 0, run.stdout + run.stderr
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module("noskhe_client")
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.startswith("noskhe_client")]:
            del sys.modules[name]


def test_the_generated_client_runs_the_main_flow(generated, live_server, demo, outbox):
    from django.core.cache import cache
    from noskhe_client import AuthenticatedClient, Client
    from noskhe_client.api.v1 import (
        v1_auth_otp_request_create,
        v1_auth_otp_verify_create,
        v1_prescriptions_create,
        v1_prescriptions_dispense_create,
        v1_prescriptions_list,
        v1_visits_create,
    )
    from noskhe_client.models import (
        DispenseInRequest,
        DoseInRequest,
        Error,
        FrequencyEnum,
        ItemInRequest,
        KindEnum,
        LineInRequest,
        MethodEnum,
        OtpRequestInRequest,
        OtpVerifyInRequest,
        PaymentInRequest,
        PrescriptionInRequest,
        VisitInRequest,
    )

    anonymous = Client(base_url=live_server.url, raise_on_unexpected_status=True)

    def signed_in(who, membership=None) -> AuthenticatedClient:
        national_code, mobile = DEMO[who]
        cache.clear()
        sent = v1_auth_otp_request_create.sync_detailed(
            client=anonymous, body=OtpRequestInRequest(national_code=national_code,
                                                       mobile=mobile))
        assert sent.status_code == 202
        body = OtpVerifyInRequest(national_code=national_code, code=outbox.last_code(mobile))
        if membership is not None:
            body.membership = membership.pk
        verified = v1_auth_otp_verify_create.sync(client=anonymous, body=body)
        return AuthenticatedClient(base_url=live_server.url, token=verified.token,
                                   prefix="Token", raise_on_unexpected_status=True)

    shafa = membership_of(DEMO["doctor"][0], "درمانگاه شفا")
    reception, doctor = signed_in("reception"), signed_in("doctor", shafa)
    visit = v1_visits_create.sync(client=reception, body=VisitInRequest(
        national_code=DEMO["patient"][0], doctor=shafa.pk))
    assert visit.patient.national_code == DEMO["patient"][0]

    order = PrescriptionInRequest(visit=visit.id, kind=KindEnum.DRUG, override_warnings=True,
                                  items=[ItemInRequest(code="AMOX-500-CAP", quantity=20,
                                                       dose=DoseInRequest(
                                                           amount=1,
                                                           frequency=FrequencyEnum.Q8H))])
    created = v1_prescriptions_create.sync(client=doctor, body=order, idempotency_key="gen-1")
    again = v1_prescriptions_create.sync(client=doctor, body=order, idempotency_key="gen-1")
    assert again.tracking_code == created.tracking_code and created.version == 1
    assert created.items[0].dose.frequency == FrequencyEnum.Q8H

    refused = v1_prescriptions_create.sync(client=doctor, body=PrescriptionInRequest(
        visit=visit.id, kind=KindEnum.DRUG, items=[ItemInRequest(code="NOPE", quantity=1)]))
    assert isinstance(refused, Error) and refused.code == "invalid"
    assert "items.0.code" in refused.errors.additional_properties

    pharmacy = signed_in("pharmacy")
    found = v1_prescriptions_list.sync(client=pharmacy, national_code=DEMO["patient"][0])
    [mine] = [p for p in found if p.tracking_code == created.tracking_code]
    item = mine.items[0]
    dispensed = v1_prescriptions_dispense_create.sync(
        created.tracking_code, client=pharmacy, idempotency_key="counter-7",
        body=DispenseInRequest(lines=[LineInRequest(item=item.id, quantity=10, uid=uid(70)),
                                      LineInRequest(item=item.id, quantity=10, uid=uid(71))],
                               payment=PaymentInRequest(method=MethodEnum.CASH)))
    assert not isinstance(dispensed, Error) and dispensed.status == "dispensed"
    assert dispensed.totals.total == sum(line.total for line in dispensed.lines)
    assert dispensed.totals.total == (dispensed.totals.insurer_share
                                      + dispensed.totals.supplementary_share
                                      + dispensed.totals.patient_share)
    assert json.dumps(dispensed.to_dict(), default=str)
