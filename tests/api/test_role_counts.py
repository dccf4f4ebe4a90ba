"""The roles already assigned in an estate-month are counted once, then kept while the estate's
``jobs_token`` holds: a first sync of many pages does not count the month's jobs again for
every page. Whatever changes the counts (jobs added here or by another process, a job moved
to another month) changes the token, and the next creation counts again: the roles are always
those of counting every time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlmodel import Session

from service.usecases import jobs as J
from service.usecases.jobs import create_jobs, upsert_job
from tests.support.statements import statements_sent

from .test_create_jobs import _created, _estates, _jobs


@contextmanager
def role_counts_read(session: Session) -> Iterator[list[str]]:
    """The statements that count a month's roles, while the block runs."""
    with statements_sent(session.get_bind()) as sent:  # type: ignore[arg-type]
        counted: list[str] = []
        yield counted
    counted.extend(s for s in sent if "count(" in s.lower() and "assigned_role" in s)


def _both_ways(session: Session, steps: Callable[[str, bool], None]) -> None:
    """The same steps for estates A (the kept counts used) and B (counted every time)."""
    for prefix in ("A", "B"):
        _estates(session, prefix)
    steps("A", False)
    steps("B", True)
    assert _created(session, "A") == _created(session, "B")
    roles = {role for _, role, _, _ in _created(session, "A").values()}
    assert roles == {"manager", "supervisor", "lead"}  # the comparison means something


def _create(session: Session, jobs, forget: bool) -> None:
    if forget:
        J._ROLE_COUNTS.clear()
    create_jobs(session=session, jobs=jobs, actor="test", source="sync")
    session.commit()


def test_pages_of_one_month_count_its_roles_once(session: Session):
    months_counted: dict[str, int] = {}

    def steps(prefix: str, forget: bool) -> None:
        jobs = _jobs(prefix, 60)
        with role_counts_read(session) as counted:
            for start in range(0, 60, 10):  # six pages
                _create(session, jobs[start : start + 10], forget)
        months_counted[prefix] = len(counted)

    _both_ways(session, steps)
    # two estates, each with jobs in April and May (in its own timezone): four months, each
    # counted once; counting every time reads them for most pages
    assert months_counted["A"] == 4 and months_counted["B"] > 6


def test_a_job_moved_to_another_month_makes_the_next_creation_count_again(session: Session):
    def steps(prefix: str, forget: bool) -> None:
        jobs = _jobs(prefix, 40)
        _create(session, jobs[:20], forget)
        moved = jobs[0].model_copy(update={"completed_at": jobs[19].completed_at})
        upsert_job(session=session, job_in=moved, actor="test")  # April -> May
        with role_counts_read(session) as counted:
            _create(session, jobs[20:], forget)
        assert counted, "the moved job's months are counted again"

    _both_ways(session, steps)


def test_jobs_made_by_another_process_make_the_next_creation_count_again(session: Session):
    def steps(prefix: str, forget: bool) -> None:
        jobs = _jobs(prefix, 30)
        _create(session, jobs[:10], forget)
        kept_here = dict(J._ROLE_COUNTS)
        _create(session, jobs[10:20], forget)
        # as if the second page had been created by another process: this one kept only the
        # counts it read before, at the token that page changed
        J._ROLE_COUNTS.clear()
        J._ROLE_COUNTS.update(kept_here)
        with role_counts_read(session) as counted:
            _create(session, jobs[20:], forget)
        assert counted

    _both_ways(session, steps)


def test_a_creation_rolled_back_leaves_no_counts_that_hold(session: Session):
    """The counts kept by a creation whose transaction was rolled back name a token the
    database never kept: the next creation counts again."""

    def steps(prefix: str, forget: bool) -> None:
        jobs = _jobs(prefix, 30)
        _create(session, jobs[:10], forget)
        create_jobs(session=session, jobs=jobs[10:20], actor="test", source="sync")
        session.rollback()
        with role_counts_read(session) as counted:
            _create(session, jobs[10:], forget)
        assert counted

    _both_ways(session, steps)
