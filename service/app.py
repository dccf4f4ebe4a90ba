"""The FastAPI application: REST API under /api/v1, pages beside it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from .api import (
    callbacks,
    compliance,
    estates,
    jobs,
    notifications,
    rectifications,
    resident_links,
    staff,
    tokens,
)
from .api.auth import BearerKeyMiddleware, WriteRequestMiddleware
from .catalogue import t
from .channels.residents import ResidentLinkSender
from .config import get_settings
from .heap import settle
from .http import errors, openapi
from .http.headers import SecurityHeaders
from .http.limits import BodyLimitMiddleware
from .http.ratelimit import PhonePostLimits, RateLimiter
from .loop_reads import LoopReads
from .odoo import routes as odoo_routes
from .odoo.link import verify_login
from .web import (
    dashboard,
    landing,
    login,
    phone,
    receipt_check,
    rectification_pages,
    today,
    worker,
)
from .web import resident_links as resident_link_pages
from .web import tokens as token_pages
from .web.templating import render

#: Swagger UI's own files (version 5, which reads the OpenAPI 3.1 FastAPI writes), as the
#: fastapi-offline package ships them
DOCS_ASSETS = "/docs/static"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The app's event-loop reads live as long as it serves (their pool is this loop's)."""
    reads = app.state.loop_reads = LoopReads(get_settings().db_loop_pool_size)
    reads.open()
    try:
        yield
    finally:
        app.state.loop_reads = None
        await reads.close()


def serving_app() -> FastAPI:
    """The app ``huifang serve`` serves (in each worker with ``--workers N``): ``create_app``,
    its start-up objects then kept out of the garbage collector's full collections
    (``heap.settle``)."""
    app = create_app()
    settle()
    return app


def create_app() -> FastAPI:
    app = FastAPI(
        lifespan=lifespan,
        title=f"{t('app.name', 'en')} {t('app.name', 'zh_CN')}",
        summary="Maintenance callbacks for property-management offices running Odoo",
        version="0.1.0",
        # /docs is served below from the service's own copy of Swagger UI (nothing loaded from
        # another origin, no inline script); no ReDoc
        docs_url=None,
        redoc_url=None,
    )
    # A query parameter a route does not take is refused (422), as an unknown body field is.
    api = APIRouter(prefix="/api/v1", dependencies=[Depends(errors.known_query_only)])
    for module in (
        estates,
        jobs,
        callbacks,
        compliance,
        rectifications,
        staff,
        notifications,
        resident_links,
        tokens,
    ):
        api.include_router(module.router)
    app.include_router(api)
    # Staff may sign in to the pages with their Odoo login once the link is configured.
    app.state.outside_sign_in = verify_login
    # Residents get their confirmation link by text, WeChat or e-mail (API and staff page).
    app.state.resident_link_sender = ResidentLinkSender
    # Pages (not under the bearer key): sign-in, phone pages, dashboard and ledger, and the
    # Odoo add-on's push and links (verified by their own signature / sign-in).
    for router in (
        landing.router,
        login.router,
        phone.router,
        resident_link_pages.router,
        worker.router,
        receipt_check.router,
        rectification_pages.router,
        today.router,
        token_pages.router,
        dashboard.router,
        odoo_routes.router,
    ):
        app.include_router(router)
    static = Path(__file__).parent / "web" / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")
    docs_files = StaticFiles(packages=[("fastapi_offline", "static")])
    app.mount(DOCS_ASSETS, docs_files, name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Response:
        return render(
            request, "docs.html", title=app.title, openapi_url=app.openapi_url, assets=DOCS_ASSETS
        )

    # Sign-in failures per address and the phone pages' posts are counted here (in memory).
    app.state.rate_limiter = RateLimiter()
    errors.install(app)
    openapi.install(app)
    app.add_middleware(BearerKeyMiddleware)
    app.add_middleware(WriteRequestMiddleware)
    app.add_middleware(PhonePostLimits, limiter=app.state.rate_limiter)
    # Outside every middleware and route that reads a body: an oversized one is refused first.
    app.add_middleware(BodyLimitMiddleware)
    # Outermost of all: every answer, refusals of the middleware above included, carries the
    # security headers.
    app.add_middleware(SecurityHeaders)
    # Around them all: a database outage met anywhere, the token lookup above included, is a
    # 503 saying what became of the request (reads are tried again first).
    app.add_middleware(errors.DatabaseOutages)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
