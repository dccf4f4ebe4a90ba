"""The quota plan's body: each period's roles, the jobs planned for them, and the draw log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from ..domain import Category, Role, Satisfaction


class PlannedJobOut(BaseModel):
    ref: str
    unit: str | None
    category: Category
    deadline: datetime
    answer: Satisfaction | None


class DrawEntryOut(BaseModel):
    job: str
    weight: int
    tier: int  # 0: nobody had it; 1: another role had it (shared only when short)


class DrawOut(BaseModel):
    round: int
    method: Literal["weighted", "deadline"]
    seed: str | None
    needed: int
    created_at: datetime
    candidates: list[DrawEntryOut]
    picked: list[str]


class RolePlanOut(BaseModel):
    required: int
    done: int
    need: int
    qualifying: int
    reachable: bool
    short: int
    jobs: list[PlannedJobOut]
    draws: list[DrawOut] | None = None


class PeriodPlanOut(BaseModel):
    period: str
    jobs: int
    roles: dict[Role, RolePlanOut]


class PlanOut(BaseModel):
    estate: str
    day: str
    as_of: datetime
    periods: list[PeriodPlanOut]
