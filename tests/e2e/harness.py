"""Starts and stops real `grantex serve` processes for the end-to-end tests.

Environment:
  GRANTEX_BIN          the `grantex` binary (default: <repo>/target/release/grantex)
  GRANTEX_E2E_PG_URL   admin URL of a PostgreSQL cluster (from scripts/start-postgres); the PostgreSQL
                       variants are skipped without it. Each server gets its own fresh database.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BIN = os.environ.get("GRANTEX_BIN", str(REPO / "target" / "release" / "grantex"))
LIVE_KEY = "dev-api-key-local"
SANDBOX_KEY = "sandbox-api-key-local"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_admin_url() -> str | None:
    url = os.environ.get("GRANTEX_E2E_PG_URL", "").strip()
    return url or None


def create_pg_database(admin_url: str) -> str:
    """Creates a fresh database on the cluster of `admin_url`; returns its URL."""
    name = "gx_e2e_" + uuid.uuid4().hex[:16]
    subprocess.run(
        ["psql", admin_url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", f"CREATE DATABASE {name}"],
        check=True,
        capture_output=True,
    )
    base = admin_url.split("?")[0].rsplit("/", 1)[0]
    return f"{base}/{name}"


def drop_pg_database(admin_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    subprocess.run(
        ["psql", admin_url, "-qAt", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
        capture_output=True,
    )


def run_cli(*args: str, data_dir: Path | None = None, database_url: str | None = None) -> Any:
    """Runs a `grantex` admin subcommand and returns its JSON output."""
    cmd = [BIN, *args]
    if database_url:
        cmd += ["--database-url", database_url]
    elif data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTEX_")}
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout)


class Server:
    """One `grantex serve` process on 127.0.0.1:<free port>, with `--public-url` = its base URL."""

    def __init__(
        self,
        *,
        dev: bool = True,
        data_dir: Path | None = None,
        database_url: str | None = None,
        extra: list[str] | None = None,
        port: int | None = None,
    ) -> None:
        self.own_dir = data_dir is None
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix="grantex-e2e-"))
        self.database_url = database_url
        self.dev = dev
        self.extra = list(extra or [])
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.data_dir / f"server-{self.port}.log"

    def start(self) -> "Server":
        cmd = [
            BIN,
            "serve",
            "--listen",
            f"127.0.0.1:{self.port}",
            "--public-url",
            self.base_url,
            "--data-dir",
            str(self.data_dir),
        ]
        if self.dev:
            cmd.append("--dev")
        if self.database_url:
            cmd += ["--database-url", self.database_url]
        cmd += self.extra
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTEX_")}
        env.setdefault("RUST_LOG", "warn")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"grantex serve exited with {self.proc.returncode}:\n{self.log_path.read_text()}"
                )
            try:
                with urllib.request.urlopen(self.base_url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"grantex serve did not come up:\n{self.log_path.read_text()}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cleanup(self) -> None:
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # Raw HTTP, for what the SDK does not cover.
    def request(
        self,
        method: str,
        path: str,
        *,
        key: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        data = None
        h = dict(headers or {})
        if key:
            h["Authorization"] = f"Bearer {key}"
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                raw = r.read()
                status = r.status
        except urllib.error.HTTPError as e:
            raw = e.read()
            status = e.code
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")
