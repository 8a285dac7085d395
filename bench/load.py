"""Load on the production stack: gunicorn (2×cores+1 sync workers, DEBUG off) on PostgreSQL,
driven over HTTP by a threaded load generator on the same machine (http.client, lean on CPU).

    make bench-load                 # or: .venv/bin/python bench/load.py --patients 400
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/noskhe make bench-load

It makes a throwaway database `<name>_load` beside DATABASE_URL's, loads the demo data,
COPYs in `--prescriptions` prescriptions of three drugs over `--population` patients
(bench/bulk.py; 1,000,000 over 200,000 by default), admits `--patients` of those patients
(half of them insured) to the demo clinic's doctor, then runs: create, lookup and dispense
closed-loop at concurrency 8 (`--seconds` each), and the national mix open-loop (arrivals
scheduled at 55 creates + 85 lookups + 55 dispenses a second, half the national peak, for
`--mixed-seconds`), latency counted from each request's scheduled time so queueing shows.
Every answer says how many SQL queries it ran (X-Query-Count); the CPU time of gunicorn and
of PostgreSQL is read from /proc around each run, which gives what the national peak takes.
It writes `var/bench-load.md` and `var/bench-load.json`; with `--ratios FILE` (what
`make bench` passes: bench/run.py's JSON) it prints issue 10's whole table."""

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


NATIONAL_PEAK = {"create": 110, "lookup": 170, "dispense": 110}
RATIO_TARGETS = {"create": 3, "lookup": 3, "dispense": 4}
sys.path.insert(0, str(ROOT / "bench"))
from bulk import national_code  # noqa: E402


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


ADMIT = """
import datetime as dt
from accounts.models import Membership, Patient
from claims.models import Coverage, Scheme
from prescriptions import services
from prescriptions.models import Visit
reception = Membership.objects.get(user__national_code="0023456787")
doctor = Membership.objects.get(user__national_code="0012345679", facility__name="درمانگاه شفا")
# the visits of earlier runs are closed: their patients' histories grew in those runs
Visit.objects.filter(doctor=doctor).exclude(status="done").exclude(
    patient__national_code__in=codes).update(status="done")
scheme = Scheme.objects.get(code="SSO-GEN")
Coverage.objects.bulk_create([Coverage(patient=p, scheme=scheme, valid_from=dt.date(2020, 1, 1),
    insurance_number=f"L-{p.national_code}") for p in Patient.objects.filter(
    national_code__in=codes[::2])], ignore_conflicts=True)
for code in codes:
    services.visit_admit(actor=reception, national_code=code, doctor_id=doctor.pk)
"""


def run_codes(patients: int, run: int) -> list[str]:
    """The patients a run prescribes for: the next `patients` of the copied population for
    each run on the same data, so that every run finds them as loaded (five prescriptions
    each, the issue's shape), not carrying what earlier runs wrote for them."""
    first = 500_000_000 + run * patients
    return [national_code(first + i) for i in range(patients)]


def prepare(env: dict, patients: int, population: int, prescriptions: int) -> tuple[list[str],
                                                                                  dict]:
    """Migrate, seed the demo, COPY the national rows, admit the patients (in a child)."""
    stats = ROOT / "var" / "bench-load-data.json"
    codes = run_codes(patients, 0)
    script = f"""
import json, sys, django
sys.path.insert(0, {str(ROOT / "bench")!r})
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
import bulk
stats = bulk.load(patients={population}, prescriptions={prescriptions})
codes = {codes!r}
{ADMIT}
open({str(stats)!r}, "w").write(json.dumps(stats))
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)
    return codes, json.loads(stats.read_text())


def admit_next(env: dict, patients: int, data: dict) -> list[str]:
    """On reused data: the next run's patients, covered and admitted as `prepare` does."""
    data["runs"] = data.get("runs", 0) + 1
    if (data["runs"] + 1) * patients > data["patients"]:
        raise SystemExit("bench/load.py: the copied population is used up; load it afresh")
    codes = run_codes(patients, data["runs"])
    script = f"import django\ndjango.setup()\ncodes = {codes!r}\n{ADMIT}"
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)
    (ROOT / "var" / "bench-load-data.json").write_text(json.dumps(data))
    return codes


def sign_in(base: str, outbox: Path, who: tuple[str, str]) -> str:
    requests.post(f"{base}/api/v1/auth/otp/request", timeout=10,
                  json={"national_code": who[0], "mobile": who[1]}).raise_for_status()
    code = None
    for _ in range(100):  # the worker writes it
        sent = [json.loads(line) for line in outbox.read_text().splitlines()
                if json.loads(line)["to"] == who[1] and json.loads(line)["code"]] \
            if outbox.exists() else []
        if sent:
            code = sent[-1]["code"]
            break
        time.sleep(0.1)
    answer = requests.post(f"{base}/api/v1/auth/otp/verify", timeout=10,
                           json={"national_code": who[0], "code": code})
    answer.raise_for_status()
    return answer.json()["token"]


def open_visits(url: str, auth: dict) -> list[int]:
    """The doctor's waiting visits, through every page of the queue (the copied history
    puts today's finished visits first)."""
    visits = []
    while url:
        answer = requests.get(url, headers=auth, timeout=30)
        answer.raise_for_status()
        visits += [v["id"] for v in answer.json() if v["status"] != "done"]
        url = answer.links.get("next", {}).get("url")
    if not visits:
        raise SystemExit("bench/load.py: the doctor's queue has no open visit to prescribe on")
    return visits


class Answer:
    """What the run reads of an HTTP answer."""

    def __init__(self, status: int, headers, body: bytes) -> None:
        self.status_code, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


class LeanClient:
    """HTTP/1.1 on http.client, one connection per thread, reopened when the server closes
    it (gunicorn's sync workers close after each answer). The generator shares the server's
    two cores and its CPU counts against the targets: requests cost it about 1.5 ms a
    request here, this a fraction of that."""

    def __init__(self, base: str) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.local = threading.local()

    def _connection(self):
        import http.client

        if not hasattr(self.local, "connection"):
            self.local.connection = http.client.HTTPConnection(self.host, self.port,
                                                               timeout=30)
        return self.local.connection

    def send(self, method: str, path: str, headers: dict, body: dict | None = None,
             params: dict | None = None) -> Answer:
        from urllib.parse import urlencode

        if params:
            path = f"{path}?{urlencode(params)}"
        headers = {**headers, "Host": f"{self.host}:{self.port}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection = self._connection()
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
        except ConnectionError:  # a kept connection the server had closed: sent again
            connection.close()
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
        answer = Answer(response.status, response.headers, response.read())
        if response.will_close:
            connection.close()
        return answer


class Counter:
    """Shared state of a run: the visits to prescribe on, prescriptions to dispense, codes."""

    def __init__(self, base: str, tokens: dict, codes: list[str], visits: list[int]) -> None:
        self.base, self.tokens, self.codes, self.visits = base, tokens, codes, visits
        self.to_dispense: list[tuple[str, int]] = []
        self.failures: dict[str, str] = {}  # the first answer of each kind of failure
        self.lock = threading.Lock()
        # pack codes no earlier run used (a kept database holds the last run's)
        start = 6_280_000_000_000_000 + (time.time_ns() // 1000) % 10**15
        self.packs = iter(range(start, start + 10**9))
        self.client = LeanClient(base)

    def call(self, kind: str) -> tuple[int, int] | None:
        """(status, SQL queries the server ran) of one request of this kind."""
        answer = self._send(kind)
        if answer is None:
            return None
        if answer.status_code >= 400:
            self.failures.setdefault(f"{kind} {answer.status_code}", answer.text[:300])
        return answer.status_code, int(answer.headers.get("X-Query-Count", 0))

    def _send(self, kind: str) -> Answer | None:
        client = self.client
        if kind == "lookup":
            return client.send("GET", "/api/v1/prescriptions", self.tokens["pharmacy"],
                               params={"national_code": random.choice(self.codes)})
        if kind == "create":
            answer = client.send("POST", "/api/v1/prescriptions", self.tokens["doctor"],
                                 {"visit": random.choice(self.visits), "kind": "drug",
                                  "items": ITEMS, "override_warnings": True})
            if answer.status_code == 201:
                body = answer.json()
                with self.lock:
                    self.to_dispense.append((body["tracking_code"], body["items"][0]["id"]))
            return answer
        with self.lock:
            if not self.to_dispense:
                return None  # nothing left to dispense: not a request
            tracking_code, item = self.to_dispense.pop()
            pack = next(self.packs)
        return client.send("POST", f"/api/v1/prescriptions/{tracking_code}/dispense",
                           self.tokens["pharmacy"],
                           {"lines": [{"item": item, "quantity": 20, "uid": str(pack)}],
                            "acknowledge_warnings": True})


def summarise(name: str, latencies: list[float], errors: list[int], seconds: float,
              queries: list[int]) -> dict:
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000, 1) \
            if latencies else 0.0

    return {"path": name, "requests": len(latencies), "errors": len(errors),
            "error_statuses": {str(k): errors.count(k) for k in sorted(set(errors))},
            "rps": round(len(latencies) / seconds, 1), "p50_ms": pct(0.50),
            "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "queries_max": max(queries, default=0),
            "queries_mean": round(sum(queries) / len(queries), 1) if queries else 0}


def closed_loop(counter: Counter, kind: str, seconds: float, concurrency: int = 8) -> dict:
    latencies, errors, queries, stop = [], [], [], time.monotonic() + seconds

    def worker():
        while time.monotonic() < stop:
            started = time.perf_counter()
            answer = counter.call(kind)
            if answer is None:
                return
            latencies.append(time.perf_counter() - started)
            queries.append(answer[1])
            if answer[0] >= 400:
                errors.append(answer[0])

    began = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return summarise(f"{kind} (concurrency {concurrency})", latencies, errors,
                     time.monotonic() - began, queries)


def open_loop(counter: Counter, rates: dict[str, float], seconds: float) -> dict:
    """Arrivals at fixed rates whatever the server does; latency from the scheduled time."""
    schedule = sorted((i / rate, kind) for kind, rate in rates.items()
                      for i in range(int(rate * seconds)))
    latencies, errors, queries, lock = [], [], [], threading.Lock()
    start = time.perf_counter() + 0.5

    def fire(at: float, kind: str):
        answer = counter.call(kind)
        if answer is None:
            return
        with lock:
            latencies.append(time.perf_counter() - (start + at))
            queries.append(answer[1])
            if answer[0] >= 400:
                errors.append(answer[0])

    with ThreadPoolExecutor(max_workers=64) as pool:
        for at, kind in schedule:
            delay = start + at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(fire, at, kind)
    total = sum(rates.values())
    return summarise(f"mixed open-loop {total:.0f}/s ({seconds:.0f} s)", latencies, errors,
                     time.perf_counter() - start, queries)


def _purge(env: dict) -> None:
    """Empty the run's queues: nothing here consumes them."""
    import redis

    client = redis.Redis.from_url(env["CELERY_BROKER_URL"])
    for key in client.scan_iter("bench-load*"):
        client.delete(key)
    client.close()


def _children(master_pid: int) -> list[int]:
    return [master_pid] + [int(p) for p in subprocess.run(
        ["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()]


def rss_mb(master_pid: int) -> float:
    total = 0
    for pid in _children(master_pid):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        total += int(next(line.split()[1] for line in status.splitlines()
                          if line.startswith("VmRSS")))
    return round(total / 1024, 1)


def _cpu_seconds(pids, children: bool = True) -> float:
    """utime + stime of these processes, from /proc, and of their reaped children unless
    told not to (PostgreSQL's postmaster reaps every backend and autovacuum worker of the
    cluster, whichever database it served)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += sum(int(v) for v in fields[11:15 if children else 13])
    return total / tick


def _machine_seconds() -> tuple[float, float, float]:
    """The whole machine's busy CPU seconds (user, nice, system, irq, softirq: every core,
    every process, the kernel's network stack included), of them the interrupts' (irq and
    softirq: loopback packets are delivered there, and no process is charged with them),
    and the seconds the hypervisor stole from this VM, from /proc/stat's first line."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    tick = os.sysconf("SC_CLK_TCK")
    return ((user + nice + system + irq + softirq) / tick, (irq + softirq) / tick,
            steal / tick)


def _every_process() -> dict[int, tuple[str, float]]:
    """Each process's name and own CPU seconds (kernel threads included), to name what the
    metered parts leave out."""
    tick, found = os.sysconf("SC_CLK_TCK"), {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except (FileNotFoundError, ProcessLookupError):
            continue
        fields = tail.split()
        found[int(stat.parent.name)] = (head.split("(", 1)[1],
                                        (int(fields[11]) + int(fields[12])) / tick)
    return found


def cpu_probe() -> float:
    """Milliseconds of CPU a fixed pure-Python loop takes (best of three): this VM's speed
    drifts by a third from hour to hour, and runs compare only beside it."""
    best = float("inf")
    for _ in range(3):
        started, total = time.process_time(), 0
        for i in range(1_000_000):
            total += i * i
        best = min(best, time.process_time() - started)
    return round(best * 1000, 1)


def _drain(broker_url: str, timeout: float = 180) -> None:
    """Wait until the worker has taken every task of the run's queues (and a moment for the
    last one), so a phase's background work is counted in that phase, not the next."""
    import redis

    client = redis.Redis.from_url(broker_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and any(
                client.type(key) == b"list" and client.llen(key)
                for key in client.scan_iter("bench-load*")):
            time.sleep(0.2)
    finally:
        client.close()
    time.sleep(0.5)


class CpuMeter:
    """CPU seconds spent by gunicorn (master and workers), the Celery worker, PostgreSQL
    (the run's backends and writers), Redis (cache, throttles and broker: the whole server,
    so nothing else should use it during a run) and this generator, between two readings;
    a phase's reading ends once the worker has drained what the phase queued."""

    def __init__(self, master_pid: int, worker_pid: int, broker_url: str,
                 database_url: str) -> None:
        self.master_pid, self.worker_pid, self.broker_url = master_pid, worker_pid, broker_url
        self.database_url = database_url
        self.database = f" {database_url.rsplit('/', 1)[1]} ".encode()

    def _postgres(self) -> list[int]:
        """The cluster's processes that serve this run: the load database's backends and
        the shared writers (WAL, checkpoints). Autovacuum is left out (after a COPY of a
        million rows it works through the tables for minutes, whichever run is on: it shows
        among the unmetered processes) and so are other databases' backends (a test suite
        on the same cluster)."""
        return [pid for pid, command in self._cluster()
                if b"autovacuum" not in command and not (
                    command.startswith(b"postgres: ")
                    and (b"(" in command or b" [local] " in command)  # TCP or socket client
                    and self.database not in command)]

    def _writers(self) -> list[int]:
        """The cluster's shared writers (of those in `_postgres`): the WAL writer, the
        checkpointer and the background writer."""
        return [pid for pid, command in self._cluster()
                if any(name in command for name in (b"walwriter", b"checkpointer",
                                                    b"background writer"))]

    def _cluster_counters(self) -> dict[str, int] | None:
        """The whole cluster's WAL and buffer counters (PostgreSQL 14–16's views; None, and
        the report says so, where they cannot be read)."""
        names = ("wal_records", "wal_fpi", "wal_bytes", "checkpoints", "buffers_checkpoint",
                 "buffers_clean", "buffers_backend")
        done = subprocess.run(
            ["psql", self.database_url, "-AtF,", "-c",
             "SELECT wal_records, wal_fpi, wal_bytes, checkpoints_timed + checkpoints_req, "
             "buffers_checkpoint, buffers_clean, buffers_backend "
             "FROM pg_stat_wal, pg_stat_bgwriter"], capture_output=True, text=True)
        try:
            return dict(zip(names, (int(v) for v in done.stdout.strip().split(",")),
                            strict=True))
        except ValueError:
            print(f"bench/load.py: the cluster's counters are not read: {done.stderr.strip()}",
                  flush=True)
            return None

    @staticmethod
    def _cluster() -> list[tuple[int, bytes]]:
        found = []
        for pid in subprocess.run(["pgrep", "-x", "postgres"], capture_output=True,
                                  text=True).stdout.split():
            try:
                found.append((int(pid), Path(f"/proc/{pid}/cmdline").read_bytes().replace(
                    b"\0", b" ")))
            except FileNotFoundError:
                continue
        return found

    def read(self) -> dict:
        own = os.times()
        machine, interrupts, steal = _machine_seconds()
        return {"machine": machine, "interrupts": interrupts, "steal": steal,
                "processes": _every_process(),
                "web": _cpu_seconds(_children(self.master_pid)),
                "worker": _cpu_seconds([self.worker_pid]),
                "database": {pid: _cpu_seconds([pid], children=False)
                             for pid in self._postgres()},
                "writers": {pid: _cpu_seconds([pid], children=False)
                            for pid in self._writers()},
                "cluster": self._cluster_counters(),
                "redis": _cpu_seconds(subprocess.run(
                    ["pgrep", "-x", "redis-server"], capture_output=True,
                    text=True).stdout.split(), children=False),
                "generator": own.user + own.system}

    def around(self, run) -> dict:
        before = self.read()
        result = run()
        _drain(self.broker_url)
        after = self.read()
        metered = (set(_children(self.master_pid)) | {self.worker_pid, os.getpid()}
                   | set(after["database"])
                   | {int(pid) for pid in subprocess.run(["pgrep", "-x", "redis-server"],
                                                         capture_output=True,
                                                         text=True).stdout.split()})
        others: dict[str, float] = {}
        for pid, (name, seconds) in after.pop("processes").items():
            if pid not in metered:
                # kernel threads per core (ksoftirqd/0, kworker/1:2-events) named as one
                name = name.split("/")[0]
                others[name] = others.get(name, 0) + seconds - before["processes"].get(
                    pid, (name, seconds))[1]
        before.pop("processes")
        # PostgreSQL per process: a backend that began during the run counts whole, one
        # that ended during it (none while gunicorn keeps its workers) counts nothing more
        for part in ("database", "writers"):
            after[part] = sum(seconds - before[part].get(pid, 0)
                              for pid, seconds in after[part].items())
            before[part] = 0
        requests_ = max(1, result["requests"])
        # what the cluster wrote meanwhile: WAL (full-page images after a checkpoint are
        # the costly part), checkpoints and the buffers they, the background writer and
        # the backends themselves wrote out
        counters, earlier = after.pop("cluster"), before.pop("cluster")
        result["cluster"] = ({name: value - earlier[name] for name, value in counters.items()}
                             if counters and earlier else None)
        for part in before:
            result[f"{part}_cpu_ms"] = round((after[part] - before[part]) * 1000 / requests_, 2)
        # what the machine was busy with beyond the metered processes: the kernel's
        # loopback and scheduling work, autovacuum, anything else on the box
        result["unmetered_cpu_ms"] = round(result["machine_cpu_ms"] - sum(
            result[f"{part}_cpu_ms"] for part in ("web", "worker", "database", "redis",
                                                  "generator")), 2)
        # the biggest of it by process name (a process that ended during the run is missed)
        result["unmetered_by_process_ms"] = {
            name: round(seconds * 1000 / requests_, 2) for name, seconds in sorted(
                others.items(), key=lambda kv: -kv[1])[:5] if seconds > 0}
        return result


def peak_estimate(results: list[dict], data: dict) -> dict:
    """What 110 creates + 170 lookups + 110 dispenses a second take, from the CPU each
    request cost on this machine (closed-loop runs) and the size of the loaded rows."""
    per_kind = {r["path"].split()[0]: r for r in results if r["path"].split()[0] in NATIONAL_PEAK}
    web = sum(rate * per_kind[k]["web_cpu_ms"] / 1000 for k, rate in NATIONAL_PEAK.items())
    worker = sum(rate * per_kind[k]["worker_cpu_ms"] / 1000 for k, rate in NATIONAL_PEAK.items())
    database = sum(rate * per_kind[k]["database_cpu_ms"] / 1000
                   for k, rate in NATIONAL_PEAK.items())
    cache = sum(rate * per_kind[k]["redis_cpu_ms"] / 1000 for k, rate in NATIONAL_PEAK.items())
    # the machine's whole busy time but the generator's: the parts plus what no process of
    # theirs is charged with (the kernel's loopback traffic between them, mostly)
    busy = sum(rate * (per_kind[k]["machine_cpu_ms"] - per_kind[k]["generator_cpu_ms"]) / 1000
               for k, rate in NATIONAL_PEAK.items())
    per_million = data["database_bytes"] / max(1, data["prescriptions"]) * 1_000_000
    return {"web_cores": round(web, 1), "worker_cores": round(worker, 1),
            "database_cores": round(database, 1), "redis_cores": round(cache, 1),
            "web_processes": int(web * 2 + 1 + 0.999),  # sync workers: two per core, plus one
            "unmetered_cores": round(busy - web - worker - database - cache, 1),
            "machines_2_core": int(max(busy, web + worker + database + cache)
                                   / (os.cpu_count() or 2) + 0.999),
            "bytes_per_million_prescriptions": int(per_million)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=400,
                        help="patients admitted for the run (of the population)")
    parser.add_argument("--population", type=int, default=200_000)
    parser.add_argument("--prescriptions", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--mixed-seconds", type=float, default=60)
    parser.add_argument("--ratios", help="bench/run.py's JSON: print issue 10's whole table")
    parser.add_argument("--reuse-data", action="store_true",
                        help="keep the last run's database (migrated, not reloaded)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("bench/load.py skipped: the load run needs PostgreSQL "
              "(set DATABASE_URL=postgres://…)")
        if args.ratios:
            table(None, json.loads(Path(args.ratios).read_text()))
        return
    server, name = url.rsplit("/", 1)
    load_url = f"{server}/{name}_load"
    if not args.reuse_data:
        subprocess.run(["psql", f"{server}/postgres", "-qc",
                        f'drop database if exists "{name}_load"'], check=True)
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
           # background work (sign-in codes, patients' notices) goes through the broker to a
           # worker on the same machine, as in production; its CPU is counted apart
           "SMS_BACKEND": "outbox", "SMS_OUTBOX": str(outbox),
           "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/15"),
           "CELERY_QUEUE": "bench-load",
           "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/11"),
           "DJANGO_SETTINGS_MODULE": "config.settings", "GUNICORN_BIND": f"127.0.0.1:{port}",
           "LOG_LEVEL": "error", "QUERY_COUNT_HEADER": "1",
           # workers kept for the whole run: their database connections (and PostgreSQL's
           # CPU per backend) with them
           "GUNICORN_MAX_REQUESTS": "0", "DB_CONN_MAX_AGE": "3600",
           "CACHE_KEY_PREFIX": f"bench-{time.time_ns()}"}  # no cooldown left by a last run
    if args.reuse_data:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env,
                       check=True)
        data = json.loads((ROOT / "var" / "bench-load-data.json").read_text())
        codes = admit_next(env, args.patients, data)
    else:
        print(f"loading {args.prescriptions:,} prescriptions over {args.population:,} "
              "patients by COPY …", flush=True)
        codes, data = prepare(env, args.patients, max(args.population, args.patients),
                              args.prescriptions)
    print(f"loaded in {data['seconds']} s; database {data['database_bytes'] / 2**30:.2f} GiB",
          flush=True)
    # The tables as autovacuum keeps them in production (hint bits set, dead rows of earlier
    # runs gone, statistics fresh): this machine's cluster may run with autovacuum off, as
    # its CI configuration does, and reused data then bloats from run to run.
    subprocess.run(["psql", load_url, "-qc", "VACUUM (ANALYZE)"], check=True)
    web = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c",
                            "config/gunicorn.py", "config.wsgi"], cwd=ROOT, env=env)
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker",
                               "--pool=solo", "--without-gossip", "--without-mingle", "-l",
                               "warning"], cwd=ROOT, env=env)
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
        visits = open_visits(f"{base}/api/v1/queue", auth)
        counter = Counter(base, tokens, codes, visits)
        meter = CpuMeter(web.pid, worker.pid, env["CELERY_BROKER_URL"], load_url)
        probe_before = cpu_probe()
        results = [meter.around(lambda k=kind: closed_loop(counter, k, args.seconds))
                   for kind in ("create", "lookup", "dispense")]
        results.append(meter.around(lambda: open_loop(
            counter, {k: rate / 2 for k, rate in NATIONAL_PEAK.items()}, args.mixed_seconds)))
        memory = rss_mb(web.pid)
        data = {**data, "cpu_probe_ms": [probe_before, cpu_probe()]}
        for failure, body in counter.failures.items():
            print(f"first {failure}: {body}")
    finally:
        for process in (web, worker):
            process.terminate()
            process.wait(timeout=30)
        _purge(env)
    workers = int(os.environ.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) * 2 + 1)
    report(results, memory=memory, patients=args.patients, workers=workers, data=data)
    if args.ratios:
        table(results, json.loads(Path(args.ratios).read_text()))


def _cluster_text(row: dict) -> str:
    wal, requests_ = row["cluster"]["wal_bytes"], max(1, row["requests"])
    return (f"WAL {wal / requests_ / 1024:.1f} KiB a request ({row['cluster']['wal_fpi']:,} "
            f"full pages in {wal / 2**20:.0f} MiB), {row['cluster']['checkpoints']} "
            f"checkpoints, buffers {row['cluster']['buffers_checkpoint']:,}/"
            f"{row['cluster']['buffers_clean']:,}/{row['cluster']['buffers_backend']:,}")


def report(results: list[dict], *, memory: float, patients: int, workers: int,
           data: dict) -> None:
    estimate = peak_estimate(results, data)
    lines = [f"# Load on the production stack ({time.strftime('%Y-%m-%d')})", "",
             f"gunicorn {workers} sync workers, DEBUG off, PostgreSQL; load generator on the "
             f"same {os.cpu_count()}-core machine. Data: {data['prescriptions']:,} "
             f"prescriptions ({data['items']:,} items) over {data['patients']:,} patients, "
             f"loaded by COPY in {data['seconds']} s, database "
             f"{data['database_bytes'] / 2**30:.2f} GiB; {patients} of the patients admitted, "
             "prescriptions written during the run are dispensed during it. RSS of the web "
             f"processes after the run: {memory} MB. CPU probe (a fixed Python loop, "
             f"before and after the runs; the VM's speed drifts): "
             f"{' / '.join(str(ms) for ms in data['cpu_probe_ms'])} ms.", "",
             "| path | req/s | p50 ms | p95 ms | p99 ms | errors | queries (mean/max) "
             "| CPU ms per request (web/worker/db/redis/generator) "
             "| machine busy / of it unmetered (interrupts) / stolen, ms per request "
             "| target |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in results:
        kind = row["path"].split()[0]
        target = TARGETS.get(kind)
        goal = (f"≥ {target[0]}/s at p95 ≤ {target[1]} ms" if target
                else "195/s held, p95 ≤ 200 ms, no error")
        lines.append(f"| {row['path']} | {row['rps']} | {row['p50_ms']} | {row['p95_ms']} | "
                     f"{row['p99_ms']} | {row['errors']} {row['error_statuses'] or ''} | "
                     f"{row['queries_mean']}/"
                     f"{row['queries_max']} | {row['web_cpu_ms']}/{row['worker_cpu_ms']}/"
                     f"{row['database_cpu_ms']}/{row['redis_cpu_ms']}/"
                     f"{row['generator_cpu_ms']} | {row['machine_cpu_ms']} / "
                     f"{row['unmetered_cpu_ms']} ({row['interrupts_cpu_ms']}) / "
                     f"{row['steal_cpu_ms']} | {goal} |")
    lines += ["", "Unmetered CPU, the biggest by process name (ms per request): " + "; ".join(
        f"{row['path'].split()[0]}: " + (", ".join(
            f"{name} {ms}" for name, ms in row["unmetered_by_process_ms"].items()) or "none")
        for row in results) + "."]
    lines += ["", "PostgreSQL's writes per run: of its CPU the shared writers' (WAL writer, "
              "checkpointer, background writer), then the whole cluster's WAL and its "
              "full-page images, checkpoints, and buffers written by the checkpointer / "
              "background writer / backends: " + "; ".join(
                  f"{row['path'].split()[0]}: writers {row['writers_cpu_ms']} ms a request, "
                  + (_cluster_text(row) if row["cluster"] else "cluster counters not read")
                  for row in results) + "."]
    lines += ["", "## What the national peak takes (110 creates + 170 lookups + 110 dispenses "
              "a second)", "",
              "Measured here and scaled: the CPU each closed-loop request cost gunicorn and "
              "PostgreSQL (and the worker and Redis) on this machine, times the peak's rates.", "",
              f"- web: {estimate['web_cores']} cores of this machine, i.e. about "
              f"{estimate['web_processes']} sync gunicorn workers (two per core, plus one), "
              "spread over as many machines as needed (web processes share nothing local);",
              f"- worker (patients' notices): {estimate['worker_cores']} cores;",
              f"- database: {estimate['database_cores']} cores on the primary for the writes "
              "and locks, less with lookups sent to replicas (DATABASE_REPLICA_URLS);",
              f"- Redis (cache, throttles, broker): {estimate['redis_cores']} cores;",
              f"- the kernel and whatever else no metered process is charged with: "
              f"{estimate['unmetered_cores']} cores;",
              f"- in all, {estimate['machines_2_core']} machines like this one "
              f"({os.cpu_count()} cores), the generator not counted;",
              f"- storage: {estimate['bytes_per_million_prescriptions'] / 2**30:.2f} GiB per "
              "million prescriptions of three items with their visits, indexes included."]
    text = "\n".join(lines) + "\n"
    print(text)
    (ROOT / "var" / "bench-load.md").write_text(text)
    (ROOT / "var" / "bench-load.json").write_text(json.dumps(
        {"results": results, "rss_after_mb": memory, "data": data, "peak": estimate},
        ensure_ascii=False, indent=2))


def table(load: list[dict] | None, ratios: list[dict]) -> None:
    """Issue 10's table: each figure beside its target."""
    print("\nIssue 10's table: Noskhe now, beside the targets\n")
    print(f"{'measure':62} {'now':>24} {'target':>24}")
    for row in ratios:
        if "ratio" not in row or row["path"].startswith(" "):
            continue
        kind = row["path"].split(":")[0].split()[0]
        now = f"{row['ratio']}× ({row['service_ms']} vs {row['floor_ms']} ms)"
        goal = f"≤ {RATIO_TARGETS[kind]}×"
        print(f"{kind + ' / its SQL floor':62} {now:>24} {goal:>24}")
    if load is None:
        print(f"{'HTTP load (needs PostgreSQL)':62} {'not run':>24}")
        return
    for row in load:
        kind = row["path"].split()[0]
        target = TARGETS.get(kind)
        goal = f"≥ {target[0]}/s, p95 ≤ {target[1]} ms" if target else "195/s, p95 ≤ 200 ms, 0 err"
        now = f"{row['rps']}/s, p95 {row['p95_ms']} ms" + (
            f", {row['errors']} err" if not target else "")
        print(f"{row['path']:62} {now:>24} {goal:>24}")


if __name__ == "__main__":
    main()
