"""The collector's HTTP app (SPEC 6): the widget's tracking endpoints, public, behind origin
validation and a rate limit per client IP. An accepted event is answered 202 only once it is
on disk (collector/spool.py); an invalid one is kept too (the loader quarantines it) and
answered 422 with the quarantine reason; a refused one (403, 413, 429) is not kept."""

import contextlib
import logging

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from collector.clients import RateLimiter, client_ip, retry_after, trusted_networks
from collector.origins import OriginPolicy
from collector.records import MAX_BODY_BYTES, chatbot_of, legacy_body, record_line, validate
from collector.settings import CollectorSettings
from collector.spool import Spool

log = logging.getLogger("analytics.collect")

POST_PATHS = ("/api/analytics/track", "/api/events/track", "/api/save")
GET_PATHS = ("/api/analytics/track", "/api/events/track")
PREFLIGHT_MAX_AGE = "600"


class TooLarge(Exception):
    pass


def _json(status: int, content: dict, headers: dict | None = None) -> Response:
    return Response(orjson.dumps(content), status, headers, media_type="application/json")


async def _body(request: Request) -> bytes:
    """The body, refused beyond MAX_BODY_BYTES without reading the rest."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(spool: Spool, origins: OriginPolicy, settings: CollectorSettings) -> Starlette:
    limiter = (
        RateLimiter(settings.analytics_collect_rate_limit)
        if settings.analytics_collect_rate_limit > 0
        else None
    )
    trusted = trusted_networks(settings.analytics_trusted_proxies)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await spool.start()
        origins.start()
        try:
            yield
        finally:
            origins.stop()
            await spool.close()

    def cors(origin: str | None) -> dict[str, str]:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else {}

    async def collect(request: Request, body: bytes | None) -> Response:
        origin = request.headers.get("origin")
        if limiter is not None:
            peer = request.client.host if request.client else ""
            client = client_ip(peer, request.headers.get("x-forwarded-for"), trusted)
            wait = limiter.take(client)
            if wait:
                return _json(
                    429,
                    {"detail": "too many requests from this client", "reason": "rate_limited"},
                    {"Retry-After": retry_after(wait), **cors(origin)},
                )
        if body is None:
            try:
                body = await _body(request)
            except TooLarge:
                return _json(
                    413,
                    {"detail": f"body over {MAX_BODY_BYTES} bytes", "reason": "too_large"},
                    cors(origin),
                )
        line, record = record_line(body)
        if not origins.allows(chatbot_of(record), origin):
            return _json(
                403,
                {"detail": "origin not allowed for this chatbot", "reason": "origin_not_allowed"},
                {"Vary": "Origin"},
            )
        rejection = validate(line)
        try:
            await spool.append(line)
        except OSError as error:
            log.error("event not stored: %s", error)
            return _json(503, {"detail": "the event could not be stored; send it again"})
        if rejection is not None:
            return _json(
                422,
                {"detail": rejection.detail or rejection.reason, "reason": rejection.reason},
                cors(origin),
            )
        return _json(202, {"status": "accepted", "event_id": record["event_id"]}, cors(origin))

    async def track(request: Request) -> Response:
        return await collect(request, None)

    async def track_legacy(request: Request) -> Response:
        return await collect(request, legacy_body(request.query_params))

    async def preflight(request: Request) -> Response:
        origin = request.headers.get("origin")
        if origin is None or not origins.allows_preflight(origin):
            return Response(status_code=403, headers={"Vary": "Origin"})
        headers = {
            **cors(origin),
            "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
            "Access-Control-Allow-Headers": request.headers.get(
                "access-control-request-headers", "content-type"
            ),
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
        }
        return Response(status_code=204, headers=headers)

    async def healthz(request: Request) -> Response:
        return _json(200, {"status": "ok", "lines_written": spool.lines_written})

    routes = [Route("/healthz", healthz, methods=["GET"])]
    for path in POST_PATHS:
        routes.append(Route(path, track, methods=["POST"]))
        routes.append(Route(path, preflight, methods=["OPTIONS"]))
    for path in GET_PATHS:
        routes.append(Route(path, track_legacy, methods=["GET"]))
    # Starlette rather than FastAPI: no parameters to resolve or validate (the body is read
    # raw and validated by the loader's rules), and each request costs less (docs/performance.md).
    return Starlette(routes=routes, lifespan=lifespan)
