"""Dependencies shared by the routes, as named types."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..config import Settings, get_settings
from ..db import get_engine, get_session
from ..loop_reads import LoopReads


async def get_now() -> datetime:
    """The business clock (tests set their own). ``async``: no trip through the thread pool."""
    return datetime.now(UTC)


#: The reads of an app whose lifespan has not run: every one takes the engine's path.
_CLOSED_READS = LoopReads(0)


async def get_loop_reads(request: Request) -> LoopReads:
    """The app's event-loop reads (``service.loop_reads``), opened by its lifespan."""
    return getattr(request.app.state, "loop_reads", None) or _CLOSED_READS


async def get_db_engine() -> Engine:
    """The configured database, for a route that reads without a session of its own (a
    session costs a generator dependency, made and closed around every request)."""
    return get_engine()


def get_actor(request: Request) -> str:
    return getattr(request.state, "actor", "api")


SessionDep = Annotated[Session, Depends(get_session)]
EngineDep = Annotated[Engine, Depends(get_db_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[datetime, Depends(get_now)]
ActorDep = Annotated[str, Depends(get_actor)]
LoopReadsDep = Annotated[LoopReads, Depends(get_loop_reads)]
Limit = Annotated[int, Query(ge=1, le=1000, description="page size (max 1000)")]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1, description="rows to skip")]
