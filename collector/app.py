"""The collector's HTTP app (SPEC 6): the widget's tracking endpoints, public, behind origin
validation and a rate limit per client IP. An accepted event is answered 202 only once it is
on disk (collector/spool.py); an invalid one is kept too (the loader quarantines it) and
answered 422 with the quarantine reason; a refused one (403, 413, 429) is not kept.

A plain ASGI application: seven routes, no parameters to resolve (the body is read raw and
validated by the loader's rules), and the cost of a request is the whole cost of the
collector: a framework's routing and middleware were a large part of it (docs/performance.md).
"""

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

import orjson

from collector.clients import RateLimiter, client_ip, retry_after, trusted_networks
from collector.origins import OriginPolicy
from collector.records import MAX_BODY_BYTES, chatbot_of, legacy_body, record_line, validate
from collector.settings import CollectorSettings
from collector.spool import Spool

log = logging.getLogger("analytics.collect")

POST_PATHS = ("/api/analytics/track", "/api/events/track", "/api/save")
GET_PATHS = ("/api/analytics/track", "/api/events/track")
PREFLIGHT_MAX_AGE = b"600"
JSON = (b"content-type", b"application/json")

Send = Callable[[dict], Awaitable[None]]
Receive = Callable[[], Awaitable[dict]]


class TooLarge(Exception):
    pass


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


async def _respond(send: Send, status: int, body: bytes = b"", headers: list | None = None):
    headers = [(b"content-length", str(len(body)).encode()), *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _json(send: Send, status: int, content: dict, headers: list | None = None) -> None:
    await _respond(send, status, orjson.dumps(content), [JSON, *(headers or [])])


async def _body(scope: dict, receive: Receive) -> bytes:
    """The body, refused beyond MAX_BODY_BYTES without reading the rest."""
    declared = _header(scope, b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TooLarge
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _cors(origin: str | None) -> list[tuple[bytes, bytes]]:
    if origin is None:
        return []
    return [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]


class CollectorApp:
    def __init__(self, spool: Spool, origins: OriginPolicy, settings: CollectorSettings) -> None:
        self.spool = spool
        self.origins = origins
        limit = settings.analytics_collect_rate_limit
        self.limiter = RateLimiter(limit) if limit > 0 else None
        self.trusted = trusted_networks(settings.analytics_trusted_proxies)
        self.routes = {
            **{("POST", path): self.track for path in POST_PATHS},
            **{("GET", path): self.track_legacy for path in GET_PATHS},
            **{("OPTIONS", path): self.preflight for path in POST_PATHS},
            ("GET", "/healthz"): self.healthz,
        }
        self.paths = {path for _, path in self.routes}

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        handler = self.routes.get((scope["method"], scope["path"]))
        if handler is not None:
            await handler(scope, receive, send)
        elif scope["path"] in self.paths:
            await _json(send, 405, {"detail": "Method Not Allowed"})
        else:
            await _json(send, 404, {"detail": "Not Found"})

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.spool.start()
                self.origins.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.origins.stop()
                await self.spool.close()  # what is pending written, the open file completed
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def track(self, scope: dict, receive: Receive, send: Send) -> None:
        await self.collect(scope, receive, send, None)

    async def track_legacy(self, scope: dict, receive: Receive, send: Send) -> None:
        params = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        await self.collect(scope, receive, send, legacy_body(params))

    async def collect(self, scope: dict, receive: Receive, send: Send, body: bytes | None):
        origin = _header(scope, b"origin")
        if self.limiter is not None:
            peer = scope["client"][0] if scope.get("client") else ""
            client = client_ip(peer, _header(scope, b"x-forwarded-for"), self.trusted)
            wait = self.limiter.take(client)
            if wait:
                detail = {"detail": "too many requests from this client", "reason": "rate_limited"}
                retry = [(b"retry-after", retry_after(wait).encode()), *_cors(origin)]
                await _json(send, 429, detail, retry)
                return
        if body is None:
            try:
                body = await _body(scope, receive)
            except TooLarge:
                detail = {"detail": f"body over {MAX_BODY_BYTES} bytes", "reason": "too_large"}
                await _json(send, 413, detail, _cors(origin))
                return
        line, record = record_line(body)
        if not self.origins.allows(chatbot_of(record), origin):
            detail = {"detail": "origin not allowed for this chatbot"}
            detail["reason"] = "origin_not_allowed"
            await _json(send, 403, detail, [(b"vary", b"Origin")])
            return
        rejection = validate(line)
        try:
            await self.spool.append(line)
        except OSError as error:
            log.error("event not stored: %s", error)
            await _json(send, 503, {"detail": "the event could not be stored; send it again"})
            return
        if rejection is not None:
            detail = {"detail": rejection.detail or rejection.reason, "reason": rejection.reason}
            await _json(send, 422, detail, _cors(origin))
            return
        accepted = {"status": "accepted", "event_id": record["event_id"]}
        await _json(send, 202, accepted, _cors(origin))

    async def preflight(self, scope: dict, receive: Receive, send: Send) -> None:
        origin = _header(scope, b"origin")
        if origin is None or not self.origins.allows_preflight(origin):
            await _respond(send, 403, headers=[(b"vary", b"Origin")])
            return
        requested = _header(scope, b"access-control-request-headers") or "content-type"
        headers = [
            *_cors(origin),
            (b"access-control-allow-methods", b"POST, GET, OPTIONS"),
            (b"access-control-allow-headers", requested.encode("latin-1")),
            (b"access-control-max-age", PREFLIGHT_MAX_AGE),
        ]
        await _respond(send, 204, headers=headers)

    async def healthz(self, scope: dict, receive: Receive, send: Send) -> None:
        await _json(send, 200, {"status": "ok", "lines_written": self.spool.lines_written})


def create_app(spool: Spool, origins: OriginPolicy, settings: CollectorSettings) -> CollectorApp:
    return CollectorApp(spool, origins, settings)
