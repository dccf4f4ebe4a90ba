"""Fixtures for the Odoo link: the stand-in Odoo on loopback and a gateway to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

import service.models  # noqa: F401  (every table, the link's too, is emptied between tests)
from service.models import Estate
from service.odoo.connect import connect
from service.odoo.gateway import Odoo
from service.odoo.mapping import MappingConfig
from service.odoo.sync import SyncConfig, Syncer
from service.odoo.transport import ConnectionSettings
from tests.support.odoo_standin import OdooStandIn

API_KEY = "standin-api-key"


@pytest.fixture
def odoo() -> Iterator[OdooStandIn]:
    """A plain Odoo 18 without the add-on."""
    with OdooStandIn(version="18.0") as server:
        yield server


@pytest.fixture
def odoo_addon() -> Iterator[OdooStandIn]:
    """Odoo 18 with the maintenance_callback add-on's fields."""
    with OdooStandIn(version="18.0", addon=True) as server:
        yield server


def settings_for(server: OdooStandIn, **kw: object) -> ConnectionSettings:
    values: dict[str, object] = {
        "url": server.url,
        "db": server.db,
        "user": "admin",
        "api_key": API_KEY,
        "timeout": 5.0,
        "backoff_seconds": 0.01,
    }
    values.update(kw)
    return ConnectionSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def gateway_for() -> Iterator[Callable[..., Odoo]]:
    opened: list[Odoo] = []

    def make(server: OdooStandIn, **kw: object) -> Odoo:
        gw = connect(settings_for(server, **kw))
        opened.append(gw)
        return gw

    yield make
    for gw in opened:
        gw.close()


@pytest.fixture
def estates(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Estate(code="E1", name="翠苑小区", timezone="Asia/Shanghai"))
        session.add(Estate(code="E2", name="Harbour View", timezone="Asia/Shanghai"))
        session.commit()


@pytest.fixture
def syncer_for(
    engine: Engine, estates: None, gateway_for: Callable[..., Odoo]
) -> Callable[..., Syncer]:
    def make(server: OdooStandIn, *, page_size: int = 500, **mapping: object) -> Syncer:
        config = SyncConfig(
            page_size=page_size,
            lookback_seconds=0,
            mapping=MappingConfig(**({"default_estate": "E1"} | mapping)),  # type: ignore[arg-type]
        )
        return Syncer(engine=engine, gateway=gateway_for(server), config=config)

    return make
