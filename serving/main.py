"""The FastAPI app: built by `create_app`, never at import."""

import contextlib

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from serving.database import UNAVAILABLE, open_pool
from serving.routes import router
from serving.settings import ServingSettings

DESCRIPTION = (
    "Endpoints for querying aggregated analytics data: user engagement funnels, popup "
    "performance, purchase/revenue metrics with A/B testing, overview stats, and AI-powered "
    "conversation insights. Answers come only from materialized marts; every stats response "
    "carries `X-Data-As-Of`, the newest record instant they reflect."
)


def create_app(database_url: str, settings: ServingSettings | None = None) -> FastAPI:
    settings = settings or ServingSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.pool = open_pool(database_url, settings.warehouse_timeout)
        try:
            yield
        finally:
            app.state.pool.close()

    app = FastAPI(title="Selzee Analytics", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.include_router(router)

    async def warehouse_unavailable(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse(
            status_code=503,
            content={"detail": "the analytics warehouse is unavailable; try again shortly"},
            headers={"Retry-After": "5"},
        )

    for error_type in UNAVAILABLE:
        app.add_exception_handler(error_type, warehouse_unavailable)
    return app
