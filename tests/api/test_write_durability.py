"""``begin_write(durable=False)``: a transaction whose writes can be made again elsewhere (a run
of the Odoo sync) commits without waiting for the disk, and nothing else does."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from service.db import begin_write
from service.models import Estate


def _sqlite_level(session: Session) -> int:
    return session.execute(text("PRAGMA synchronous")).scalar_one()


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_sqlite_waits_for_the_disk_again_once_the_connection_is_back_in_the_pool(engine):
    engine.pool.dispose()  # one connection, seen from the start
    with Session(engine) as session:
        begin_write(session, durable=False)
        during = _sqlite_level(session)
        session.add(Estate(code="e1", name="Estate"))
        session.commit()
    with Session(engine) as session:
        after = _sqlite_level(session)
        begin_write(session)
        durable = _sqlite_level(session)
        session.rollback()
    assert (during, after, durable) == (1, 2, 2)  # NORMAL, then FULL again
    assert engine.pool.checkedin() == 1  # the same connection all along
    with Session(engine) as session:
        assert session.exec(select(Estate).where(Estate.code == "e1")).one()  # written


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_postgresql_turns_synchronous_commit_off_for_that_transaction_only(engine):
    engine.pool.dispose()
    with engine.connect() as conn:  # the private cluster runs with it off: on, as a server
        conn.exec_driver_sql("SET synchronous_commit TO on")
        conn.commit()
    with Session(engine) as session:
        begin_write(session, durable=False)
        during = session.execute(text("SHOW synchronous_commit")).scalar_one()
        session.add(Estate(code="e1", name="Estate"))
        session.commit()
        after = session.execute(text("SHOW synchronous_commit")).scalar_one()
        session.rollback()
    with Session(engine) as session:
        begin_write(session)
        durable = session.execute(text("SHOW synchronous_commit")).scalar_one()
        assert session.exec(select(Estate).where(Estate.code == "e1")).one()  # written
    assert (during, after, durable) == ("off", "on", "on")
