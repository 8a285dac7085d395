"""The real gateway backend (Kavenegar's REST shape) against a local fake HTTP server."""

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.sms import SMSError, send_sms
from tests.conftest import DEMO


class FakeKavenegar:
    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.requests: list[tuple[str, dict]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                fake.requests.append((self.path, {k: v[0] for k, v in form.items()}))
                if fake.mode == "slow":
                    time.sleep(2)
                if fake.mode == "error":
                    body, status = {"return": {"status": 418, "message": "اعتبار کافی نیست"}}, 418
                else:
                    body, status = {"return": {"status": 200, "message": "تایید شد"},
                                    "entries": [{"messageid": 1, "status": 1}]}, 200
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except BrokenPipeError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    fakes = []

    def make(mode="ok"):
        fake = FakeKavenegar(mode)
        fakes.append(fake)
        settings.SMS_BACKEND = "kavenegar"
        settings.KAVENEGAR_URL = fake.url
        settings.KAVENEGAR_API_KEY = "test-key"
        settings.KAVENEGAR_SENDER = "10004346"
        settings.SMS_TIMEOUT_SECONDS = 1
        return fake

    yield make
    for fake in fakes:
        fake.close()


def test_gateway_receives_the_message(gateway):
    fake = gateway("ok")
    send_sms(to="09120000001", text="سلام 123456", purpose="login", code="123456")
    path, form = fake.requests[0]
    assert path == "/v1/test-key/sms/send.json"
    assert form == {"receptor": "09120000001", "message": "سلام 123456", "sender": "10004346"}


def test_gateway_timeout_raises_sms_error(gateway):
    gateway("slow")
    started = time.monotonic()
    with pytest.raises(SMSError):
        send_sms(to="09120000001", text="x", purpose="login")
    assert time.monotonic() - started < 1.9


def test_gateway_refusal_raises_sms_error(gateway):
    gateway("error")
    with pytest.raises(SMSError):
        send_sms(to="09120000001", text="x", purpose="login")


def test_gateway_down_raises_sms_error(gateway, settings):
    gateway("ok")
    settings.KAVENEGAR_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    with pytest.raises(SMSError):
        send_sms(to="09120000001", text="x", purpose="login")


def test_sign_in_through_the_gateway_sends_the_code(demo, gateway, client):
    fake = gateway("ok")
    response = client.post("/api/v1/auth/otp/request",
                           {"national_code": DEMO["doctor"][0], "mobile": DEMO["doctor"][1]},
                           content_type="application/json")
    assert response.status_code == 202
    assert len(fake.requests) == 1
    assert fake.requests[0][1]["receptor"] == DEMO["doctor"][1]


def test_api_answers_503_when_gateway_fails(demo, gateway, client):
    gateway("error")
    response = client.post("/api/v1/auth/otp/request",
                           {"national_code": DEMO["doctor"][0], "mobile": DEMO["doctor"][1]},
                           content_type="application/json")
    assert response.status_code == 503
    assert "پیامک" in response.json()["detail"]


def test_login_page_shows_a_clear_error_when_gateway_is_down(demo, gateway, client):
    gateway("slow")
    response = client.post("/login/", {"national_code": DEMO["doctor"][0],
                                       "mobile": DEMO["doctor"][1]})
    assert response.status_code == 503
    assert "ارسال پیامک ممکن نشد" in response.content.decode()


def test_while_the_gateway_is_down_everyone_gets_the_same_503(demo, gateway, client):
    gateway("error")
    first = client.post("/api/v1/auth/otp/request",
                        {"national_code": DEMO["doctor"][0], "mobile": DEMO["doctor"][1]},
                        content_type="application/json")
    unknown = client.post("/api/v1/auth/otp/request",
                          {"national_code": "0499370899", "mobile": "09121234567"},
                          content_type="application/json")
    assert first.status_code == unknown.status_code == 503
    assert first.json() == unknown.json()


def test_a_failed_send_leaves_no_usable_code(demo, gateway, client):
    from accounts.models import SMSDevice

    gateway("error")
    client.post("/api/v1/auth/otp/request",
                {"national_code": DEMO["doctor"][0], "mobile": DEMO["doctor"][1]},
                content_type="application/json")
    assert SMSDevice.objects.get(user__national_code=DEMO["doctor"][0]).token is None


def test_an_outage_answers_an_unknown_person_first_like_a_real_one(demo, gateway, client):
    """Nobody holds this code, so nothing is sent: the gateway is asked all the same, and its
    outage answers 503 exactly as it would for a real person (no enumeration by outage)."""
    fake = gateway("error")
    unknown = client.post("/api/v1/auth/otp/request",
                          {"national_code": "0499370899", "mobile": "09121234567"},
                          content_type="application/json")
    assert unknown.status_code == 503
    assert fake.requests[0][0] == "/v1/test-key/account/info.json"
    assert "پیامک" in unknown.json()["detail"]


def test_an_unknown_person_with_the_gateway_up_gets_202_and_no_sms(demo, gateway, client):
    fake = gateway("ok")
    response = client.post("/api/v1/auth/otp/request",
                           {"national_code": "0499370899", "mobile": "09121234567"},
                           content_type="application/json")
    assert response.status_code == 202
    assert [path for path, _form in fake.requests] == ["/v1/test-key/account/info.json"]
