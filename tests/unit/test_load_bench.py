"""The load benchmark's own helpers (benchmarks/load.py): reading wrk's report, the error rate,
the profile summary, the CPU accounting, and the Lua scenarios run by a real wrk for a second
against a small local HTTP server (skipped without wrk)."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from benchmarks.load import Result, lines_file, parse_report, run_wrk
from benchmarks.load_data import months_back
from benchmarks.load_profile import profile_summary, tree_seconds

REPORT = (
    "Running 2s test @ http://127.0.0.1:1\n  1 threads and 16 connections\n"
    'LOAD-RESULT {"requests": 1000, "seconds": 2.0, "p50_ms": 3.5, "p90_ms": 7.0, '
    '"p99_ms": 12.25, "max_ms": 40.0, "status_errors": 4, "socket_errors": 2, '
    '"timeouts": 1, "statuses": {"200": 990, "303": 6, "500": 4}}\n'
)


def test_the_result_line_of_wrk_is_read_with_its_statuses() -> None:
    result = parse_report(REPORT)
    assert (result.requests, result.p50_ms, result.p99_ms) == (1000, 3.5, 12.25)
    assert result.statuses == {200: 990, 303: 6, 500: 4}
    assert result.rps == 500.0


def test_errors_are_answers_other_than_2xx_3xx_and_socket_errors() -> None:
    result = parse_report(REPORT)
    assert result.errors == 4 + 2  # the 303s are answers, not errors
    assert result.error_rate == pytest.approx(6 / 1002)


def test_a_status_wrk_counted_as_an_error_counts_even_when_lua_did_not_see_it() -> None:
    result = Result(requests=10, seconds=1.0, p50_ms=1, p99_ms=2, status_errors=3, socket_errors=0)
    assert result.errors == 3


def test_output_without_a_result_line_is_refused_saying_what_it_got() -> None:
    with pytest.raises(ValueError, match="no LOAD-RESULT line"):
        parse_report("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_months_back_cross_the_new_year() -> None:
    assert months_back("2026-02", 3) == ["2026-02", "2026-01", "2025-12"]


def test_cpu_of_a_process_tree_counts_descendants_and_what_they_reaped() -> None:
    table = {
        10: (1, 1.0, 0.5),  # the server: its own time and its exited children's
        11: (10, 2.0, 0.0),  # a worker
        12: (11, 0.25, 0.0),  # the worker's child
        20: (1, 9.0, 0.0),  # someone else
    }
    assert tree_seconds(10, table) == pytest.approx(3.75)
    assert tree_seconds(99, table) == 0.0


def test_the_profile_lists_the_services_functions_and_leaves_waiting_threads_out() -> None:
    raw = "\n".join(
        [
            "run (uvicorn/server.py:60);get (service/api/jobs.py:57);"
            "get_job (service/usecases/queries.py:40);execute (psycopg/cursor.py:90) 30",
            "run (uvicorn/server.py:60);get (service/api/jobs.py:57);"
            "job_out (service/usecases/jobs.py:12) 10",
            "_bootstrap (threading.py:1002);wait (threading.py:320);"
            "Condition.wait (threading.py:320) 500",
        ]
    )
    summary = profile_summary(raw)
    assert "40 busy samples" in summary
    assert "100.0%  get (service/api/jobs.py)" in summary
    assert "75.0%  get_job (service/usecases/queries.py)" in summary
    assert "75.0%  execute (psycopg/cursor.py)" in summary  # the innermost frames
    assert "Condition.wait" not in summary


# ------------------------------------------------------------------ the scenarios under wrk

needs_wrk = pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (sh scripts/system-deps.sh --bench)"
)


class _Answers(BaseHTTPRequestHandler):
    """A GET answers 200 with the path; a resident's post answers 201 the first time a link
    is posted, 200 (a replay) after, as the service does."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str, dict[str, str]]] = []
    posted: set[str] = set()
    lock = threading.Lock()

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        with self.lock:
            self.seen.append(("GET", self.path, dict(self.headers)))
        self._answer(200, b'{"status": "ok"}')

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        token = self.path.removeprefix("/r/")
        with self.lock:
            self.seen.append(("POST", self.path, {**self.headers, "body": body.decode()}))
            status = 200 if token in self.posted else 201
            self.posted.add(token)
        self._answer(status, json.dumps({"receipt_url": f"/r/{token}/receipt"}).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def answering() -> Iterator[str]:
    _Answers.seen, _Answers.posted = [], set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@needs_wrk
def test_the_get_scenario_rotates_over_its_paths_with_its_headers(
    answering: str, tmp_path: Path
) -> None:
    paths = lines_file(tmp_path / "paths", ["/api/v1/jobs/A-1", "/api/v1/jobs/B-2"])
    result = run_wrk(
        answering, "get.lua", [paths, "Authorization: Bearer hf_x"], seconds=1, connections=2
    )
    assert result.requests > 0
    assert set(result.statuses) == {200} and result.errors == 0
    asked = {path for method, path, _ in _Answers.seen}
    assert asked == {"/api/v1/jobs/A-1", "/api/v1/jobs/B-2"}
    assert all(h.get("Authorization") == "Bearer hf_x" for _, _, h in _Answers.seen)


@needs_wrk
def test_the_resident_scenario_posts_each_link_once_and_writes_down_the_accepted(
    answering: str, tmp_path: Path
) -> None:
    links = [f"tok{n} satisfied key-{n:06d} 10.0.0.{n}" for n in range(6)]
    links_file = lines_file(tmp_path / "links", links)
    body = tmp_path / "body"
    body.write_text('"comment": "ok", "signature": "data:image/png;base64,AAAA"}')
    out = tmp_path / "accepted"
    out.mkdir()
    result = run_wrk(
        answering,
        "resident.lua",
        [links_file, str(body), str(out), "2"],
        seconds=1,
        connections=2,
        threads=2,
    )
    accepted = [
        line.split()
        for path in out.glob("accepted-*.txt")
        for line in path.read_text().splitlines()
    ]
    # every 2xx answer is written down with its link, and no link was accepted twice as new
    assert len(accepted) == result.statuses.get(200, 0) + result.statuses.get(201, 0)
    new = sorted(token for status, token in accepted if status == "201")
    assert new == sorted(_Answers.posted) and len(set(new)) == len(new)
    # wrk asks one thread for a request before the run, to check it: that link stays unposted
    assert len(new) >= len(links) - 1
    assert result.statuses.get(200, 0) > 0  # then each thread repeats its last link: replays
    posts = [(path, h) for method, path, h in _Answers.seen if method == "POST"]
    first = {}
    for path, headers in posts:
        first.setdefault(path, headers)
    for token in new:
        n = int(token.removeprefix("tok"))
        sent = first[f"/r/{token}"]
        assert sent["X-Forwarded-For"] == f"10.0.0.{n}"
        assert json.loads(sent["body"]) == {
            "satisfaction": "satisfied",
            "submission_key": f"key-{n:06d}",
            "comment": "ok",
            "signature": "data:image/png;base64,AAAA",
        }


def test_cpu_per_request_adds_the_server_its_database_and_wrk_not_the_others() -> None:
    from benchmarks.load_profile import CpuUse

    result = parse_report(REPORT)
    assert result.cpu_per_request is None
    result.cpu = CpuUse(server=2.0, database=1.0, wrk=0.5, machine=10.0)
    assert result.cpu_per_request == pytest.approx(3.5 / 1000)
    assert result.cpu.others == pytest.approx(6.5)
