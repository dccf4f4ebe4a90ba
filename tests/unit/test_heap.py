"""``heap.settle``: a command's start-up objects are frozen for the garbage collector, once."""

from __future__ import annotations

import gc

import pytest
from typer.testing import CliRunner

from service import app as app_module
from service import heap


@pytest.fixture
def unsettled(monkeypatch):
    monkeypatch.setattr(heap, "_settled", False)
    yield
    gc.unfreeze()


def test_settle_freezes_what_is_alive_once_per_process(unsettled):
    kept = [object() for _ in range(3)]
    assert gc.get_freeze_count() == 0
    assert heap.settle() is True
    frozen = gc.get_freeze_count()
    made_later = [[] for _ in range(3)]
    assert heap.settle() is False  # a second command in the process: nothing more frozen
    assert gc.get_freeze_count() == frozen > 1000
    collected = {id(item) for item in gc.get_objects()}  # what collections still walk
    assert id(kept) not in collected
    assert id(made_later) in collected and all(id(item) in collected for item in made_later)


def test_a_worker_app_is_settled_once_made(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(app_module, "settle", lambda: calls.append("settled"))
    made = app_module.serving_app()
    assert calls == ["settled"] and made.title.startswith("Huifang")


def test_remind_settles_before_its_first_cycle(monkeypatch, tmp_path):
    order: list[str] = []
    monkeypatch.setenv("HUIFANG_DATABASE_URL", f"sqlite:///{tmp_path}/remind.db")
    from service import cli, scheduler

    monkeypatch.setattr(cli, "settle", lambda: order.append("settle"))

    real_cycle = scheduler.run_cycle

    def cycle(*args, **kwargs):
        order.append("cycle")
        return real_cycle(*args, **kwargs)

    monkeypatch.setattr(scheduler, "run_cycle", cycle)
    cli._reset_cached_settings()
    try:
        result = CliRunner().invoke(cli.app, ["remind", "--once"])
    finally:
        cli._reset_cached_settings()
    assert result.exit_code == 0, result.output
    assert order == ["settle", "cycle"]
