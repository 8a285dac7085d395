"""Project-wide checks: the OpenAPI schema, production settings, migrations in sync."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def test_openapi_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file",
                 str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    for path in ["/api/v1/auth/otp/request", "/api/v1/prescriptions/{tracking_code}/dispense",
                 "/api/v1/patients/{national_code}/history"]:
        assert path in text


def _manage(*args, **env):
    # The browser tests' async escape hatch must not leak into a production check.
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**base, **env}, timeout=120)


def test_production_settings_pass_the_deploy_check():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="0",
                     SECRET_KEY="x" * 20 + "-long-random-production-secret-0123456789abcdef",
                     ALLOWED_HOSTS="noskhe.example",
                     CREDENTIALS_KEY="a2V5LWZvci10aGUtdGVzdC1vbmx5LTAxMjM0NTY3ODk=")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("value", ["", "not-a-fernet-key"])
def test_production_needs_a_credentials_key_for_insurer_passwords(value):
    result = _manage("check", DEBUG="0", SECRET_KEY="y" * 60, ALLOWED_HOSTS="noskhe.example",
                     CREDENTIALS_KEY=value)
    assert result.returncode != 0 and "CREDENTIALS_KEY" in result.stderr


@pytest.mark.parametrize("value", ["IHIO", "IHIO=ftp://x", "=https://x"])
def test_bad_insurer_urls_fail_loudly(value):
    result = _manage("check", INSURER_API_URLS=value)
    assert result.returncode != 0 and "INSURER_API_URLS" in result.stderr


def test_production_settings_refuse_to_start_without_a_secret():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT,
                            capture_output=True, text=True, env={**env, "DEBUG": "0"},
                            timeout=120)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("name,value", [("OTP_TTL_SECONDS", "soon"), ("DEBUG", "maybe"),
                                        ("PRESCRIPTION_VALID_DAYS", "drug:30")])
def test_bad_settings_fail_loudly(name, value):
    result = _manage("check", **{name: value})
    assert result.returncode != 0 and name in result.stderr


@pytest.mark.django_db
def test_migrations_are_in_sync_with_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_api_docs_are_served_without_any_cdn(client):
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert "cdn.jsdelivr" not in html and "/static/drf_spectacular_sidecar/" in html
    # no inline script: the docs are under the strict policy like every page
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<script>" not in html.replace(" ", "")
