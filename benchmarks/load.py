"""Requests per second and latency of ``huifang serve --workers 2`` on PostgreSQL under wrk.

Starts a private PostgreSQL 15 cluster on loopback (``--database-url`` for another, empty,
database), loads the demo's three estates as they stand today (staff with sign-ins, ~90 days of
jobs with callbacks, phone calls and rectifications: ``--jobs-per-estate``), adds the jobs whose
residents will sign (completed in the last two days, half already called back by phone), makes
a scoped API token (a supervisor's, every estate) and signs the estate manager in. Then it
serves the database with ``huifang serve --workers 2`` on a loopback port and drives it with
wrk (``scripts/system-deps.sh --bench`` installs it), one scenario after another, each for
``--duration`` seconds after a one-second warm-up:
  (a) floor      - ``GET /healthz``, the same app's constant answer (every middleware, no
                   database): the baseline of the run;
  (b) job        - ``GET /api/v1/jobs/{ref}`` with the token, rotating over every job;
  (c) compliance - ``GET /api/v1/compliance?estate=&period=`` with the token, rotating over
                   the three estates and the last three months;
  (d) dashboard  - ``GET /dashboard?estate=&period=`` with the manager's session cookie, the
                   last three months;
  (e) resident   - ``POST /r/<token>`` of a resident's signed confirmation (signature PNG and
                   strokes; 3% unsatisfied), each link of a distinct job posted once, each from
                   its own address as a reverse proxy passes it on (the per-address limit of
                   the phone pages counts residents, not the proxy).
For each: requests/s, p50/p99 latency and the error rate (answers other than 2xx/3xx, and
socket errors and timeouts), the ratio of its requests/s to the floor's, and the goals of
(b) (at least half the floor's requests/s, p99 under 100 ms, no errors) and (e) (at least 100
signatures/s, nothing lost). After (e) every submission answered 2xx is looked up in the
database (its link's use, its signature with the PNG's SHA-256, its audit entry).

    python benchmarks/load.py [--duration 10] [--connections 16] [--jobs-per-estate 1000]
                              [--only job,resident] [--database-url URL] [--keep-log]
    python benchmarks/load.py --smoke     # 2 s per scenario, 200 jobs per estate
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SECRET_KEY = "load-bench-secret-key-0123456789abcdef"
ADMIN_KEY = "load-bench-admin-key-0123456789abcdef"
os.environ.setdefault("HUIFANG_ENVIRONMENT", "test")
os.environ.setdefault("HUIFANG_SECRET_KEY", SECRET_KEY)
os.environ.setdefault("HUIFANG_ADMIN_API_KEY", ADMIN_KEY)

ROOT = Path(__file__).resolve().parents[1]
LUA = Path(__file__).resolve().parent / "lua"
sys.path.insert(0, str(ROOT))

from benchmarks.load_data import Seeded, seed, signature_body, stored_submissions  # noqa: E402
from benchmarks.load_profile import (  # noqa: E402
    CpuUse,
    cpu_use,
    find_py_spy,
    postmaster_pid,
    sampled,
)

RESULT_PREFIX = "LOAD-RESULT "
SCENARIOS = ("floor", "job", "compliance", "dashboard", "resident")
LABELS = {
    "floor": "(a) GET /healthz (floor)",
    "job": "(b) GET /api/v1/jobs/{ref}",
    "compliance": "(c) GET /api/v1/compliance",
    "dashboard": "(d) GET /dashboard (signed in)",
    "resident": "(e) POST /r/<token> (signature)",
}
JOB_GOAL_RATIO, JOB_GOAL_P99_MS, SIGNATURE_GOAL_PER_S = 0.5, 100.0, 100.0


# ------------------------------------------------------------------ wrk and its report


@dataclass
class Result:
    """What wrk measured in one scenario (``LOAD-RESULT`` line of ``lua/report.lua``)."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    status_errors: int
    socket_errors: int
    statuses: dict[int, int] = field(default_factory=dict)
    p90_ms: float = 0.0
    max_ms: float = 0.0
    timeouts: int = 0
    cpu: CpuUse | None = None  # what the machine's processes used meanwhile
    sessions: int = 0  # PostgreSQL sessions (connections) opened meanwhile

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_request(self) -> float | None:
        """CPU seconds the server, its database and wrk spent per request."""
        if self.cpu is None or not self.requests:
            return None
        return (self.cpu.server + self.cpu.database + self.cpu.wrk) / self.requests

    @property
    def errors(self) -> int:
        """Answers other than 2xx/3xx, and socket errors (timeouts among them)."""
        bad = sum(n for status, n in self.statuses.items() if not 200 <= status < 400)
        return max(bad, self.status_errors) + self.socket_errors

    @property
    def error_rate(self) -> float:
        attempts = self.requests + self.socket_errors
        return self.errors / attempts if attempts else 0.0


def parse_report(output: str) -> Result:
    """The result line wrk's run printed (the last one, when several)."""
    lines = [line for line in output.splitlines() if line.startswith(RESULT_PREFIX)]
    if not lines:
        raise ValueError(f"no {RESULT_PREFIX.strip()} line in wrk's output:\n{output[-2000:]}")
    raw = json.loads(lines[-1].removeprefix(RESULT_PREFIX))
    raw["statuses"] = {int(status): n for status, n in raw.get("statuses", {}).items()}
    return Result(**raw)


def wrk_command(
    url: str, script: str, args: list[str], *, seconds: float, connections: int, threads: int
) -> list[str]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise FileNotFoundError("wrk is not installed: sh scripts/system-deps.sh --bench")
    return [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "5s",
        "-s",
        str(LUA / script),
        url,
        "--",
        *args,
    ]


def run_wrk(
    url: str,
    script: str,
    args: list[str],
    *,
    seconds: float,
    connections: int = 16,
    threads: int = 1,
) -> Result:
    """One bounded wrk run of a scenario script of ``lua/``."""
    command = wrk_command(
        url, script, args, seconds=seconds, connections=connections, threads=threads
    )
    env = {**os.environ, "LUA_PATH": f"{LUA}/?.lua;;"}
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=seconds + 60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return parse_report(done.stdout)


def lines_file(path: Path, lines: list[str]) -> str:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


# ------------------------------------------------------------------ the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(
    database_url: str, *, workers: int, log_path: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``huifang serve --workers N`` on a loopback port (no Odoo sync, no scheduler: the run
    measures serving), until the block ends; yields its base URL and process."""
    import httpx

    port = free_port()
    env = {
        **os.environ,
        "HUIFANG_DATABASE_URL": database_url,
        "HUIFANG_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        # the code of this tree, as the benchmark itself imports it
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [
        str(Path(sys.executable).with_name("huifang")),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-sync",
        "--no-remind",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"huifang serve exited {process.returncode}: see {log_path}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"huifang serve did not answer within 60 s: see {log_path}")
            time.sleep(0.2)
        yield url, process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def sign_in(url: str, login: str) -> str:
    """The manager's session cookie, as the sign-in page hands it to a browser."""
    import httpx

    from service.demo import DEMO_PASSWORD

    response = httpx.post(
        f"{url}/login",
        data={"login": login, "password": DEMO_PASSWORD, "next": "/dashboard"},
        follow_redirects=False,
    )
    cookie = response.cookies.get("huifang_session")
    if response.status_code != 303 or not cookie:
        raise RuntimeError(f"sign-in refused: {response.status_code} {response.text[:200]}")
    return f"huifang_session={cookie}"


def check_answers(url: str, paths: list[str], headers: dict[str, str]) -> None:
    """Each path of a scenario answers 200 before it is measured (a sign-in page or a 404
    would measure the wrong thing)."""
    import httpx

    with httpx.Client(base_url=url, headers=headers) as client:
        for path in paths:
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:300]}")


# ------------------------------------------------------------------ the run


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} cores)"


def database_sessions(engine: Any) -> int:
    """Sessions opened on the database so far (PostgreSQL's statistics), this one included."""
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_stat_force_next_flush()")
        return conn.exec_driver_sql(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        ).scalar_one()


def scenario_paths(data: Seeded) -> dict[str, list[str]]:
    return {
        "floor": ["/healthz"],
        "job": [f"/api/v1/jobs/{ref}" for ref in data.refs],
        "compliance": [
            f"/api/v1/compliance?estate={estate}&period={period}"
            for period in data.periods
            for estate in data.estates
        ],
        "dashboard": [
            f"/dashboard?estate={data.manager_estate}&period={period}" for period in data.periods
        ],
    }


def measure(args: argparse.Namespace, engine: Any, data: Seeded, work: Path) -> dict[str, Any]:
    database_url = engine.url.render_as_string(hide_password=False)
    results: dict[str, Result] = {}
    check: dict[str, int] = {}
    wrk_options = {"connections": args.connections, "threads": args.threads}
    spy = find_py_spy(args.py_spy) if args.profile else None
    database_pid = postmaster_pid(engine.url.port) if engine.url.host == "127.0.0.1" else None

    def scenario(name: str, script: str, wrk_args: list[str]) -> None:
        if script == "get.lua":
            run_wrk(url, script, wrk_args, seconds=1, **wrk_options)  # warm-up
        sessions = database_sessions(engine)
        with sampled(spy, server.pid, args.duration, work / f"{name}.spy"):
            with cpu_use(server.pid, database_pid) as used:
                result = run_wrk(url, script, wrk_args, seconds=args.duration, **wrk_options)
        result.cpu = used[0]
        result.sessions = database_sessions(engine) - sessions
        results[name] = result
        print(f"  {name:11} {result.rps:8.0f} req/s   {load_average()}", flush=True)

    served = serving(database_url, workers=args.workers, log_path=work / "serve.log")
    with served as (url, server):
        cookie = sign_in(url, data.manager_login)
        bearer = f"Authorization: Bearer {data.token}"
        headers = {"floor": [], "job": [bearer], "compliance": [bearer], "dashboard": []}
        headers["dashboard"] = [f"Cookie: {cookie}"]
        paths = scenario_paths(data)
        for name in args.only:
            if name == "resident":
                continue
            check_answers(url, paths[name][:3], dict(h.split(": ", 1) for h in headers[name]))
            path_file = lines_file(work / f"{name}.paths", paths[name])
            scenario(name, "get.lua", [path_file, *headers[name]])
        if "resident" in args.only:
            body_file = work / "resident.body"
            body_file.write_text(signature_body(), encoding="utf-8")
            out_dir = work / "accepted"
            out_dir.mkdir()
            links_file = lines_file(work / "resident.links", data.links)
            wrk_args = [links_file, str(body_file), str(out_dir), str(args.threads)]
            scenario("resident", "resident.lua", wrk_args)
            check = stored_submissions(engine, out_dir, secret_key=SECRET_KEY)
    return {"results": results, "check": check}


def print_table(results: dict[str, Result], check: dict[str, int], links: int) -> None:
    floor = results.get("floor")
    print(
        f"\n{'scenario':34} {'req/s':>8} {'x floor':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'errors':>8} {'requests':>9}"
    )
    for name in SCENARIOS:
        result = results.get(name)
        if result is None:
            continue
        ratio = f"{result.rps / floor.rps:7.2f}x" if floor and floor.rps else f"{'-':>8}"
        print(
            f"{LABELS[name]:34} {result.rps:8.1f} {ratio} {result.p50_ms:8.1f}"
            f" {result.p99_ms:8.1f} {result.error_rate:8.2%} {result.requests:9d}"
        )
    print(
        f"\nCPU ms per request{'':16} {'server':>8} {'postgres':>8} {'wrk':>8} {'x floor':>8}"
        f" {'cap/s':>8} {'others':>8} {'sessions':>9}"
    )
    cores = os.cpu_count() or 1
    floor_cpu = floor.cpu_per_request if floor else None
    for name in SCENARIOS:
        result = results.get(name)
        if result is None or result.cpu is None or not result.requests:
            continue
        cpu, per = result.cpu, 1000 / result.requests
        own = result.cpu_per_request
        ratio = f"{floor_cpu / own:7.3f}x" if floor_cpu and own else f"{'-':>8}"
        cap = f"{cores / own:8.0f}" if own else f"{'-':>8}"
        print(
            f"{LABELS[name]:34} {cpu.server * per:8.2f} {cpu.database * per:8.2f}"
            f" {cpu.wrk * per:8.2f} {ratio} {cap} {cpu.others * per:8.2f} {result.sessions:9d}"
        )
    print(
        "  x floor: the floor's CPU per request (server, postgres and wrk) over the scenario's,"
        " the ratio of requests/s\n  that cores of their own would give; cap/s: the requests/s"
        " this machine's cores could serve at that CPU\n  per request, were nothing else"
        " running (an estimate); others: what the rest of the machine used\n  meanwhile, per"
        " request; sessions: PostgreSQL connections opened during the scenario"
    )
    for name in SCENARIOS:
        result = results.get(name)
        if result and (result.errors or set(result.statuses) - {200, 201}):
            shown = ", ".join(f"{status}: {n}" for status, n in sorted(result.statuses.items()))
            print(
                f"  {name}: statuses {shown}; socket errors {result.socket_errors}"
                f" (timeouts {result.timeouts})"
            )
    job = results.get("job")
    if job and floor and floor.rps:
        ratio = job.rps / floor.rps
        met = ratio >= JOB_GOAL_RATIO and job.p99_ms < JOB_GOAL_P99_MS and not job.errors
        print(
            f"\n(b) job / floor = {ratio:.2f}x, p99 {job.p99_ms:.1f} ms, {job.errors} errors"
            f"  (goal: at least {JOB_GOAL_RATIO:.2f}x, p99 under {JOB_GOAL_P99_MS:.0f} ms,"
            f" no errors): {'met' if met else 'NOT met'}"
        )
    for name in ("compliance", "dashboard"):
        result = results.get(name)
        if result and floor and floor.rps:
            print(f"{LABELS[name][:3]} {name} / floor = {result.rps / floor.rps:.2f}x")
    resident = results.get("resident")
    if resident:
        new = check.get("new (201)", 0)
        per_second = new / resident.seconds if resident.seconds else 0.0
        replays = resident.statuses.get(200, 0)
        print(
            f"(e) {per_second:.1f} signatures/s stored; {check.get('answered 2xx', 0)} answered"
            f" 2xx, {check.get('stored', 0)} found in the database, {check.get('lost', 0)} lost"
            f"; {check.get('stored in all', 0)} stored in all (requests in flight at the end too)"
        )
        if replays:
            print(f"    {replays} replays: the {links} links ran out (raise --resident-links)")
        met = per_second >= SIGNATURE_GOAL_PER_S and not check.get("lost") and not resident.errors
        print(
            f"    (goal: at least {SIGNATURE_GOAL_PER_S:.0f} signatures/s, nothing lost, no"
            f" errors): {'met' if met else 'NOT met'}"
        )
        if resident.rps and floor and floor.rps:
            print(f"(e) resident / floor = {resident.rps / floor.rps:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--duration", type=float, default=None, help="seconds per scenario (default 10)"
    )
    parser.add_argument("--connections", type=int, default=16, help="wrk's open connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk's threads")
    parser.add_argument("--workers", type=int, default=2, help="huifang serve --workers")
    parser.add_argument("--jobs-per-estate", type=int, default=1000, help="demo jobs per estate")
    parser.add_argument(
        "--resident-links",
        type=int,
        default=None,
        help="distinct jobs' resident links for (e) (default: 500 per second of --duration)",
    )
    parser.add_argument(
        "--only", default=",".join(SCENARIOS), help=f"comma-separated: {','.join(SCENARIOS)}"
    )
    parser.add_argument("--smoke", action="store_true", help="2 s per scenario, a small demo")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample the workers with py-spy (on PATH, or --py-spy) during each scenario and"
        " print where their time goes",
    )
    parser.add_argument("--py-spy", default=None, help="the py-spy program to use")
    parser.add_argument(
        "--database-url", default=None, help="an empty PostgreSQL database; default: a private one"
    )
    parser.add_argument(
        "--keep-log", action="store_true", help="print where the server's log is kept"
    )
    args = parser.parse_args()
    if args.smoke:
        args.jobs_per_estate = 200
    args.duration = args.duration or (2.0 if args.smoke else 10.0)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(args.only) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    links = args.resident_links or int(500 * args.duration)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: sh scripts/system-deps.sh --bench")
    from tests.pg import bench_database

    print(f"start: {load_average()}")
    work = Path(tempfile.mkdtemp(prefix="huifang-load-"))
    try:
        with bench_database(args.database_url) as engine:
            if engine.dialect.name != "postgresql":
                raise SystemExit("the load benchmark runs on PostgreSQL")
            began = time.perf_counter()
            now = datetime.now(UTC)
            data = seed(
                engine,
                secret_key=SECRET_KEY,
                jobs_per_estate=args.jobs_per_estate,
                resident_links=links,
                now=now,
            )
            counts = ", ".join(f"{n:,} {what}" for what, n in data.counts.items())
            print(f"seeded {counts} in {time.perf_counter() - began:.1f} s")
            print(
                f"huifang serve --workers {args.workers} on PostgreSQL; wrk -t{args.threads}"
                f" -c{args.connections}, {args.duration:g} s per scenario"
            )
            measured = measure(args, engine, data, work)
        print_table(measured["results"], measured["check"], links)
        print(f"end: {load_average()}")
    finally:
        if args.keep_log:
            print(f"server log: {work / 'serve.log'}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
