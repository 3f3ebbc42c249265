"""The raw tables: the sources of every mart. Written by `analytics load` outside Dagster, and by
the `ingest_landing` step, which loads the files waiting in the landing folder
(warehouse/landing.py): the sensor `landing_files` starts it, `analytics ingest` runs it once.

An ingest records a materialization of a raw asset only when it loaded a file of its kind, with
that run's counts (lines, loaded, duplicates, quarantined by reason) and the files' names. A
file that could not be read is set aside; the WARN check `landing_files_readable` of its kind
names it with the reason.
"""

from collections import Counter

import psycopg
from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from pipelines.assets.marts import KINDS
from pipelines.metadata import column_schema
from pipelines.registry import OWNER, SOURCE_KINDS
from pipelines.resources import Warehouse
from warehouse.landing import Ingested, ingest, landing_dir

DESCRIPTIONS = {
    "events": "raw.events: one row per tracking event.",
    "messages": "raw.messages: one row per chat message.",
    "conversations": "raw.conversations: one row per distinct version of a conversation record.",
    "analyses": "raw.analyses: one row per distinct conversation analysis record.",
    "chatbots": "raw.chatbots: one row per distinct version of a chatbot record.",
}
# The raw asset of each kind of input file.
KIND_ASSETS = {kind: asset for asset, kind in SOURCE_KINDS.items() if kind in DESCRIPTIONS}
ASSET_KINDS = {asset: kind for kind, asset in KIND_ASSETS.items()}
READABLE_CHECK = "landing_files_readable"
FILES = "files"  # the check's metadata: what became of each file of the run

currency_rates = AssetSpec(
    "currency_rates",
    group_name="raw",
    description="reference.currency_rates: one row per currency, edited by operators.",
    kinds=KINDS,
    owners=[OWNER],
    metadata={"dagster/table_name": "reference.currency_rates"},
)


def _spec(kind: str) -> AssetSpec:
    return AssetSpec(
        KIND_ASSETS[kind],
        group_name="raw",
        description=DESCRIPTIONS[kind],
        kinds=KINDS,
        owners=[OWNER],
        skippable=True,
        metadata={"dagster/table_name": f"raw.{kind}"},
    )


def _check_spec(kind: str) -> AssetCheckSpec:
    return AssetCheckSpec(
        READABLE_CHECK,
        asset=KIND_ASSETS[kind],
        description=(
            f"Every file the ingest found in landing/{kind}/ could be read; one that could not "
            "is moved to rejected/ with a .reason.txt beside it and named here. Warns only: "
            "nothing of that file was loaded, and every other file was."
        ),
    )


def outcome(ingested: Ingested) -> str:
    """What became of a landing file, as the run's log and `analytics ingest` tell it."""
    if ingested.rejected:
        return f"set aside in rejected/: {ingested.rejected}"
    if ingested.seen_before:
        return "its bytes were loaded before; moved to loaded/"
    summary = ingested.summary
    line = (
        f"{summary.lines_read:,} lines, {summary.loaded:,} loaded, "
        f"{summary.duplicates:,} duplicates, {summary.quarantined_total:,} quarantined"
    )
    if summary.quarantined:
        line += " (" + ", ".join(f"{r} {n:,}" for r, n in summary.quarantined.most_common()) + ")"
    return line


def _materialization(conn: psycopg.Connection, kind: str, files: list[Ingested]) -> dict:
    loads = [ingested.summary for ingested in files if ingested.summary]
    reasons = Counter()
    for summary in loads:
        reasons.update(summary.quarantined)
    rows = conn.execute(
        "select reltuples::bigint from pg_class where oid = %s::regclass", (f"raw.{kind}",)
    ).fetchone()[0]
    return {
        FILES: MetadataValue.json([i.name for i in files if i.summary]),
        "load_ids": MetadataValue.json([summary.load_id for summary in loads]),
        "lines_read": sum(summary.lines_read for summary in loads),
        "loaded": sum(summary.loaded for summary in loads),
        "duplicates": sum(summary.duplicates for summary in loads),
        "quarantined": sum(reasons.values()),
        "quarantined_by_reason": MetadataValue.json(dict(reasons.most_common())),
        "dagster/table_name": f"raw.{kind}",
        "dagster/row_count": max(rows, 0),  # the statistics' count, kept by the loader's VACUUM
        "dagster/column_schema": column_schema(conn, f"raw.{kind}"),
    }


@multi_asset(
    name="ingest_landing",
    specs=[_spec(kind) for kind in KIND_ASSETS],
    check_specs=[_check_spec(kind) for kind in KIND_ASSETS],
    can_subset=True,
)
def ingest_landing(context: AssetExecutionContext, warehouse: Warehouse):
    """Load the complete files waiting in the landing folder, each once (warehouse/landing.py)."""
    selected = context.selected_asset_keys
    kinds = [kind for kind, asset in KIND_ASSETS.items() if AssetKey(asset) in selected]
    with warehouse.connect() as conn:
        done = ingest(conn, landing_dir(), kinds, on_file=_log(context))
        for kind in kinds:
            files = [ingested for ingested in done if ingested.kind == kind]
            if any(ingested.summary for ingested in files):
                yield MaterializeResult(
                    asset_key=KIND_ASSETS[kind], metadata=_materialization(conn, kind, files)
                )
            check = AssetCheckKey(AssetKey(KIND_ASSETS[kind]), READABLE_CHECK)
            if check not in context.selected_asset_check_keys:
                continue
            yield AssetCheckResult(
                asset_key=KIND_ASSETS[kind],
                check_name=READABLE_CHECK,
                passed=not any(ingested.rejected for ingested in files),
                severity=AssetCheckSeverity.WARN,
                metadata={
                    FILES: MetadataValue.json({i.name: outcome(i) for i in files}),
                    "rejected_files": MetadataValue.json(
                        {i.name: i.rejected for i in files if i.rejected}
                    ),
                },
            )


def _log(context: AssetExecutionContext):
    def log(ingested: Ingested) -> None:
        line = f"landing/{ingested.kind}/{ingested.name}: {outcome(ingested)}"
        (context.log.warning if ingested.rejected else context.log.info)(line)

    return log


RAW_ASSETS = [ingest_landing, currency_rates]
