"""A private PostgreSQL 15 cluster on loopback for the test run.

Uses the machine's PostgreSQL binaries (``initdb``/``pg_ctl``). When the tests run as root
(CI does), the cluster is run by the ``postgres`` system user, since PostgreSQL refuses root.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

CANDIDATE_BIN_DIRS = (
    "/usr/lib/postgresql/15/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/local/bin",
    "/usr/bin",
)


def find_pg_bin() -> Path | None:
    configured = os.environ.get("HUIFANG_PG_BIN")
    dirs = [configured] if configured else list(CANDIDATE_BIN_DIRS)
    for directory in dirs:
        if (
            directory
            and (Path(directory) / "initdb").exists()
            and (Path(directory) / "pg_ctl").exists()
        ):
            return Path(directory)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    bin_dir: Path
    root: Path
    port: int
    run_as: str | None

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "huifang",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        try:
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://huifang@127.0.0.1:{self.port}/{database}"

    def halt(self, mode: str = "fast") -> None:
        """Stop the server and keep its data (``resume`` starts it again on the same port):
        an outage of the database. ``fast`` ends every session at once, as a restart by an
        administrator or a failover does; ``immediate`` is a crash."""
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def resume(self) -> None:
        """Start the server ``halt`` stopped, with the options ``start`` gave it (PostgreSQL
        kept them in ``postmaster.opts``)."""
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            _start_options(self.data / "postmaster.opts"),
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    @contextmanager
    def outage(self, mode: str = "fast") -> Iterator[None]:
        """The database is down for the block, then up again."""
        self.halt(mode)
        try:
            yield
        finally:
            self.resume()


def _start_options(opts: Path) -> str:
    """The server options of the last start, read back from ``postmaster.opts`` (the program
    and its data directory left out: ``pg_ctl -D`` gives that)."""
    words = shlex.split(opts.read_text())[1:]
    kept: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word == "-D":
            skip = True
        else:
            kept.append(shlex.quote(word))
    return " ".join(kept)


def start_cluster() -> Cluster:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise FileNotFoundError("no PostgreSQL binaries (initdb, pg_ctl) found; set HUIFANG_PG_BIN")
    root = Path(tempfile.mkdtemp(prefix="huifang-pg-"))
    run_as = None
    if os.geteuid() == 0:
        run_as = "postgres"
        user = pwd.getpwnam(run_as)
        os.chown(root, user.pw_uid, user.pw_gid)
        os.chmod(root, 0o700)
    cluster = Cluster(bin_dir=bin_dir, root=root, port=_free_port(), run_as=run_as)
    cluster.start()
    return cluster


@contextmanager
def bench_database(database_url: str | None) -> Iterator[Engine]:
    """A migrated database for a benchmark: ``database_url`` when given, else a fresh
    ``bench`` database on a private cluster that is stopped afterwards."""
    import sqlalchemy as sa

    from service.db import make_engine, migrate

    cluster = None if database_url else start_cluster()
    try:
        if cluster is not None:
            admin = make_engine(cluster.url(), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text("CREATE DATABASE bench"))
            admin.dispose()
            database_url = cluster.url("bench")
        engine = make_engine(database_url)
        migrate(engine)
        try:
            yield engine
        finally:
            engine.dispose()
    finally:
        if cluster is not None:
            cluster.stop()


@contextmanager
def own_database(name: str) -> Iterator[tuple[Cluster, Engine]]:
    """A migrated database ``name`` on a cluster of its own, for a test that stops or
    restarts the server (never the suite's shared cluster); the cluster is removed after."""
    import sqlalchemy as sa

    from service.db import make_engine, migrate

    cluster = start_cluster()
    try:
        admin = make_engine(cluster.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine = make_engine(cluster.url(name))
        migrate(engine)
        try:
            yield cluster, engine
        finally:
            engine.dispose()
    finally:
        cluster.stop()


@contextmanager
def own_estate_database(name: str) -> Iterator[tuple[Cluster, Engine]]:
    """``own_database`` with one estate in it (``YG``, Asia/Shanghai); the test is skipped,
    saying why, where the machine has no PostgreSQL."""
    import pytest
    from sqlmodel import Session

    from service.models import Estate

    if find_pg_bin() is None:
        pytest.skip("no PostgreSQL binaries (initdb, pg_ctl) found; set HUIFANG_PG_BIN")
    with own_database(name) as (cluster, engine):
        with Session(engine) as session:
            session.add(Estate(code="YG", name="阳光花园", timezone="Asia/Shanghai"))
            session.commit()
        yield cluster, engine
