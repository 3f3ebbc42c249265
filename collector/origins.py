"""Which origins may send events for a chatbot: the `allowed_origins` of its latest chatbots
record (marts.chatbots), read from the warehouse every few seconds. A chatbot without a list, or
one the warehouse does not know, accepts any origin; a request without an Origin header (not
sent by a browser page) is not an origin check's to refuse.

While the warehouse cannot be read, the last lists read stay in force (none read yet: any
origin), so that events are still collected; the failure is logged."""

import logging
import threading

import psycopg

from warehouse.validation import normalize_origin

log = logging.getLogger("analytics.collect")


class OriginPolicy:
    def __init__(self, url: str | None, refresh_s: float) -> None:
        self.url = url
        self.refresh_s = refresh_s
        self._lists: dict[str, frozenset[str]] = {}
        self._some_without_list = True
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def set_lists(self, lists: dict[str, frozenset[str]], some_without_list: bool) -> None:
        self._lists, self._some_without_list = lists, some_without_list

    def read(self) -> None:
        with psycopg.connect(self.url, connect_timeout=5) as conn:
            rows = conn.execute("select chatbot_id, allowed_origins from marts.chatbots").fetchall()
        lists = {chatbot: frozenset(origins) for chatbot, origins in rows if origins is not None}
        self.set_lists(lists, some_without_list=len(lists) < len(rows) or not rows)

    def start(self) -> None:
        if self.url is None:
            return
        self._refresh()
        self._thread = threading.Thread(target=self._loop, name="origins", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.refresh_s):
            self._refresh()

    def _refresh(self) -> None:
        try:
            self.read()
        except psycopg.Error as error:
            log.warning("allowed origins not read (the last ones stay in force): %s", error)

    def allows(self, chatbot_id: str | None, origin: str | None) -> bool:
        """Whether an event for `chatbot_id` sent from a page of `origin` is taken."""
        if origin is None or chatbot_id is None:
            return True
        allowed = self._lists.get(chatbot_id)
        return allowed is None or normalize_origin(origin) in allowed

    def allows_preflight(self, origin: str) -> bool:
        """A preflight names no chatbot: answered for an origin some chatbot accepts."""
        if self._some_without_list:
            return True
        normalized = normalize_origin(origin)
        return any(normalized in allowed for allowed in self._lists.values())
