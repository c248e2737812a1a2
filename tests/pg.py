"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, a free local port."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

USER = "sohoa"
PASSWORD = "pg-test-Secret-7Qx"
"""The test role's password: host connections need it (scram), so a test proves it is used."""


def _binaries() -> Path | None:
    # Debian keeps the server binaries out of PATH, under /usr/lib/postgresql/<version>/bin.
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


class Cluster:
    """initdb, pg_ctl start and stop; run as the `postgres` user when the tests run as root."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="sohoa-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres")
        self.databases = 0

    def _run(self, *args: str) -> None:
        command = [*(["runuser", "-u", "postgres", "--"] if self.as_root else []), *args]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"{' '.join(args[:1])} failed: {done.stderr or done.stdout}")

    def start(self) -> None:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-E", "UTF8",
            "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256",
        )  # fmt: skip
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-w",
            "-o", f"-p {self.port} -c listen_addresses=localhost -k {self.root} -c fsync=off",
            "start",
        )  # fmt: skip
        self.sql(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def sql(self, statement: str, dbname: str = "postgres") -> None:
        import psycopg

        # The superuser over the Unix socket (trust); the application role over TCP (password).
        with psycopg.connect(
            host=str(self.root), port=self.port, user="postgres", dbname=dbname, autocommit=True
        ) as conn:
            conn.execute(statement)

    def new_database(self) -> str:
        """A fresh database owned by the test role, with unaccent; its URL without password."""
        self.databases += 1
        name = f"catalog_{self.databases}"
        self.sql(f"CREATE DATABASE {name} OWNER {USER}")
        self.sql("CREATE EXTENSION unaccent", dbname=name)
        return f"postgresql://{USER}@localhost:{self.port}/{name}"


def start_or_skip() -> Cluster:
    """A started cluster; outside CI a machine without PostgreSQL skips, in CI it fails."""
    bin_dir = _binaries()
    problem = None
    if bin_dir is None:
        problem = "PostgreSQL is not installed (apt-get install postgresql; make test does it)"
    else:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            problem = "psycopg is not installed (pip install 'psycopg[binary]')"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {problem}", pytrace=False)
        pytest.skip(problem)
    cluster = Cluster(bin_dir)
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    return cluster
