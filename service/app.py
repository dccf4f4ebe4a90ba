"""The FastAPI application: REST API under /api/v1, pages beside it."""

from __future__ import annotations

import importlib
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from .api import compliance, errors, estates, jobs, rectifications, staff
from .api.auth import BearerKeyMiddleware

# Parts that live in their own packages; each module exposes ``router``.
OPTIONAL_API_ROUTERS = ("service.odoo.routes:api_router", "service.web.ledger:api_router")
PAGE_ROUTERS = (
    "service.web.login:router",
    "service.web.phone:router",
    "service.web.dashboard:router",
    "service.odoo.routes:page_router",
)


def _optional_router(spec: str) -> APIRouter | None:
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    return getattr(module, attr, None)


def create_app() -> FastAPI:
    app = FastAPI(
        title="Huifang 回访",
        summary="Maintenance callbacks for property-management offices running Odoo",
        version="0.1.0",
    )
    api = APIRouter(prefix="/api/v1")
    for module in (estates, jobs, compliance, rectifications, staff):
        api.include_router(module.router)
    app.include_router(api)
    for name in OPTIONAL_API_ROUTERS:
        router = _optional_router(name)
        if router is not None:
            app.include_router(router, prefix="/api/v1")
    for name in PAGE_ROUTERS:
        router = _optional_router(name)
        if router is not None:
            app.include_router(router)
    app.mount(
        "/static", StaticFiles(directory=Path(__file__).parent / "web" / "static"), name="static"
    )
    errors.install(app)
    app.add_middleware(BearerKeyMiddleware)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
