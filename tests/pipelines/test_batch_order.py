"""The pipeline's central promise: whatever the batching and order of the loads, with refreshes
in between, every mart ends equal to one load of everything followed by one refresh."""

import os
import random
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pipelines.refresh import refresh
from pipelines.registry import MART_TABLES
from tests.conftest import create_database, drop_database
from warehouse.commands import load_files
from warehouse.generate import GeneratorConfig, generate
from warehouse.validation import KINDS

# Columns that record which load brought a row: they differ between batchings by design.
LOAD_COLUMNS = {"load_id", "line_number", "record_load_id", "record_line_number"}
# Later records replace earlier ones: their relative order is the data, not the delivery.
ORDERED_KINDS = {"chatbots", "conversations", "analyses"}
EXAMPLES = int(os.environ.get("BATCH_ORDER_EXAMPLES", "4"))


@pytest.fixture(scope="module")
def data_set(tmp_path_factory) -> dict[str, list[str]]:
    out = tmp_path_factory.mktemp("generated")
    config = GeneratorConfig(
        seed=11, days=5, chatbots=2, visitors_per_day=30, now="2026-03-01T12:00:00Z"
    )
    generate(out, config)
    return {kind: (out / f"{kind}.jsonl").read_text().splitlines() for kind in KINDS}


def load_and_refresh(url: str, folder: Path, batch: dict[str, list[str]], kinds: list[str]):
    folder.mkdir(parents=True)
    for kind in kinds:
        path = folder / f"{kind}.jsonl"
        path.write_text("".join(line + "\n" for line in batch[kind]))
        _, errors = load_files(url, kind, [path])
        assert not errors
    report = refresh(url, echo=lambda line: None)
    assert report.ok, report.failed


def snapshot(url: str) -> dict[str, list[tuple]]:
    marts = {}
    with psycopg.connect(url) as conn:
        for table in MART_TABLES:
            columns = [
                row[0]
                for row in conn.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'marts' and table_name = %s order by ordinal_position",
                    (table,),
                )
                if row[0] not in LOAD_COLUMNS
            ]
            listed = ", ".join(columns)
            marts[table] = conn.execute(
                f"select {listed} from marts.{table} order by {listed}"  # noqa: S608 - catalog names
            ).fetchall()
    return marts


@pytest.fixture(scope="module")
def one_load(data_set, server_url, template_db, tmp_path_factory) -> dict[str, list[tuple]]:
    url = create_database(server_url, template_db)
    try:
        load_and_refresh(url, tmp_path_factory.mktemp("one") / "all", data_set, list(KINDS))
        return snapshot(url)
    finally:
        drop_database(server_url, url)


def split(rng: random.Random, lines: list[str], batches: int, keep_order: bool) -> list[list[str]]:
    if keep_order:
        cuts = sorted(rng.randint(0, len(lines)) for _ in range(batches - 1))
        bounds = [0, *cuts, len(lines)]
        return [lines[bounds[i] : bounds[i + 1]] for i in range(batches)]
    parts: list[list[str]] = [[] for _ in range(batches)]
    for line in rng.sample(lines, len(lines)):
        parts[rng.randrange(batches)].append(line)
    return parts


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a seed does not shrink usefully
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**32 - 1), batches=st.integers(2, 4))
def test_any_batching_gives_the_marts_of_one_load(
    seed, batches, data_set, one_load, server_url, template_db, tmp_path_factory
):
    rng = random.Random(seed)
    parts = {
        kind: split(rng, lines, batches, keep_order=kind in ORDERED_KINDS)
        for kind, lines in data_set.items()
    }
    url = create_database(server_url, template_db)
    folder = tmp_path_factory.mktemp("batches")
    try:
        for number in range(batches):
            kinds = rng.sample(list(KINDS), len(KINDS))
            batch = {kind: parts[kind][number] for kind in KINDS}
            load_and_refresh(url, folder / str(number), batch, kinds)
        assert snapshot(url) == one_load
    finally:
        drop_database(server_url, url)
