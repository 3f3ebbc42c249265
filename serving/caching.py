"""Conditional GETs for the dashboard's answers (SPEC 7): an `ETag`, `304 Not Modified` on a
matching `If-None-Match`, and `Cache-Control: private` with a short max-age.

The ETag is a hash of the answer's JSON, so it changes exactly when the answer does: when a
refresh changed the marts the answer reads, when the window moved with the clock, or when a new
version of the service computes it differently. The server still reads the marts (a few
milliseconds, docs/performance.md); a 304 saves the transfer, the client's parsing and its
redraw. It is a weak tag (`W/"..."`) because the same answer is sent gzipped or not, and weak
tags compare equal across encodings (RFC 9110, 8.8.1).
"""

import base64
import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Seconds a browser may reuse an answer without asking: short, because a refresh may land at
# any moment; after it, the browser asks with If-None-Match and mostly gets a 304.
MAX_AGE_SECONDS = 30
CACHE_CONTROL = f"private, max-age={MAX_AGE_SECONDS}"
# The answer depends on who asks: a browser must not reuse one account's answer for another.
VARY = "Authorization, X-API-Key"
# Headers a 304 repeats from the 200 it stands for (RFC 9110, 15.4.5).
_KEPT_ON_304 = (b"etag", b"cache-control", b"vary", b"x-data-as-of")


def entity_tag(body: bytes) -> str:
    digest = hashlib.blake2b(body, digest_size=16).digest()
    return 'W/"' + base64.urlsafe_b64encode(digest).rstrip(b"=").decode() + '"'


def matches(if_none_match: str, tag: str) -> bool:
    """Weak comparison of RFC 9110 13.1.2: any listed tag, weak or strong, with tag's value."""
    if if_none_match.strip() == "*":
        return True
    opaque = tag.removeprefix("W/")
    return any(
        candidate.strip().removeprefix("W/") == opaque for candidate in if_none_match.split(",")
    )


class ConditionalGet:
    """Adds ETag, Cache-Control and Vary to successful GETs under `prefix`, and answers 304
    when the request's If-None-Match names the answer's tag."""

    def __init__(self, app: ASGIApp, prefix: str = "/api/dashboard/") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        if_none_match = Headers(scope=scope).get("if-none-match")
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] != 200:
                    start = None
                    await send(message)
                    return
                start = message
                return
            if start is None:  # not a 200: passed through as it comes
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            tag = entity_tag(body)
            headers = MutableHeaders(scope=start)
            headers["ETag"] = tag
            headers["Cache-Control"] = CACHE_CONTROL
            headers.append("Vary", VARY)
            if if_none_match is not None and matches(if_none_match, tag):
                kept = [(name, value) for name, value in start["headers"] if name in _KEPT_ON_304]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered)
