"""What the Dagster UI shows of a mart after a step: its table, columns and row count, the
count taken from the statistics once a mart is large (never a count that grows with history)."""

from dagster import AssetKey, DagsterInstance

from pipelines.metadata import EXACT_COUNT_BELOW, rows_of
from tests.pipelines.conftest import at, ev


def test_a_step_records_the_marts_table_columns_and_row_count(pipeline):
    pipeline.load(
        "events",
        [
            ev("visitor", "user_aaaa0", at(0)),
            ev("visitor", "user_bbbb1", at(0)),
            ev("purchase", "user_aaaa0", at(0, 13), "e-1", orderNum="o-1"),
        ],
    )
    pipeline.refresh()
    instance = DagsterInstance.get()
    metadata = instance.get_latest_materialization_event(
        AssetKey("users")
    ).asset_materialization.metadata
    assert metadata["dagster/table_name"].value == "marts.users"
    assert metadata["dagster/row_count"].value == 2
    columns = {column.name for column in metadata["dagster/column_schema"].value.columns}
    assert {"chatbot_id", "token", "first_chat_at"} <= columns


def test_rows_changed_counts_the_rows_written_to_the_mart_not_working_tables(pipeline):
    # Three visitors on two dates: marts.visitor_days gets two rows. The span's working tables
    # (its dates, its visitors) hold rows too and are not the mart's.
    pipeline.load(
        "events",
        [
            ev("visitor", "user_aaaa0", at(0)),
            ev("visitor", "user_bbbb1", at(1)),
            ev("visitor", "user_cccc2", at(1)),
        ],
    )
    pipeline.refresh()
    metadata = (
        DagsterInstance.get()
        .get_latest_materialization_event(AssetKey("visitor_days"))
        .asset_materialization.metadata
    )
    assert metadata["rows_changed"].value == 2


def test_a_large_mart_is_counted_by_the_statistics_and_they_are_exact(conn):
    rows = EXACT_COUNT_BELOW + 500
    conn.execute(
        "insert into marts.users (chatbot_id, token) "
        "select 'bot-1', 'user_' || n from generate_series(1, %s) as n",
        (rows,),
    )
    assert rows_of(conn, "users") == rows
    conn.execute("delete from marts.users where token like 'user_1%%'")
    remaining = conn.execute("select count(*) from marts.users").fetchone()[0]
    assert rows_of(conn, "users") == remaining  # deletes kept too


def test_a_small_mart_is_counted(conn):
    conn.execute("insert into marts.users (chatbot_id, token) values ('bot-1', 'user_abcdefgh')")
    assert rows_of(conn, "users") == 1
