"""Where the load benchmark's time goes (``benchmarks/load.py``): the CPU seconds the server's
processes, its PostgreSQL cluster, wrk and everything else on the machine used during a
scenario (from /proc), and, with ``--profile``, py-spy's samples of the server's workers."""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(parent pid, own CPU seconds, reaped children's CPU seconds) of a live process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    ppid, utime, stime, cutime, cstime = int(fields[1]), *map(int, fields[11:15])
    return ppid, (utime + stime) / TICK, (cutime + cstime) / TICK


def _processes() -> dict[int, tuple[int, float, float]]:
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None:
                out[int(entry)] = stat
    return out


def tree_seconds(root: int, table: dict[int, tuple[int, float, float]]) -> float:
    """CPU seconds of a process and its descendants, the exited ones it reaped included."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _own, _reaped) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            total += table[pid][1] + table[pid][2]
            todo.extend(children.get(pid, []))
    return total


def machine_seconds() -> float:
    """CPU seconds every core spent busy since boot (/proc/stat: all but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / TICK


def postmaster_pid(port: int) -> int | None:
    """The PostgreSQL server listening on ``port`` (its command line names the port)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"postgres") and str(port).encode() in argv:
            return int(entry)
    return None


@dataclass
class CpuUse:
    """CPU seconds used during one scenario, by whom."""

    server: float
    database: float
    wrk: float
    machine: float

    @property
    def others(self) -> float:
        return max(0.0, self.machine - self.server - self.database - self.wrk)


@contextmanager
def cpu_use(server_pid: int, database_pid: int | None) -> Iterator[list[CpuUse]]:
    """Measures the block: the list it yields holds one ``CpuUse`` afterwards. wrk's share is
    what this process's children used (wrk is the one that runs and exits in the block)."""

    def snapshot() -> tuple[float, float, float, float]:
        table = _processes()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (
            tree_seconds(server_pid, table),
            tree_seconds(database_pid, table) if database_pid else 0.0,
            children.ru_utime + children.ru_stime,
            machine_seconds(),
        )

    out: list[CpuUse] = []
    before = snapshot()
    yield out
    after = snapshot()
    out.append(CpuUse(*(b - a for a, b in zip(before, after, strict=True))))


# ------------------------------------------------------------------ py-spy


@contextmanager
def sampled(spy: str | None, server_pid: int, seconds: float, out: Path) -> Iterator[None]:
    """With a py-spy program: the server's workers sampled while the block runs, and where
    their time went printed afterwards. Without one, nothing."""
    if spy is None:
        yield
        return
    command = [spy, "record", "--subprocesses", "--nonblocking", "--gil", "--format", "raw"]
    command += ["-r", "200", "-d", str(round(seconds)), "-o", str(out), "-p", str(server_pid)]
    sampler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        sampler.wait(seconds + 30)
    if out.exists():
        print(profile_summary(out.read_text(encoding="utf-8", errors="replace")))


def find_py_spy(given: str | None) -> str:
    spy = given or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("--profile needs py-spy (pip install py-spy), on PATH or --py-spy")
    return spy


FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
#: Frames of threads that wait for work (the thread pool, the event loop's selector).
WAITING = ("Condition.wait", "EpollSelector.select", "Runner.run", "Queue.get")


def profile_summary(raw: str, *, top: int = 18) -> str:
    """Collapsed stacks (py-spy's raw format, one ``frame;frame;... count`` a line) as two
    lists: the service's functions by the share of busy samples they are on the stack of, and
    all functions by the share they are the innermost frame of (waiting threads left out)."""
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        names = []
        for frame in stack.split(";"):
            match = FRAME.match(frame.strip())
            if match:
                where = match["file"].split("site-packages/")[-1].split("/main/")[-1]
                names.append(f"{match['function']} ({where})")
        if not names or names[-1].startswith(WAITING):
            continue
        n = int(count)
        total += n
        for name in set(names):
            inclusive[name] += n
        leaf[names[-1]] += n
    if not total:
        return "  (no busy samples)"
    own = [(k, n) for k, n in inclusive.most_common() if k.split("(")[-1].startswith("service/")]
    lines = [f"  {total} busy samples; the service's functions, share on the stack:"]
    lines += [f"    {n / total:6.1%}  {name}" for name, n in own[:top]]
    lines.append("  innermost frames:")
    lines += [f"    {n / total:6.1%}  {name}" for name, n in leaf.most_common(top)]
    return "\n".join(lines)
