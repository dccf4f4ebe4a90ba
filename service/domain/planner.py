"""The quota planner: which open jobs each role should call back so every role can still meet
its month's quota inside the callback windows.

A job *qualifies* for a role while its window is open (``as_of <= deadline``) and nobody in
that role has called it back yet (quotas count distinct jobs per role, so a job the lead
already called still qualifies for the manager). A role *needs* ``max(0, required - done)``
more; the plan gives it ``min(need, qualifying)`` jobs, never more than there are, so
following the plan meets every quota that can still be met.

Roles are planned manager, supervisor, lead. Each takes jobs no earlier role took while there
are enough (one call serves one quota), and shares jobs only when it must. The manager's and the
supervisor's jobs are a **weighted random draw**, so nobody meets a quota by calling only easy
cases: safety and leak repairs and unhappy answers weigh more. The draw is reproducible: it
uses only the candidates in their logged order, their weights and a logged seed (SHA-256, not
Python's ``random``, so it redraws the same on any version). The lead takes the earliest
deadlines first, so nothing expires unplanned.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .categories import Category
from .rules import ROLE_ORDER, Role, Satisfaction

CATEGORY_WEIGHT: Mapping[Category, int] = {
    Category.SAFETY: 3,
    Category.LEAK: 2,
    Category.GENERAL: 1,
}
ANSWER_WEIGHT: Mapping[Satisfaction | None, int] = {
    Satisfaction.UNSATISFIED: 3,
    Satisfaction.FAIRLY_SATISFIED: 2,
    Satisfaction.SATISFIED: 1,
    None: 1,
}
#: Roles whose jobs are drawn at random; the others take the earliest deadlines.
DRAWN: frozenset[Role] = frozenset({Role.MANAGER, Role.SUPERVISOR})


@dataclass(frozen=True, slots=True)
class Candidate:
    """An open job as the planner sees it."""

    job_id: int
    deadline: datetime
    category: Category
    answer: Satisfaction | None = None
    called_by: frozenset[Role] = frozenset()


@dataclass(frozen=True, slots=True)
class Need:
    """A role's quota position in one period."""

    role: Role
    required: int
    done: int

    @property
    def need(self) -> int:
        return max(0, self.required - self.done)


def weight(candidate: Candidate) -> int:
    """1 (an easy, satisfied general repair) to 9 (an unhappy safety repair)."""
    return CATEGORY_WEIGHT[candidate.category] * ANSWER_WEIGHT[candidate.answer]


def qualifies(candidate: Candidate, role: Role, as_of: datetime) -> bool:
    return as_of <= candidate.deadline and role not in candidate.called_by


def new_seed(entropy: bytes) -> str:
    """A seed to log with a draw (hex); ``entropy`` comes from the caller (e.g. os.urandom)."""
    return hashlib.sha256(entropy).hexdigest()[:32]


def _below(seed: str, i: int, n: int) -> int:
    """The ``i``-th number of the seed's stream, in ``range(n)``."""
    digest = hashlib.sha256(f"{seed}:{i}".encode()).digest()
    return int.from_bytes(digest, "big") % n


@dataclass(frozen=True, slots=True)
class Entry:
    """One logged candidate of a draw: tier 0 (nobody took it yet) is drawn before tier 1
    (another role took it: shared only when tier 0 runs short)."""

    job_id: int
    weight: int
    tier: int = 0


def draw(entries: Sequence[Entry], k: int, seed: str) -> list[int]:
    """``k`` job ids drawn without replacement, each with chance proportional to its weight,
    tier by tier. Only the entries (in order), ``k`` and ``seed`` decide the result.

    Each step picks a number below the pool's total weight and walks the weights from the
    heaviest class down (each class in entry order), so a step costs the number of distinct
    weights, not the number of jobs."""
    picked: list[int] = []
    i = 0
    for tier in sorted({e.tier for e in entries}):
        classes: dict[int, list[int]] = {}
        for e in entries:
            if e.tier == tier:
                classes.setdefault(e.weight, []).append(e.job_id)
        order = sorted(classes, reverse=True)
        total = sum(w * len(ids) for w, ids in classes.items())
        while total and len(picked) < k:
            r = _below(seed, i, total)
            i += 1
            for w in order:
                span = w * len(classes[w])
                if r < span:
                    picked.append(classes[w].pop(r // w))
                    total -= w
                    break
                r -= span
    return picked


def earliest(entries: Sequence[Entry], k: int, deadlines: Mapping[int, datetime]) -> list[int]:
    """``k`` job ids, tier by tier, earliest deadline first (then job id)."""
    ordered = sorted(entries, key=lambda e: (e.tier, deadlines[e.job_id], e.job_id))
    return [e.job_id for e in ordered[:k]]


@dataclass(frozen=True, slots=True)
class RolePlan:
    role: Role
    required: int
    done: int
    need: int
    qualifying: int  # jobs that still qualify for this role
    method: str  # weighted | deadline
    seed: str | None
    entries: tuple[Entry, ...]  # what was drawn from, as logged
    picked: tuple[int, ...]

    @property
    def reachable(self) -> bool:
        """The quota can still be met inside the windows."""
        return self.done + self.qualifying >= self.required

    @property
    def short(self) -> int:
        """Callbacks the plan cannot find (windows closed): 0 when reachable."""
        return self.need - len(self.picked)


def plan(
    needs: Mapping[Role, Need],
    candidates: Iterable[Candidate],
    as_of: datetime,
    seeds: Mapping[Role, str],
    *,
    taken: Iterable[int] = (),
) -> dict[Role, RolePlan]:
    """Each role's jobs for the rest of the period (``needs`` per role, ``seeds`` for the
    drawn roles). ``taken``: jobs already planned for some role (an earlier round of the day),
    shared only when nothing else qualifies."""
    pool = sorted(candidates, key=lambda c: (c.deadline, c.job_id))
    deadlines = {c.job_id: c.deadline for c in pool}
    used = set(taken)
    plans: dict[Role, RolePlan] = {}
    for role in ROLE_ORDER:
        need = needs.get(role, Need(role, 0, 0))
        open_ = [c for c in pool if qualifies(c, role, as_of)]
        entries = tuple(Entry(c.job_id, weight(c), int(c.job_id in used)) for c in open_)
        k = min(need.need, len(entries))
        drawn = role in DRAWN
        seed = seeds[role] if drawn and k else None
        picked = draw(entries, k, seed) if seed is not None else earliest(entries, k, deadlines)
        used.update(picked)
        plans[role] = RolePlan(
            role=role,
            required=need.required,
            done=need.done,
            need=need.need,
            qualifying=len(entries),
            method="weighted" if drawn else "deadline",
            seed=seed,
            entries=entries if k else (),
            picked=tuple(picked),
        )
    return plans


def redraw(
    entries: Sequence[Entry],
    k: int,
    method: str,
    seed: str | None,
    deadlines: Mapping[int, datetime] | None = None,
) -> list[int]:
    """Repeat a logged pick from its log: the same entries, count, method and seed."""
    if k == 0:
        return []
    if method == "weighted":
        if seed is None:
            raise ValueError("a weighted draw needs its seed")
        return draw(entries, k, seed)
    if deadlines is None:
        raise ValueError("a deadline pick needs the jobs' deadlines")
    return earliest(entries, k, deadlines)
