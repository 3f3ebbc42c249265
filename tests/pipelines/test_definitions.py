"""The Dagster definitions: they load, they match the warehouse (the registry), they use no
framework internals, and their automation asks for the right runs."""

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
from dagster import (
    AssetKey,
    Definitions,
    MonthlyPartitionsDefinition,
    RunRequest,
    SkipReason,
    build_sensor_context,
)

from pipelines.checks import CHECKS
from pipelines.definitions import defs
from pipelines.partitions import PARTITION_RANGE_END, PARTITION_RANGE_START, STALE_DAYS_TAG
from pipelines.registry import GROUPS, MART_TABLES, VIEWS, markdown_table
from pipelines.resources import Warehouse
from pipelines.sensors import stale_marts
from tests.faults import COUNT_ORDERS_LATE
from tests.pipelines.conftest import ev, msg

REPO = Path(__file__).resolve().parents[2]


def test_the_definitions_load_with_groups_jobs_schedules_sensors_and_checks():
    Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups == {"raw", "accounts", "purchases", "conversations", "daily_facts"}
    assert [schedule.name for schedule in defs.schedules] == ["behind_raw_checks"]
    assert [sensor.name for sensor in defs.sensors] == ["landing_files", "stale_marts"]
    check_names = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    assert {("orders", "orders_counted_once"), ("orders", "orders_with_unknown_value")} <= (
        check_names
    )
    assert {(table, "behind_raw") for table in MART_TABLES} <= check_names
    assert isinstance(graph.get(AssetKey("popup_days")).partitions_def, MonthlyPartitionsDefinition)
    for table in MART_TABLES:
        node = graph.get(AssetKey(table))
        assert node.owners == ["team:analytics"], table
        assert node.metadata["dagster/table_name"] == f"marts.{table}"


def test_the_code_location_of_workspace_yaml_loads_as_the_ui_loads_it(tmp_path):
    # One Definitions object at the module's scope, as Dagster requires of a code location.
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate"]
        + ["-w", str(REPO / "workspace.yaml")],
        cwd=REPO,
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Validation successful for code location pipelines.definitions" in (
        result.stdout + result.stderr
    )


def test_every_table_and_view_of_marts_is_in_the_registry_with_its_key(conn):
    catalog = conn.execute(
        "select c.relname, c.relkind, ("
        "  select array_agg(a.attname::text order by k.ordinality)"
        "  from pg_index as i, unnest(i.indkey) with ordinality as k (attnum, ordinality)"
        "  join pg_attribute as a on a.attrelid = c.oid and a.attnum = k.attnum"
        "  where i.indrelid = c.oid and i.indisprimary"
        ") from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
        "where n.nspname = 'marts' and c.relkind in ('r', 'v', 'm', 'p')"
    ).fetchall()
    tables = {name: tuple(key or ()) for name, kind, key in catalog if kind != "v"}
    views = {name for name, kind, _ in catalog if kind == "v"}
    declared = {mart.table: mart.key for group in GROUPS for mart in group.marts}
    assert tables == declared
    assert views == {view.name for view in VIEWS}


def test_every_mart_sql_file_is_run_by_a_group():
    files = {path.stem for path in (REPO / "warehouse" / "sql" / "marts").glob("*.sql")}
    used = {name for group in GROUPS for name in group.sql}
    assert used <= files
    assert files - used == {"stale_days"}  # the staleness query, not a transform


def test_the_docs_mart_table_is_the_registry():
    assert markdown_table() in (REPO / "docs" / "warehouse.md").read_text()


def test_no_framework_internals_or_undocumented_switches_in_the_project():
    sources = [
        path
        for folder in ("analytics", "pipelines", "warehouse", "serving", "bench", "tests")
        for path in (REPO / folder).rglob("*.py")
    ]
    internal = re.compile(r"^\s*(from|import)\s+dagster[a-z_]*\._", re.MULTILINE)
    offenders = [str(path) for path in sources if internal.search(path.read_text())]
    assert offenders == []
    switch = re.compile(r"DAGSTER_(EMIT|EVENT_BATCH)[A-Z_]*")
    texts = [*sources, *(REPO / "docs").rglob("*.md"), *(REPO / "docs").rglob("*.yaml")]
    texts.append(REPO / "README.md")
    assert [str(path) for path in texts if switch.search(path.read_text())] == []


def test_the_sensor_asks_for_the_stale_groups_and_months_and_nothing_once_refreshed(pipeline):
    resources = {"warehouse": Warehouse(database_url=pipeline.url)}
    pipeline.refresh()  # every partition day built once, empty
    with build_sensor_context(resources=resources) as context:
        assert isinstance(stale_marts(context), SkipReason)
    pipeline.load("events", [ev("popup_displayed", "user_aaaa0", "2026-01-05T10:00:00Z")])
    pipeline.load("events", [ev("popup_displayed", "user_aaaa0", "2026-03-09T10:00:00Z")])
    with build_sensor_context(resources=resources) as context:
        request = stale_marts(context)
    assert isinstance(request, RunRequest)
    assert request.tags[PARTITION_RANGE_START] == "2026-01-01"
    assert request.tags[PARTITION_RANGE_END] == "2026-03-01"
    assert request.tags[STALE_DAYS_TAG] == "stale_days"
    selected = {key.to_user_string() for key in request.asset_selection}
    # Events only: the event marts and the freshness, not the message or conversation marts.
    assert {"orders", "users", "popup_days", "convo_start_days", "chatbot_freshness"} <= selected
    assert not selected & {"conversations", "message_days", "conversation_analyses"}
    # The checks of the selected marts' own steps; behind_raw waits for every mart and runs on
    # its schedule.
    checks = {(key.asset_key.to_user_string(), key.name) for key in request.asset_check_keys}
    assert ("orders", "orders_counted_once") in checks
    assert ("chatbot_freshness", "last_load_quarantine_share") in checks
    assert {name for _, name in checks} == set(CHECKS)
    assert set(request.asset_check_keys) <= set(defs.resolve_asset_graph().asset_check_keys)
    pipeline.refresh()
    with build_sensor_context(resources=resources) as context:
        assert isinstance(stale_marts(context), SkipReason)


def test_a_failing_blocking_check_stops_the_downstream_freshness_in_the_same_run(pipeline):
    pipeline.load("events", [ev("purchase", "user_aaaa0", "2026-01-05T10:00:00Z", "e-1")])
    pipeline.refresh()
    # A faulty orders transform from now on: the new purchase is counted a day late, and
    # orders_counted_once fails.
    pipeline.execute(COUNT_ORDERS_LATE)
    pipeline.load("messages", [msg("m1", "c1", "2026-01-07T10:00:00Z")])
    pipeline.load(
        "events",
        [
            ev("visitor", "user_bbbb1", "2026-01-08T10:00:00Z"),
            ev("purchase", "user_bbbb1", "2026-01-08T10:05:00Z", "e-2"),
        ],
    )
    from pipelines.refresh import refresh

    lines = []
    report = refresh(pipeline.url, echo=lines.append)
    assert not report.ok
    assert any("orders:orders_counted_once did not pass (ERROR" in line for line in lines)
    # The purchase marts committed (the check reads what they hold), the freshness did not move.
    assert pipeline.rows("select count(*) from marts.users") == [(2,)]
    assert pipeline.rows("select newest_record_at::date::text from marts.chatbot_freshness") == [
        ("2026-01-05",)
    ]
    with psycopg.connect(pipeline.url) as conn:
        assert conn.execute("select count(*) from marts.conversations").fetchone() == (1,)
