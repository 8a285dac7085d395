"""Load on the production stack: gunicorn (2×cores+1 sync workers, DEBUG off) on PostgreSQL,
driven over HTTP by a threaded load generator on the same machine.

    make bench-load                 # or: .venv/bin/python bench/load.py --patients 400
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/noskhe make bench-load

It makes a throwaway database `<name>_load` beside DATABASE_URL's, loads the demo data and
`--patients` patients (half of them insured) admitted to the demo clinic's doctor, then runs:
lookup, create and dispense closed-loop at concurrency 8 (`--seconds` each), and the national
mix open-loop (arrivals scheduled at 55 creates + 85 lookups + 55 dispenses a second, half
the national peak, for `--mixed-seconds`), latency counted from each request's scheduled
time so queueing shows. It writes `var/bench-load.md` and `var/bench-load.json`.

Not yet what issue 10 asks: the data is thousands of prescriptions, not 1,000,000 loaded by
COPY; queries per request are in `make bench`, not here."""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"lookup": (300, 100), "create": (200, 100), "dispense": (150, 100)}
ITEMS = [{"code": "AMOX-500-CAP", "quantity": 20}, {"code": "PARA-500-TAB", "quantity": 10},
         {"code": "ASA-80-TAB", "quantity": 30}]


def national_code(n: int) -> str:
    digits = f"{n:09d}"
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits))
    remainder = total % 11
    return digits + str(remainder if remainder < 2 else 11 - remainder)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(env: dict, patients: int) -> list[str]:
    """Migrate, seed the demo, register and admit the patients (in a child process)."""
    script = f"""
import datetime as dt, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
from accounts.models import Membership, Patient
from claims.models import Coverage, Scheme
from prescriptions import services
codes = {[national_code(500_000_000 + i) for i in range(patients)]!r}
Patient.objects.bulk_create([Patient(national_code=c, first_name="بیمار", last_name=str(i),
    birth_date=dt.date(1980, 1, 1) + dt.timedelta(days=i), sex="M" if i % 2 else "F")
    for i, c in enumerate(codes)], ignore_conflicts=True)
scheme = Scheme.objects.get(code="SSO-GEN")
Coverage.objects.bulk_create([Coverage(patient=p, scheme=scheme, valid_from=dt.date(2020, 1, 1),
    insurance_number=f"L-{{p.national_code}}") for p in Patient.objects.filter(
    national_code__in=codes[::2])], ignore_conflicts=True)
reception = Membership.objects.get(user__national_code="0023456787")
doctor = Membership.objects.get(user__national_code="0012345679", facility__name="درمانگاه شفا")
for code in codes:
    services.visit_admit(actor=reception, national_code=code, doctor_id=doctor.pk)
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)
    return [national_code(500_000_000 + i) for i in range(patients)]


def sign_in(base: str, outbox: Path, who: tuple[str, str]) -> str:
    requests.post(f"{base}/api/v1/auth/otp/request", timeout=10,
                  json={"national_code": who[0], "mobile": who[1]}).raise_for_status()
    code = [json.loads(line) for line in outbox.read_text().splitlines()
            if json.loads(line)["to"] == who[1]][-1]["code"]
    answer = requests.post(f"{base}/api/v1/auth/otp/verify", timeout=10,
                           json={"national_code": who[0], "code": code})
    answer.raise_for_status()
    return answer.json()["token"]


class Counter:
    """Shared state of a run: the visits to prescribe on, prescriptions to dispense, codes."""

    def __init__(self, base: str, tokens: dict, codes: list[str], visits: list[int]) -> None:
        self.base, self.tokens, self.codes, self.visits = base, tokens, codes, visits
        self.to_dispense: list[tuple[str, int]] = []
        self.lock = threading.Lock()
        self.packs = iter(range(6_280_000_000_000_000, 6_290_000_000_000_000))
        self.local = threading.local()

    def session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def call(self, kind: str) -> int | None:
        session, base = self.session(), self.base
        if kind == "lookup":
            return session.get(f"{base}/api/v1/prescriptions", timeout=30,
                               params={"national_code": random.choice(self.codes)},
                               headers=self.tokens["pharmacy"]).status_code
        if kind == "create":
            answer = session.post(f"{base}/api/v1/prescriptions", timeout=30,
                                  headers=self.tokens["doctor"],
                                  json={"visit": random.choice(self.visits), "kind": "drug",
                                        "items": ITEMS, "override_warnings": True})
            if answer.status_code == 201:
                body = answer.json()
                with self.lock:
                    self.to_dispense.append((body["tracking_code"], body["items"][0]["id"]))
            return answer.status_code
        with self.lock:
            if not self.to_dispense:
                return None  # nothing left to dispense: not a request
            tracking_code, item = self.to_dispense.pop()
            pack = next(self.packs)
        return session.post(f"{base}/api/v1/prescriptions/{tracking_code}/dispense",
                            timeout=30, headers=self.tokens["pharmacy"],
                            json={"lines": [{"item": item, "quantity": 20, "uid": str(pack)}],
                                  "acknowledge_warnings": True}).status_code


def summarise(name: str, latencies: list[float], errors: int, seconds: float) -> dict:
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000, 1) \
            if latencies else 0.0

    return {"path": name, "requests": len(latencies), "errors": errors,
            "rps": round(len(latencies) / seconds, 1), "p50_ms": pct(0.50),
            "p95_ms": pct(0.95), "p99_ms": pct(0.99)}


def closed_loop(counter: Counter, kind: str, seconds: float, concurrency: int = 8) -> dict:
    latencies, errors, stop = [], [0], time.monotonic() + seconds

    def worker():
        while time.monotonic() < stop:
            started = time.perf_counter()
            status = counter.call(kind)
            if status is None:
                return
            latencies.append(time.perf_counter() - started)
            if status >= 400:
                errors[0] += 1

    began = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return summarise(f"{kind} (concurrency {concurrency})", latencies, errors[0],
                     time.monotonic() - began)


def open_loop(counter: Counter, rates: dict[str, float], seconds: float) -> dict:
    """Arrivals at fixed rates whatever the server does; latency from the scheduled time."""
    schedule = sorted((i / rate, kind) for kind, rate in rates.items()
                      for i in range(int(rate * seconds)))
    latencies, errors, lock = [], [0], threading.Lock()
    start = time.perf_counter() + 0.5

    def fire(at: float, kind: str):
        status = counter.call(kind)
        if status is None:
            return
        with lock:
            latencies.append(time.perf_counter() - (start + at))
            if status >= 400:
                errors[0] += 1

    with ThreadPoolExecutor(max_workers=64) as pool:
        for at, kind in schedule:
            delay = start + at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(fire, at, kind)
    total = sum(rates.values())
    return summarise(f"mixed open-loop {total:.0f}/s ({seconds:.0f} s)", latencies, errors[0],
                     time.perf_counter() - start)


def rss_mb(master_pid: int) -> float:
    pids = [master_pid] + [int(p) for p in subprocess.run(
        ["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()]
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        total += int(next(line.split()[1] for line in status.splitlines()
                          if line.startswith("VmRSS")))
    return round(total / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--mixed-seconds", type=float, default=60)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("bench/load.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    server, name = url.rsplit("/", 1)
    load_url = f"{server}/{name}_load"
    subprocess.run(["psql", f"{server}/postgres", "-qc", f'drop database if exists "{name}_load"'],
                   check=True)
    subprocess.run(["psql", f"{server}/postgres", "-qc", f'create database "{name}_load"'],
                   check=True)
    outbox = ROOT / "var" / "bench-load-outbox.jsonl"
    outbox.parent.mkdir(exist_ok=True)
    outbox.unlink(missing_ok=True)
    from cryptography.fernet import Fernet

    port = free_port()
    env = {**os.environ, "DATABASE_URL": load_url, "DEBUG": "0", "SECRET_KEY": "bench-" * 8,
           "ALLOWED_HOSTS": "127.0.0.1", "CREDENTIALS_KEY": Fernet.generate_key().decode(),
           "STATIC_MANIFEST": "0", "SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0",
           "SMS_BACKEND": "outbox", "SMS_OUTBOX": str(outbox), "CELERY_BROKER_URL": "",
           "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/11"),
           "DJANGO_SETTINGS_MODULE": "config.settings", "GUNICORN_BIND": f"127.0.0.1:{port}",
           "LOG_LEVEL": "error"}
    codes = prepare(env, args.patients)
    web = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c",
                            "config/gunicorn.py", "config.wsgi"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        doctor = sign_in(base, outbox, ("0012345679", "09120000001"))
        auth = {"Authorization": f"Token {doctor}"}
        me = requests.get(f"{base}/api/v1/me", headers=auth, timeout=10).json()
        clinic = next(m["id"] for m in me["memberships"]
                      if m["facility"]["name"] == "درمانگاه شفا")
        requests.post(f"{base}/api/v1/auth/membership", headers=auth, timeout=10,
                      json={"membership": clinic}).raise_for_status()
        tokens = {"doctor": auth, "pharmacy": {
            "Authorization": f"Token {sign_in(base, outbox, ('0034567895', '09120000003'))}"}}
        visits = [v["id"] for v in requests.get(f"{base}/api/v1/queue", headers=auth,
                                                timeout=30).json()]
        counter = Counter(base, tokens, codes, visits)
        results = [closed_loop(counter, "create", args.seconds)]
        results.append(closed_loop(counter, "lookup", args.seconds))
        results.append(closed_loop(counter, "dispense", args.seconds))
        results.append(open_loop(counter, {"create": 55, "lookup": 85, "dispense": 55},
                                 args.mixed_seconds))
        memory = rss_mb(web.pid)
    finally:
        web.terminate()
        web.wait(timeout=30)
    report(results, memory=memory, patients=args.patients, workers=os.cpu_count() * 2 + 1)


def report(results: list[dict], *, memory: float, patients: int, workers: int) -> None:
    lines = [f"# Load on the production stack ({time.strftime('%Y-%m-%d')})", "",
             f"gunicorn {workers} sync workers, DEBUG off, PostgreSQL; load generator on the "
             f"same {os.cpu_count()}-core machine; {patients} patients admitted, prescriptions "
             f"written during the run. RSS of the web processes after the run: {memory} MB.", "",
             "| path | req/s | p50 ms | p95 ms | p99 ms | errors | target |",
             "|---|---|---|---|---|---|---|"]
    for row in results:
        kind = row["path"].split()[0]
        target = TARGETS.get(kind)
        goal = (f"≥ {target[0]}/s at p95 ≤ {target[1]} ms" if target
                else "195/s held, p95 ≤ 200 ms, no error")
        lines.append(f"| {row['path']} | {row['rps']} | {row['p50_ms']} | {row['p95_ms']} | "
                     f"{row['p99_ms']} | {row['errors']} | {goal} |")
    text = "\n".join(lines) + "\n"
    print(text)
    (ROOT / "var" / "bench-load.md").write_text(text)
    (ROOT / "var" / "bench-load.json").write_text(json.dumps(
        {"results": results, "rss_after_mb": memory}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
