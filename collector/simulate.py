"""`analytics simulate --collector URL`: gentle live traffic, so that the demo's numbers move.

Visitors of the generated chatbots (same seed and chatbots as the demo's data set: the same
chatbot ids) arrive at random, `--visitors-per-minute` on average; each session's events are
posted to the collector when they happen, as the widget would post them (the invalid records
the generator makes now and then get their 422). What the chat back end would deliver
(conversations, messages, analyses) is dropped into the landing folder as a file every
LANDING_EVERY_S seconds. Runs until stopped.
"""

import heapq
import itertools
import random
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime

from warehouse.generate import GeneratorConfig, live_visits
from warehouse.landing import Landing

TRACK = "/api/analytics/track"
LANDING_EVERY_S = 15.0


def post(collector: str, line: bytes) -> int:
    request = urllib.request.Request(  # noqa: S310 - the collector's http URL
        collector + TRACK, data=line, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def drop_file(landing: Landing, kind: str, lines: list[bytes]) -> None:
    """Write under a name the landing folder does not take, then rename: complete at once."""
    name = f"live-{time.time_ns()}.jsonl"
    temporary = landing.path(kind, f".{name}")
    landing.fs.pipe(temporary, b"".join(line + b"\n" for line in lines))
    landing.fs.mv(temporary, landing.path(kind, name))


def simulate(collector: str, landing: Landing, config: GeneratorConfig, per_minute: float) -> None:
    landing.prepare()
    visits = live_visits(config)
    rng = random.Random()
    due: list[tuple[datetime, int, str, bytes]] = []  # (when, order, kind, line): a heap
    order = itertools.count()
    held: dict[str, list[bytes]] = {}
    next_visit = time.monotonic()
    next_drop = time.monotonic() + LANDING_EVERY_S
    answers: dict[int, int] = {}
    while True:
        if time.monotonic() >= next_visit:
            for kind, moment, line in next(visits):
                heapq.heappush(due, (moment, next(order), kind, line))
            next_visit += rng.expovariate(per_minute / 60.0)
        now = datetime.now(UTC)
        while due and due[0][0] <= now:
            _, _, kind, line = heapq.heappop(due)
            if kind == "events":
                try:
                    status = post(collector, line)
                except OSError as error:  # the collector away for a moment: a lost demo event
                    print(f"simulate: not posted ({error})", file=sys.stderr, flush=True)
                    continue
                answers[status] = answers.get(status, 0) + 1
            else:
                held.setdefault(kind, []).append(line)
        if time.monotonic() >= next_drop:
            for kind, lines in held.items():
                if lines:
                    drop_file(landing, kind, lines)
            held = {}
            posted = ", ".join(f"{status}: {count}" for status, count in sorted(answers.items()))
            print(f"simulate: events posted so far ({posted})", flush=True)
            next_drop += LANDING_EVERY_S
        time.sleep(0.05)
