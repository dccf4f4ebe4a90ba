"""The FastAPI application: REST API under /api/v1, pages beside it."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from .api import compliance, errors, estates, jobs, rectifications
from .api.auth import BearerKeyMiddleware


def create_app() -> FastAPI:
    app = FastAPI(
        title="Huifang 回访",
        summary="Maintenance callbacks for property-management offices running Odoo",
        version="0.1.0",
    )
    api = APIRouter(prefix="/api/v1")
    for module in (estates, jobs, compliance, rectifications):
        api.include_router(module.router)
    app.include_router(api)
    errors.install(app)
    app.add_middleware(BearerKeyMiddleware)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
