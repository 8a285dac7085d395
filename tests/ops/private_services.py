"""Private PostgreSQL and Redis instances on ports of their own, started and stopped by PID,
so a test can take a dependency down without touching the shared services."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, *, up: bool, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            if up:
                return
        except OSError:
            if not up:
                return
        time.sleep(0.1)
    raise TimeoutError(f"port {port} did not come {'up' if up else 'down'}")


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """initdb into a temporary folder, then `postgres` on a port of its own (as the
    `postgres` user when we are root: PostgreSQL refuses to run as root)."""

    def __init__(self, *, standby_of: PrivatePostgres | None = None) -> None:
        """A new cluster (initdb), or with `standby_of` a streaming standby of that running
        instance: `pg_basebackup -R` copies it and writes `standby.signal` and
        `primary_conninfo`, so once started it replays the primary's WAL as a hot standby.
        (initdb's defaults already allow it: wal_level=replica, max_wal_senders=10, and
        `-A trust` puts trusted `replication` lines for loopback in pg_hba.conf.)"""
        self.bin = postgres_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="noskhe-pg-", dir="/tmp"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.as_user = {}
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.dir, account.pw_uid, account.pw_gid)
            self.as_user = {"user": account.pw_uid, "group": account.pw_gid}
        if standby_of is not None:
            subprocess.run([self.bin / "pg_basebackup", "-h", "127.0.0.1", "-p",
                            str(standby_of.port), "-U", "postgres", "-D", self.dir / "data",
                            "-R", "-X", "stream", "-c", "fast", "--no-sync"],
                           check=True, capture_output=True, **self.as_user)
            return
        subprocess.run([self.bin / "initdb", "-D", self.dir / "data", "-A", "trust", "-U",
                        "postgres", "--no-sync"], check=True, capture_output=True,
                       **self.as_user)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/noskhe"

    def start(self) -> None:
        self.log = open(self.dir / "log.txt", "a")
        self.process = subprocess.Popen(
            [self.bin / "postgres", "-D", self.dir / "data", "-p", str(self.port),
             "-k", self.dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
            stdout=self.log, stderr=subprocess.STDOUT, **self.as_user)
        wait_port(self.port, up=True)
        for _ in range(50):
            ready = subprocess.run([self.bin / "pg_isready", "-h", "127.0.0.1", "-p",
                                    str(self.port)], capture_output=True)
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise TimeoutError("private PostgreSQL did not become ready")

    def sql(self, query: str, *, database: str = "noskhe") -> str:
        """One statement through psql; its unaligned output, stripped."""
        done = subprocess.run(["psql", f"postgres://postgres@127.0.0.1:{self.port}/{database}",
                               "-XAtqc", query], check=True, capture_output=True, text=True)
        return done.stdout.strip()

    def stop(self) -> None:
        """Fast shutdown of this instance only, by its PID (clients are cut off)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=30)
        wait_port(self.port, up=False)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, up=True)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        wait_port(self.port, up=False)


def server_env(tmp: Path, **extra: str) -> dict:
    """The environment of a production-like server under test: DEBUG off, throwaway keys,
    plain http, SMS to an outbox in `tmp`, tasks eager; `extra` wins."""
    from cryptography.fernet import Fernet

    return {**os.environ, "DEBUG": "0", "SECRET_KEY": "test-" + "k" * 40,
            "ALLOWED_HOSTS": "127.0.0.1", "CREDENTIALS_KEY": Fernet.generate_key().decode(),
            "STATIC_MANIFEST": "0", "SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0",
            "SMS_BACKEND": "outbox", "SMS_OUTBOX": str(tmp / "outbox.jsonl"),
            "PAPER_SIGNING_KEY": "", "CELERY_BROKER_URL": "", "LOG_LEVEL": "error",
            "DB_CONNECT_TIMEOUT_SECONDS": "1", **extra}
