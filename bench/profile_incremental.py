"""Where an incremental refresh's time goes, statement by statement:
`python -m bench.profile_incremental --scale medium [--group purchases] [--explain]`.

Keeps a database `bench_kept_<scale>` on the server (DATABASE_URL, or the embedded PostgreSQL):
the scale's history loaded and fully refreshed, then its last day loaded and not merged. It is
built on first use (at medium about 5 minutes) and kept until `--drop`. Each run merges the last
day into the chosen merged groups the way `analytics refresh` does (the transforms of
warehouse/transforms.py), prints each statement's duration, and rolls everything back, so that
the same batch can be timed again after a change. `--explain` runs the data-changing statements
under EXPLAIN (ANALYZE, BUFFERS) and prints the plans of those slower than `--threshold` ms.

A tool for finding what to change; the figures of record come from `python -m bench`.
"""

import argparse
import sys
import time

import psycopg
from psycopg import sql

from bench.__main__ import SCALES, data_folder
from bench.common import measured
from bench.refresh import load_folder
from pipelines.registry import MERGED, waits_for
from warehouse.connection import warehouse_url, with_database
from warehouse.migrate import upgrade

_EXPLAINABLE = ("insert", "delete", "update", "merge", "create temp table")


def _first_line(text: str) -> str:
    code = [line.strip() for line in text.splitlines() if line.strip()]
    code = [line for line in code if not line.startswith("--")]
    return " ".join(code)[:110]


class TimedCursor(psycopg.Cursor):
    """A cursor that reports each statement's duration (and with `explain`, its plan)."""

    explain = False
    threshold_ms = 100.0

    def execute(self, query, params=None, **kwargs):
        text = query if isinstance(query, str) else query.as_string(self.connection)
        lowered = _first_line(text).lower()
        explained = self.explain and (
            (lowered.startswith(_EXPLAINABLE) and "(like" not in lowered)
            or (lowered.startswith("with") and "merge into" in text.lower())
        )
        if explained:
            query = "explain (analyze, buffers) " + text
        started = time.perf_counter()
        result = super().execute(query, params, **kwargs)
        milliseconds = 1000 * (time.perf_counter() - started)
        print(f"{milliseconds:9.1f} ms  {_first_line(text)}", flush=True)
        if explained and milliseconds >= self.threshold_ms:
            for (line,) in self.fetchall():
                print(f"             {line}")
        return result


def kept_database(server: str, scale: str) -> str:
    """The kept database of the scale, built when missing."""
    name = f"bench_kept_{scale}"
    url = with_database(server, name)
    with psycopg.connect(with_database(server, "postgres"), autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if exists:
            upgrade(url)  # the migrations of the code being profiled
            return url
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    history, last_day = data_folder(scale, SCALES[scale])
    upgrade(url)
    print(f"building {name}: load, full refresh, load of the last day ...", flush=True)
    print(f"  load {load_folder(url, history):.1f} s", flush=True)
    print(f"  full refresh {measured(url, 'refresh')[0]:.1f} s", flush=True)
    print(f"  load of the last day {load_folder(url, last_day):.1f} s", flush=True)
    return url


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_incremental")
    parser.add_argument("--scale", choices=SCALES, default="medium")
    parser.add_argument("--group", action="append", help="a merged group (default: all)")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--threshold", type=float, default=100.0, help="ms (with --explain)")
    parser.add_argument(
        "--checkpoint",
        action="store_true",
        help="CHECKPOINT before each group, so that its first write of a page logs the whole page",
    )
    parser.add_argument("--drop", action="store_true", help="drop the kept database")
    args = parser.parse_args()
    with warehouse_url() as server:
        if args.drop:
            with psycopg.connect(with_database(server, "postgres"), autocommit=True) as conn:
                conn.execute(
                    sql.SQL("drop database if exists {} with (force)").format(
                        sql.Identifier(f"bench_kept_{args.scale}")
                    )
                )
            return 0
        url = kept_database(server, args.scale)
        TimedCursor.explain = args.explain
        TimedCursor.threshold_ms = args.threshold
        groups = [g for g in MERGED if not args.group or g.name in args.group]
        with psycopg.connect(url, cursor_factory=TimedCursor) as conn:
            for group in groups:
                print(f"--- {group.name}", flush=True)
                if args.checkpoint:
                    conn.execute("checkpoint")
                    conn.commit()
                wal_before = conn.execute("select pg_current_wal_lsn()").fetchone()[0]
                conn.commit()
                started = time.perf_counter()
                with conn.transaction(force_rollback=True):
                    changed = group.refresh(conn, group, bounded_by=waits_for(group))
                seconds = time.perf_counter() - started
                (wal,) = conn.execute(
                    "select pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", (wal_before,)
                ).fetchone()
                conn.commit()
                print(
                    f"--- {group.name}: {seconds:.2f} s, WAL {float(wal) / 1e6:.1f} MB, "
                    f"changed {changed} (rolled back)"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
