"""The FastAPI app: built by `create_app`, never at import."""

import contextlib
import logging
import os

import psycopg
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout, TooManyRequests

from serving.caching import ConditionalGet
from serving.database import Reachability, open_pool
from serving.routes import dashboard, router
from serving.settings import ServingSettings
from serving.web import add_pages

DESCRIPTION = (
    "Endpoints for querying aggregated analytics data: user engagement funnels, popup "
    "performance, purchase/revenue metrics with A/B testing, overview stats, daily series, and "
    "AI-powered conversation insights. Answers come only from materialized marts; every stats "
    "response carries `X-Data-As-Of`, the newest record instant they reflect."
)
RETRY_AFTER_SECONDS = "2"
# Answers larger than this are gzipped for clients that accept it (an insights answer is tens
# of KB of JSON; below about a kilobyte, compressing costs more than it saves). Level 6, zlib's
# default, not Starlette's 9: a 116 KB daily answer at 365 took 0.48 ms and 2,825 bytes at 6,
# 2.16 ms and 2,684 bytes at 9 (docs/performance.md).
GZIP_MINIMUM_BYTES = 1024
GZIP_LEVEL = 6
# Request headers larger than this (names and values together) are answered 431.
MAX_HEADER_BYTES = 16 * 1024
log = logging.getLogger("serving")


def _service_unavailable(detail: str) -> JSONResponse:
    return JSONResponse(
        status_code=503, content={"detail": detail}, headers={"Retry-After": RETRY_AFTER_SECONDS}
    )


# Set by `analytics serve` for its worker processes: the warehouse URL it resolved.
SERVE_URL_VARIABLE = "ANALYTICS_SERVE_WAREHOUSE_URL"


def app_from_environment() -> FastAPI:
    """The app of one `analytics serve` worker process (uvicorn's factory)."""
    return create_app(os.environ[SERVE_URL_VARIABLE])


class HeaderLimit:
    """Refuses a request whose headers exceed MAX_HEADER_BYTES with 431, before routing. (The
    HTTP parser has read them already: bounding what a connection may buffer is the job of the
    reverse proxy in front of a public deployment: README, "Deploying the API")."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            size = sum(len(name) + len(value) for name, value in scope["headers"])
            if size > MAX_HEADER_BYTES:
                response = JSONResponse(
                    status_code=431,
                    content={"detail": f"request headers over {MAX_HEADER_BYTES} bytes"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(database_url: str, settings: ServingSettings | None = None) -> FastAPI:
    settings = settings or ServingSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.pool = open_pool(database_url, settings)
        app.state.reachable = Reachability(app.state.pool.conninfo)
        await app.state.pool.open(wait=False)
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(
        title="Selzee Analytics",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from installed files by serving/web.py, not from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.include_router(router)
    app.include_router(dashboard)
    add_pages(app)
    # Inside out: the conditional GET hashes the plain answer, gzip compresses what it sends.
    app.add_middleware(ConditionalGet)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)
    if settings.cors_origins:
        # A dashboard on another origin (SPEC 7): GET with its credentials headers, and the
        # freshness header readable by its scripts.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET"],
            allow_headers=["X-API-Key", "Authorization", "If-None-Match"],
            expose_headers=["X-Data-As-Of", "ETag"],
            max_age=600,
        )
    app.add_middleware(HeaderLimit)

    async def queue_full(request: Request, error: Exception) -> JSONResponse:
        return _service_unavailable(
            "the API is overloaded: too many requests are waiting for the warehouse; "
            "try again shortly"
        )

    async def no_connection_in_time(request: Request, error: Exception) -> JSONResponse:
        if await request.app.state.reachable():
            return await queue_full(request, error)
        return await unreachable(request, error)

    async def too_slow(request: Request, error: Exception) -> JSONResponse:
        return _service_unavailable(
            f"the warehouse did not answer within {settings.statement_timeout:g} s "
            "(busy or locked); try again shortly"
        )

    async def unreachable(request: Request, error: Exception) -> JSONResponse:
        return _service_unavailable("the analytics warehouse is unavailable; try again shortly")

    async def refused(request: Request, error: Exception) -> JSONResponse:
        log.error("the warehouse refused a query: %s", error)
        return _service_unavailable("the analytics warehouse could not answer; try again shortly")

    app.add_exception_handler(TooManyRequests, queue_full)
    app.add_exception_handler(PoolTimeout, no_connection_in_time)
    app.add_exception_handler(psycopg.errors.QueryCanceled, too_slow)
    app.add_exception_handler(psycopg.errors.LockNotAvailable, too_slow)
    app.add_exception_handler(psycopg.OperationalError, unreachable)
    app.add_exception_handler(psycopg.Error, refused)
    return app
