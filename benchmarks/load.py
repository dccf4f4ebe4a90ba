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
import base64
import io
import json
import os
import random
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SECRET_KEY = "load-bench-secret-key-0123456789abcdef"
ADMIN_KEY = "load-bench-admin-key-0123456789abcdef"
os.environ.setdefault("HUIFANG_ENVIRONMENT", "test")
os.environ.setdefault("HUIFANG_SECRET_KEY", SECRET_KEY)
os.environ.setdefault("HUIFANG_ADMIN_API_KEY", ADMIN_KEY)

ROOT = Path(__file__).resolve().parents[1]
LUA = Path(__file__).resolve().parent / "lua"
sys.path.insert(0, str(ROOT))

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
UNSATISFIED_SHARE = 0.03


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

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

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


# ------------------------------------------------------------------ data


@dataclass
class Seeded:
    refs: list[str]
    estates: list[str]
    periods: list[str]
    manager_login: str
    manager_estate: str
    token: str
    links: list[str]  # lines of the resident scenario: token, satisfaction, key, address
    counts: dict[str, int]


def signature_body() -> str:
    """The resident's answer after its satisfaction and submission key: a signature drawn on
    the page's 600x200 canvas (PNG, as the page sends it) and its strokes."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 200), "white")
    draw = ImageDraw.Draw(image)
    points = [(40, 150), (120, 40), (200, 160), (300, 50), (420, 140), (540, 70)]
    draw.line(points, fill="black", width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    data_url = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    strokes = [[[x, y, 40 * i] for i, (x, y) in enumerate(points[:3])]]
    strokes.append([[x, y, 400 + 40 * i] for i, (x, y) in enumerate(points[3:])])
    rest = {"comment": "已修好", "signer_name": "王女士", "signature": data_url, "strokes": strokes}
    return json.dumps(rest, ensure_ascii=False)[1:]  # the opening brace is the script's


def months_back(period: str, count: int) -> list[str]:
    year, month = map(int, period.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def seed(engine: Any, *, jobs_per_estate: int, resident_links: int, now: datetime) -> Seeded:
    import sqlalchemy as sa
    from sqlmodel import Session, select

    from qr_forms.payload import make_token
    from service.demo import load_demo
    from service.models import Callback, Estate, Job, Staff
    from service.usecases.tokens import create_token

    with Session(engine, expire_on_commit=False) as session:
        summary = load_demo(session, now=now, jobs_per_estate=jobs_per_estate)
        token, key = create_token(
            session,
            name="load benchmark",
            role="supervisor",
            estate=None,
            expires_at=None,
            actor="bench",
            now=now,
        )
        session.commit()
        estates = list(session.exec(select(Estate).order_by(Estate.id)).all())
        leads = {
            e.id: session.exec(
                select(Staff).where(Staff.estate_id == e.id, Staff.role == "lead")
            ).first()
            for e in estates
        }
        refs = list(session.exec(select(Job.ref)).all())
    manager = next(login for login, _name, role in summary.logins if role == "manager")
    rng = random.Random(16)
    jobs: list[dict[str, Any]] = []
    called: list[int] = []
    for n in range(resident_links):
        estate = estates[n % len(estates)]
        completed = now - timedelta(hours=rng.uniform(2, 46))
        jobs.append(
            {
                "ref": f"SIGN-{n:06d}",
                "estate_id": estate.id,
                "unit": f"{n % 12 + 1}栋{n % 3 + 1}单元{n % 28 + 2:02d}01",
                "resident_name": "王女士",
                "resident_phone": f"139{n:08d}",
                "title": rng.choice(("厨房水管漏水", "走廊灯不亮", "门锁更换", "卫生间渗水")),
                "category": "general",
                "worker": "孙师傅",
                "completed_at": completed,
                "deadline": completed + timedelta(hours=168),
                "assigned_role": "lead",
                "state": "active",
                "source": "bench",
                "created_at": completed,
                "updated_at": completed,
            }
        )
        if n % 2:  # called back by phone an hour after the repair: the answer is the staff's
            called.append(n)
            jobs[-1].update(
                first_callback_at=completed + timedelta(hours=1),
                cb_lead=True,
                answer="satisfied",
                answer_source="staff",
            )
    with engine.begin() as conn:
        table = Job.__table__  # type: ignore[attr-defined]
        for i in range(0, len(jobs), 5000):
            conn.execute(table.insert(), jobs[i : i + 5000])
        ids = dict(conn.execute(sa.select(table.c.ref, table.c.id)).all())
        callbacks = []
        for n in called:
            job = jobs[n]
            lead = leads[job["estate_id"]]
            done_at = job["first_callback_at"]
            callbacks.append(
                {
                    "job_id": ids[job["ref"]],
                    "staff_id": lead.id if lead else None,
                    "role": "lead",
                    "staff": lead.name if lead else "负责人",
                    "channel": "phone",
                    "done_at": done_at,
                    "charge_verified": True,
                    "satisfaction": "satisfied",
                    "recorded_at": done_at,
                    "recorded_by": lead.name if lead else None,
                    "created_at": done_at,
                }
            )
        for i in range(0, len(callbacks), 5000):
            conn.execute(Callback.__table__.insert(), callbacks[i : i + 5000])  # type: ignore[attr-defined]
    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    links = []
    for n, job in enumerate(jobs):
        link = make_token(SECRET_KEY, purpose="resident", job_ref=job["ref"], now=now)
        satisfaction = "unsatisfied" if rng.random() < UNSATISFIED_SHARE else "satisfied"
        address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
        links.append(f"{link} {satisfaction} load-{n:08d} {address}")
    rng.shuffle(refs)
    shanghai = now.astimezone(ZoneInfo("Asia/Shanghai"))
    return Seeded(
        refs=refs,
        estates=[e.code for e in estates],
        periods=months_back(previous_month(f"{shanghai:%Y-%m}"), 3),
        manager_login=manager,
        manager_estate=estates[0].code,
        token=key,
        links=links,
        counts={
            "demo jobs": summary.jobs,
            "callbacks": summary.callbacks + len(callbacks),
            "rectifications": summary.rectifications,
            "resident links": len(links),
        },
    )


def previous_month(period: str) -> str:
    return months_back(period, 2)[1]


# ------------------------------------------------------------------ the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(database_url: str, *, workers: int, log_path: Path) -> Iterator[str]:
    """``huifang serve --workers N`` on a loopback port (no Odoo sync, no scheduler: the run
    measures serving), until the block ends; yields its base URL."""
    import httpx

    port = free_port()
    env = {
        **os.environ,
        "HUIFANG_DATABASE_URL": database_url,
        "HUIFANG_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
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
        yield url
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


# ------------------------------------------------------------------ the resident check


def stored_submissions(engine: Any, out_dir: Path) -> dict[str, int]:
    """The submissions answered 2xx, each looked up in the database: the link's use, its
    signature (with the PNG's SHA-256) and the signature's audit entry."""
    import sqlalchemy as sa

    from qr_forms.payload import read_token

    accepted: dict[str, int] = {}
    for path in sorted(out_dir.glob("accepted-*.txt")):
        for line in path.read_text().splitlines():
            status, token = line.split(" ", 1)
            accepted[token] = max(accepted.get(token, 0), int(status))
    nonces = {}
    unreadable = 0
    for token in accepted:
        try:
            nonces[token] = read_token(
                SECRET_KEY, token, purpose="resident", max_age_seconds=10**9
            ).nonce
        except ValueError:
            unreadable += 1
    query = sa.text(
        "SELECT u.nonce FROM form_token_uses u"
        " JOIN signatures s ON s.token_use_id = u.id AND s.sha256 IS NOT NULL"
        " JOIN audit_log a ON a.entity = 'job' AND a.action = 'signature.recorded'"
        "  AND CAST(a.detail ->> 'signature_id' AS INTEGER) = s.id"
        " WHERE u.purpose = 'resident' AND u.nonce = ANY(:nonces)"
    )
    with engine.connect() as conn:
        found = {row[0] for row in conn.execute(query, {"nonces": list(nonces.values())})}
        signatures = conn.execute(
            sa.text("SELECT count(*) FROM signatures WHERE taken_on = 'resident'")
        ).scalar_one()
    return {
        "answered 2xx": len(accepted),
        "new (201)": sum(1 for status in accepted.values() if status == 201),
        "stored": sum(1 for nonce in nonces.values() if nonce in found),
        "lost": len(accepted) - sum(1 for nonce in nonces.values() if nonce in found),
        "unreadable answers": unreadable,
        "signatures in the database": signatures,
    }


# ------------------------------------------------------------------ the run


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} cores)"


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
    with serving(database_url, workers=args.workers, log_path=work / "serve.log") as url:
        cookie = sign_in(url, data.manager_login)
        bearer = f"Authorization: Bearer {data.token}"
        headers = {"floor": [], "job": [bearer], "compliance": [bearer], "dashboard": []}
        headers["dashboard"] = [f"Cookie: {cookie}"]
        paths = scenario_paths(data)
        for name in args.only:
            if name == "resident":
                continue
            as_dict = dict(h.split(": ", 1) for h in headers[name])
            check_answers(url, paths[name][:3], as_dict)
            path_file = lines_file(work / f"{name}.paths", paths[name])
            wrk_args = [path_file, *headers[name]]
            run_wrk(url, "get.lua", wrk_args, seconds=1, **wrk_options)  # warm-up
            results[name] = run_wrk(url, "get.lua", wrk_args, seconds=args.duration, **wrk_options)
            print(f"  {name:11} {results[name].rps:8.0f} req/s   {load_average()}", flush=True)
        if "resident" in args.only:
            body_file = work / "resident.body"
            body_file.write_text(signature_body(), encoding="utf-8")
            links_file = lines_file(work / "resident.links", data.links)
            out_dir = work / "accepted"
            out_dir.mkdir()
            wrk_args = [links_file, str(body_file), str(out_dir), str(args.threads)]
            results["resident"] = run_wrk(
                url, "resident.lua", wrk_args, seconds=args.duration, **wrk_options
            )
            print(f"  {'resident':11} {results['resident'].rps:8.0f} req/s   {load_average()}")
            check = stored_submissions(engine, out_dir)
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
            f"; {check.get('signatures in the database', 0)} resident signatures stored in all"
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
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario")
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
        "--database-url", default=None, help="an empty PostgreSQL database; default: a private one"
    )
    parser.add_argument(
        "--keep-log", action="store_true", help="print where the server's log is kept"
    )
    args = parser.parse_args()
    if args.smoke:
        args.duration, args.jobs_per_estate = 2.0, 200
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
            data = seed(engine, jobs_per_estate=args.jobs_per_estate, resident_links=links, now=now)
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
