"""Ranked item lists of the insights report (SPEC 4): grouping by folded text, spelling votes,
count, links, order and limit."""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_RANKED_ITEMS = 10


@dataclass(frozen=True)
class RankedItem:
    item: str
    count: int
    conversations: list[str]


def spelling(text: str) -> str:
    """Trimmed, whitespace collapsed to single spaces, letter case kept."""
    return " ".join(text.split())


def rank_mentions(
    mentions: Iterable[tuple[str, Iterable[str]]], order: Sequence[str], link
) -> list[RankedItem]:
    """`mentions`: (conversation id, its entries). Entries group by their case-folded spelling;
    each conversation votes once for each distinct spelling it uses; the most voted spelling
    names the group (ties: the smallest)."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    naming: dict[str, set[str]] = defaultdict(set)
    for conversation_id, entries in mentions:
        for written in {spelling(entry) for entry in entries} - {""}:
            key = written.casefold()
            votes[key][written] += 1
            naming[key].add(conversation_id)
    groups = {
        min(spellings, key=lambda written: (-spellings[written], written)): naming[key]
        for key, spellings in votes.items()
    }
    return _top(((item, len(ids), ids) for item, ids in groups.items()), order, link)


def rank_clicks(
    clicks: Iterable[tuple[str, str, int]], order: Sequence[str], link
) -> list[RankedItem]:
    """`clicks`: (conversation id, url as given, clicks). Grouped by the trimmed url; empty urls
    are not ranked; count = clicks."""
    counts: Counter[str] = Counter()
    naming: dict[str, set[str]] = defaultdict(set)
    for conversation_id, url, count in clicks:
        item = url.strip()
        if item:
            counts[item] += count
            naming[item].add(conversation_id)
    return _top(((item, counts[item], ids) for item, ids in naming.items()), order, link)


def _top(groups, order: Sequence[str], link) -> list[RankedItem]:
    """Sorted by count descending, then item; at most 10; links newest conversation first
    (`order` lists the report's conversations in that order)."""
    position = {conversation_id: index for index, conversation_id in enumerate(order)}
    ranked = sorted(groups, key=lambda group: (-group[1], group[0]))[:MAX_RANKED_ITEMS]
    return [
        RankedItem(item, count, [link(cid) for cid in sorted(ids, key=position.__getitem__)])
        for item, count, ids in ranked
    ]
