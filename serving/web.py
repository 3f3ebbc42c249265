"""What a browser opens: the dashboard at `/`, the API's docs at `/docs` and `/redoc`, and
their files under `/static`. Everything is installed with the project (serving/static/, the
vendored packages listed in serving/static/vendor/README.md): nothing is loaded from the
internet."""

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
SWAGGER_UI = "/static/vendor/swagger-ui-dist-5.35.0"
REDOC = "/static/vendor/redoc-2.5.4"
FAVICON = "/static/dashboard/favicon.svg"
# The browser itself keeps the pages to this server's files (Content-Security-Policy): the docs
# pages run FastAPI's inline starter scripts; the dashboard runs none. Redoc's sidebar links
# an image of its maker's CDN: refused here, it is hidden (the docs stay complete offline).
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:"
)
DASHBOARD_POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'"
)

pages = APIRouter(include_in_schema=False)


@pages.get("/")
async def dashboard() -> FileResponse:
    return FileResponse(
        STATIC / "dashboard" / "index.html",
        headers={"Cache-Control": "no-cache", "Content-Security-Policy": DASHBOARD_POLICY},
    )


@pages.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return _docs_page(
        get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Selzee Analytics API",
            swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=FAVICON,
        )
    )


@pages.get("/redoc")
async def redoc() -> HTMLResponse:
    return _docs_page(
        get_redoc_html(
            openapi_url="/openapi.json",
            title="Selzee Analytics API",
            redoc_js_url=f"{REDOC}/redoc.standalone.js",
            redoc_favicon_url=FAVICON,
            with_google_fonts=False,
        )
    )


def _docs_page(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_POLICY
    return page


def add_pages(app: FastAPI) -> None:
    app.include_router(pages)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
