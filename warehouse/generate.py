"""`analytics generate`: a realistic synthetic data set in the five input files of SPEC 2.

Visitors walk a funnel (visit -> popup shown -> popup opened / widget opened -> conversation
-> cart -> purchase) with plausible rates; a conversation has messages, usually an analysis
(sometimes re-analysed), clicks and reactions. Orders use several currencies. The files also
carry what real delivery brings: re-delivered identical records, duplicate orders (later and
earlier), records delivered days late, naive and non-UTC timestamps, and invalid records that
exercise every quarantine reason of `warehouse.validation`.

Deterministic: the same config (seed and `now` included) writes byte-identical files.
Memory is bounded by one day of records (plus the few held back for late delivery).
"""

import gzip
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import IO

import orjson

from warehouse.validation import KINDS, MAX_LINE_BYTES, parse_timestamp

ACCOUNTS = ("acme", "globex", "initech")
SHOP_NAMES = ("Outdoor", "Fashion", "Home", "Sports", "Books", "Garden", "Beauty", "Toys")
PRODUCTS = (
    "Nike Air Max 90",
    "Adidas Ultraboost 22",
    "Wireless Earbuds X2",
    "Merino Wool Sweater",
    "Yoga Mat Premium",
    "Ceramic Pan Set",
    "Garden Hose 20m",
    "Kids Raincoat",
    "Trail Running Shoes",
    "Insulated Bottle 1L",
    "Linen Bed Sheets",
    "Desk Lamp LED",
)
INTENTS = (
    "Product availability question",
    "Order status",
    "Size advice",
    "Shipping time question",
    "Discount code question",
    "Return request",
)
COMPLAINTS = (
    "Shipping delays",
    "Refund not received",
    "Wrong color",
    "Missing invoice",
    "Damaged package",
)
MISSING_INFORMATION = (
    "Size L availability",
    "Battery life",
    "Material composition",
    "Delivery to Norway",
    "Warranty terms",
)
CURRENCY_SETS = (
    ("EUR",),
    ("EUR", "USD"),
    ("CZK", "EUR"),
    ("PLN",),
    ("GBP", "EUR"),
    ("HUF", "RON"),
    ("SEK", "DKK", "NOK"),
    ("CHF", "EUR"),
)
POPUP_VERSIONS = ("v1", "v2", "v3")
TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class GeneratorConfig:
    seed: int = 1
    days: int = 30
    chatbots: int = 3
    visitors_per_day: int = 200
    now: str | None = None  # ISO timestamp the data ends at; default: this minute
    gzip: bool = False


@dataclass
class _Chatbot:
    index: int
    chatbot_id: str
    currencies: tuple[str, ...]
    popup_versions: tuple[str, ...]
    users: list[str]
    next_event: int = 0
    next_conversation: int = 0
    next_message: int = 0
    next_order: int = 0


class _Writers:
    """The five output files; each record is one JSON line."""

    def __init__(self, out: Path, compress: bool) -> None:
        out.mkdir(parents=True, exist_ok=True)
        suffix = ".jsonl.gz" if compress else ".jsonl"
        self.files: dict[str, IO[bytes]] = {}
        for kind in KINDS:
            path = out / f"{kind}{suffix}"
            # mtime=0 keeps gzip output byte-identical between runs.
            if compress:
                self.files[kind] = gzip.GzipFile(path, "wb", compresslevel=1, mtime=0)
            else:
                self.files[kind] = open(path, "wb")  # noqa: SIM115 - closed in close()
        self.counts = dict.fromkeys(KINDS, 0)

    def write(self, kind: str, line: bytes) -> None:
        self.files[kind].write(line + b"\n")
        self.counts[kind] += 1

    def close(self) -> None:
        for handle in self.files.values():
            handle.close()


def _iso(moment: datetime, style: int = 0) -> str:
    """A timestamp as a shop's tracker might send it: mostly Z, sometimes naive or +01:00."""
    if style == 1:
        return moment.replace(tzinfo=None).isoformat(timespec="seconds")
    if style == 2:
        return moment.astimezone(_CET).isoformat(timespec="seconds")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


_CET = timezone(timedelta(hours=1))


class _Generator:
    def __init__(self, config: GeneratorConfig, writers: _Writers) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.out = writers
        self.now = (
            parse_timestamp(config.now)
            if config.now
            else datetime.now(UTC).replace(second=0, microsecond=0)
        )
        self.day_records: dict[str, list[tuple[datetime, bytes]]] = {kind: [] for kind in KINDS}
        self.late: list[tuple[date, str, datetime, bytes]] = []
        self.corruptions_due = list(CORRUPTIONS)

    # --- output ---------------------------------------------------------------------------

    def emit(self, kind: str, moment: datetime, record: dict) -> None:
        line = orjson.dumps(record)
        rng = self.rng
        if rng.random() < 0.02:  # delivered 1 to 3 days late
            due = moment.date() + timedelta(days=rng.randint(1, 3))
            self.late.append((due, kind, moment, line))
        else:
            self.day_records[kind].append((moment, line))
        if rng.random() < 0.01:  # re-delivered identically
            self.day_records[kind].append((moment + timedelta(seconds=rng.randint(1, 3600)), line))
        if kind in CORRUPTIBLE:
            # Reasons not yet shown come soon (so even a small set exercises every one).
            due = any(corruption[0] == kind for corruption in self.corruptions_due)
            if rng.random() < (0.05 if due else 0.0015):
                self._emit_corrupted(kind, moment, record)

    def _emit_corrupted(self, kind: str, moment: datetime, record: dict) -> None:
        candidates = [c for c in self.corruptions_due if c[0] == kind] or [
            c for c in CORRUPTIONS if c[0] == kind
        ]
        corruption = candidates[self.rng.randrange(len(candidates))]
        if corruption in self.corruptions_due:
            self.corruptions_due.remove(corruption)
        self.day_records[kind].append((moment, corruption[2](dict(record), self.rng)))

    def flush_day(self, day: date) -> None:
        for kind in KINDS:
            due_late = [(m, line) for due, k, m, line in self.late if due == day and k == kind]
            for moment, line in sorted(self.day_records[kind], key=lambda item: item[0]) + due_late:
                # The data set ends at its `now`: what a session still going on then would do
                # next (a visitor event, a reaction, the click-through after the chat) has not
                # happened yet. A record after it would put the data's newest instant
                # (X-Data-As-Of) ahead of the clock, where live traffic could not move it.
                if moment <= self.now:
                    self.out.write(kind, line)
            self.day_records[kind].clear()
        self.late = [entry for entry in self.late if entry[0] != day]

    def flush_all(self) -> None:
        for _, kind, moment, line in sorted(self.late, key=lambda entry: (entry[0], entry[2])):
            if moment <= self.now:
                self.out.write(kind, line)
        self.late.clear()

    # --- the world ------------------------------------------------------------------------

    def chatbots(self) -> list[_Chatbot]:
        rng = self.rng
        bots = []
        for index in range(self.config.chatbots):
            chatbot_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            account = ACCOUNTS[index % len(ACCOUNTS)]
            name = f"{account.title()} {SHOP_NAMES[index % len(SHOP_NAMES)]} bot"
            record = {
                "chatbot_id": chatbot_id,
                "account_id": account,
                "name": name,
                "ab_test_enabled": index % 2 == 0,
            }
            if index % 3 == 0:  # an earlier draft, replaced by the record below
                draft = dict(record, name=name + " (draft)", ab_test_enabled=index % 2 == 1)
                self.out.write("chatbots", orjson.dumps(draft))
            self.out.write("chatbots", orjson.dumps(record))
            versions = POPUP_VERSIONS[: 1 + index % len(POPUP_VERSIONS)]
            bots.append(
                _Chatbot(index, chatbot_id, CURRENCY_SETS[index % len(CURRENCY_SETS)], versions, [])
            )
        self.out.write("chatbots", b'{"chatbot_id": "broken", "account_id": ')
        self.out.write(
            "chatbots",
            orjson.dumps({"chatbot_id": "x-1", "account_id": "acme", "ab_test_enabled": "yes"}),
        )
        return bots

    def token(self, bot: _Chatbot) -> str:
        rng = self.rng
        if bot.users and rng.random() < 0.3:
            return bot.users[rng.randrange(len(bot.users))]
        body = "".join(rng.choices(TOKEN_ALPHABET, k=rng.randint(10, 20)))
        last = rng.choice("01") if rng.random() < 0.8 else rng.choice(TOKEN_ALPHABET)
        token = f"{rng.choice(('user_', 'u_', 'v-', ''))}{body}{last}"
        bot.users.append(token)
        return token

    def event(self, bot: _Chatbot, moment: datetime, name: str, token: str, **data: object) -> None:
        rng = self.rng
        bot.next_event += 1
        record: dict = {}
        if rng.random() > 0.03:
            record["event_id"] = f"e{bot.index}-{bot.next_event:09d}"
        record["created_at"] = _iso(moment, rng.choices((0, 1, 2), (90, 5, 5))[0])
        record["event"] = name
        record["token"] = token
        record["ab_test"] = token[-1] in "01"
        record["data"] = {"chatbot_id": bot.chatbot_id, **data}
        self.emit("events", moment, record)

    def items(self, bot: _Chatbot) -> list[dict]:
        rng = self.rng
        items = []
        for _ in range(rng.choices((1, 2, 3), (70, 20, 10))[0]):
            currency = rng.choice(bot.currencies)
            scale = {
                "CZK": 25,
                "HUF": 390,
                "RON": 5,
                "PLN": 4.3,
                "SEK": 11,
                "DKK": 7.5,
                "NOK": 11.5,
            }.get(currency, 1)
            item: dict = {
                "item_id": f"SKU-{rng.randint(100, 999)}",
                "value": round(rng.uniform(5, 180) * scale, 2),
                "quantity": rng.choices((1, 2, 3), (80, 15, 5))[0],
                "currency": currency,
            }
            roll = rng.random()
            if roll < 0.03:
                item["currency"] = currency.lower()
            elif roll < 0.04:
                item["currency"] = "XYZ"  # well-formed, unknown: value unknown
            elif roll < 0.06:
                item["price"] = item.pop("value")  # the older field name
            elif roll < 0.07:
                del item["value"]  # no value at all: value unknown
            items.append(item)
        return items

    def visit(self, bot: _Chatbot, day_start: datetime, at: datetime | None = None) -> None:
        """A visitor's session on a random second of the day, or starting `at`."""
        rng = self.rng
        token = self.token(bot)
        moment = at or day_start + timedelta(seconds=rng.randint(0, 86_399))
        if moment > self.now:
            return
        url = f"https://shop{bot.index}.example/p/{rng.randint(1, 400)}"
        for _ in range(1 + (rng.random() < 0.3)):
            self.event(bot, moment, "visitor", token, url=url)
            moment += timedelta(seconds=rng.randint(5, 120))
        popup_opened = False
        if rng.random() < 0.75:
            version = self.popup_version(bot)
            self.event(bot, moment, "popup_displayed", token, popup_version=version)
            if rng.random() < 0.25:
                moment += timedelta(seconds=rng.randint(2, 60))
                self.event(bot, moment, "popup_opened", token, popup_version=version)
                popup_opened = True
        chatted = False
        if popup_opened or rng.random() < 0.12:
            moment += timedelta(seconds=rng.randint(1, 30))
            self.event(bot, moment, "bot_open", token)
            if rng.random() < 0.7:
                chatted = True
                moment = self.conversation(bot, token, moment, popup_opened)
        if rng.random() < (0.35 if chatted else 0.12):
            moment += timedelta(seconds=rng.randint(20, 900))
            self.event(bot, moment, "added_to_cart", token, items=self.items(bot))
            if rng.random() < 0.6:
                self.event(bot, moment + timedelta(seconds=30), "go_to_cart", token)
        if rng.random() < (0.16 if chatted else 0.05):
            self.purchase(bot, token, moment + timedelta(seconds=rng.randint(60, 7200)))
        if rng.random() < 0.005:
            self.event(bot, moment, "error", token, message="widget failed to load")

    def popup_version(self, bot: _Chatbot) -> object:
        rng = self.rng
        roll = rng.random()
        if roll < 0.03:
            return None
        if roll < 0.05:
            return "  "
        version = rng.choice(bot.popup_versions)
        return version.upper() if roll < 0.07 else version

    def purchase(self, bot: _Chatbot, token: str, moment: datetime) -> None:
        rng = self.rng
        if moment > self.now:
            return
        bot.next_order += 1
        data: dict = {"items": self.items(bot), "orderNum": f"ORD-{bot.index}-{bot.next_order:07d}"}
        if rng.random() < 0.04:
            del data["orderNum"]  # counted by its event_id
        name = "tracktrans" if rng.random() < 0.02 else "purchase"
        self.event(bot, moment, name, token, **data)
        if "orderNum" in data and rng.random() < 0.03:  # the shop reports the order twice
            shift = timedelta(seconds=rng.randint(-3 * 86_400, 3 * 86_400))
            if moment + shift <= self.now:
                self.event(bot, moment + shift, "purchase", token, **data)

    def conversation(
        self, bot: _Chatbot, token: str, moment: datetime, from_popup: bool
    ) -> datetime:
        rng = self.rng
        bot.next_conversation += 1
        conversation_id = f"c{bot.index}-{bot.next_conversation:07d}"
        roll = rng.random()
        open_way = (
            ("popup" if from_popup else "chat_button")
            if roll < 0.92
            else ("contact_form" if roll < 0.97 else None)
        )
        self.event(
            bot, moment, "convo_started", token, **({"open_way": open_way} if open_way else {})
        )
        record = {
            "conversation_id": conversation_id,
            "chatbot_id": bot.chatbot_id,
            "user_token": token,
            "started_at": _iso(moment),
        }
        if rng.random() < 0.97:  # a few conversations never get their record
            self.emit("conversations", moment, record)
        message_time = moment
        long_chat = rng.random() < 0.05
        for position in range(rng.choices((1, 2, 4, 6, 10, 16), (5, 15, 30, 25, 15, 10))[0]):
            role = (
                "user" if position % 2 == 0 else ("human" if rng.random() < 0.04 else "assistant")
            )
            bot.next_message += 1
            self.emit(
                "messages",
                message_time,
                {
                    "message_id": f"m{bot.index}-{bot.next_message:09d}",
                    "conversation_id": conversation_id,
                    "chatbot_id": bot.chatbot_id,
                    "role": role,
                    "created_at": _iso(message_time),
                },
            )
            if role == "user":
                self.event(
                    bot, message_time, "message_sent", token, conversation_id=conversation_id
                )
            elif rng.random() < 0.15:
                reaction = "message_like" if rng.random() < 0.8 else "message_dislike"
                self.event(
                    bot,
                    message_time + timedelta(seconds=5),
                    reaction,
                    token,
                    conversation_id=conversation_id,
                )
            message_time += timedelta(
                seconds=rng.randint(900, 2400) if long_chat else rng.randint(5, 240)
            )
            if message_time > self.now:
                break
        for _ in range(rng.choices((0, 1, 2), (60, 30, 10))[0]):
            product = rng.randint(1, 400)
            url = f"https://shop{bot.index}.example/p/{product}"
            self.event(
                bot,
                message_time,
                "click_through",
                token,
                url=url if rng.random() > 0.03 else "",
                conversation_id=conversation_id,
            )
        if rng.random() < 0.85:
            self.analysis(bot, conversation_id, message_time)
        return message_time

    def analysis(self, bot: _Chatbot, conversation_id: str, after: datetime) -> None:
        rng = self.rng

        def spelled(text: str) -> object:
            roll = rng.random()
            if roll < 0.05:
                return text.lower()
            if roll < 0.08:
                return f" {text}  "
            if roll < 0.09:
                return 42  # not a string: ignored
            return text

        for attempt in range(1 + (rng.random() < 0.08)):
            analyzed_at = after + timedelta(minutes=rng.randint(2, 60) + 90 * attempt)
            if analyzed_at > self.now:
                return
            record: dict = {
                "conversation_id": conversation_id,
                "chatbot_id": bot.chatbot_id,
                "analyzed_at": _iso(analyzed_at),
                "products": [spelled(p) for p in rng.sample(PRODUCTS, rng.randint(0, 3))],
                "intents": [spelled(i) for i in rng.sample(INTENTS, rng.randint(1, 2))],
                "complaints": [spelled(c) for c in rng.sample(COMPLAINTS, rng.randint(0, 2))],
                "missing_information": rng.sample(MISSING_INFORMATION, rng.randint(0, 1)),
                "mood": rng.choices(("happy", "neutral", "angry", "Happy"), (50, 35, 12, 3))[0],
                "outcome": rng.choices(("success", "neutral", "fail", "unknown"), (55, 25, 17, 3))[
                    0
                ],
                "human_intervention_needed": rng.random() < 0.1,
            }
            if rng.random() < 0.05:
                del record["missing_information"]
            self.emit("analyses", analyzed_at, record)

    def run(self) -> None:
        bots = self.chatbots()
        last_day = self.now.date()
        for offset in range(self.config.days - 1, -1, -1):
            day = last_day - timedelta(days=offset)
            day_start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            for bot in bots:
                spread = max(1, self.config.visitors_per_day // 5)
                for _ in range(
                    max(0, self.config.visitors_per_day + self.rng.randint(-spread, spread))
                ):
                    self.visit(bot, day_start)
            self.flush_day(day)
        self.flush_all()


# --- invalid records: one maker per quarantine reason, (kind, reason, make) ---------------


def _set(path: tuple[str, ...], value: object) -> Callable[[dict, random.Random], bytes]:
    def make(record: dict, rng: random.Random) -> bytes:
        target = record
        for key in path[:-1]:
            target[key] = dict(target[key])
            target = target[key]
        target[path[-1]] = value
        return orjson.dumps(record)

    return make


def _drop(field: str) -> Callable[[dict, random.Random], bytes]:
    def make(record: dict, rng: random.Random) -> bytes:
        record.pop(field, None)
        return orjson.dumps(record)

    return make


def _truncated(record: dict, rng: random.Random) -> bytes:
    line = orjson.dumps(record)
    return line[: len(line) // 2]


def _too_large(record: dict, rng: random.Random) -> bytes:
    record["data"] = dict(record["data"], note="x" * (MAX_LINE_BYTES + 100))
    return orjson.dumps(record)


CORRUPTIONS: list[tuple[str, str, Callable[[dict, random.Random], bytes]]] = [
    ("events", "malformed_json", _truncated),
    ("events", "not_an_object", lambda record, rng: b'["not", "an", "object"]'),
    ("events", "record_too_large", _too_large),
    ("events", "nul_character", _set(("token",), "user_\u0000abcdefgh")),
    ("events", "missing_field", _drop("created_at")),
    ("events", "invalid_timestamp", _set(("created_at",), "yesterday")),
    ("events", "unknown_event_type", _set(("event",), "page_view")),
    ("events", "invalid_token", _set(("token",), "bad token!")),
    ("events", "invalid_data", _set(("data",), "not-an-object")),
    ("events", "invalid_chatbot_id", _set(("data", "chatbot_id"), "   ")),
    ("events", "invalid_event_id", _set(("event_id",), "e" * 200)),
    ("events", "invalid_order_num", _set(("data", "orderNum"), 12.5)),
    ("events", "invalid_items", _set(("data", "items"), "SKU-1")),
    ("events", "invalid_item_value", _set(("data", "items"), [{"value": -3}])),
    ("events", "invalid_item_quantity", _set(("data", "items"), [{"value": 3, "quantity": 0}])),
    (
        "events",
        "invalid_item_currency",
        _set(("data", "items"), [{"value": 3, "currency": "EURO"}]),
    ),
    ("events", "invalid_item_id", _set(("data", "items"), [{"value": 3, "item_id": "x" * 200}])),
    ("events", "invalid_url", _set(("data", "url"), "https://shop.example/" + "p" * 2100)),
    ("messages", "invalid_role", _set(("role",), "system")),
    ("messages", "missing_field", _drop("message_id")),
    ("messages", "malformed_json", _truncated),
    ("conversations", "missing_field", _drop("user_token")),
    ("conversations", "invalid_field", _set(("conversation_id",), "")),
    ("analyses", "invalid_timestamp", _set(("analyzed_at",), "2026-13-45T99:00:00Z")),
    ("analyses", "invalid_chatbot_id", _drop("chatbot_id")),
]
CORRUPTIBLE = frozenset(kind for kind, _, _ in CORRUPTIONS)


def generate(out: Path, config: GeneratorConfig) -> dict[str, int]:
    """Write the five files into `out`; returns the number of lines written per kind."""
    writers = _Writers(out, config.gzip)
    try:
        _Generator(config, writers).run()
    finally:
        writers.close()
    return writers.counts


class _Memory:
    """A sink that keeps nothing (the chatbots of a live stream are written by `generate`)."""

    def write(self, kind: str, line: bytes) -> None:
        pass


def live_visits(config: GeneratorConfig) -> Iterator[list[tuple[str, datetime, bytes]]]:
    """Endless visits of the chatbots `generate` makes with the same config, one session at a
    time starting now: each as its records (kind, when it happens, line), in time order. For
    the demo's live traffic (collector/simulate.py); the rules' corruptions and re-deliveries
    happen here too, late deliveries do not."""
    generator = _Generator(config, _Memory())
    generator.now = datetime.max.replace(tzinfo=UTC)  # every moment is allowed to happen
    bots = generator.chatbots()
    # New ids (events, orders, conversations, messages) and new sessions on every start: the
    # counters go on from this millisecond, not from the history's first ids.
    generator.rng.seed(time.time_ns())
    first_id = time.time_ns() // 1_000_000
    for bot in bots:
        bot.next_event = bot.next_conversation = bot.next_message = bot.next_order = first_id
    while True:
        bot = bots[generator.rng.randrange(len(bots))]
        now = datetime.now(UTC)
        generator.visit(bot, now, at=now)
        records = [
            (kind, moment, line) for kind in KINDS for moment, line in generator.day_records[kind]
        ]
        records += [(kind, moment, line) for _, kind, moment, line in generator.late]
        for kind in KINDS:
            generator.day_records[kind].clear()
        generator.late.clear()
        yield sorted(records, key=lambda record: record[1])
