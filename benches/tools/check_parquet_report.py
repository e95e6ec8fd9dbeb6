"""Independent check of `cbstats report --parquet` on a dataset too large to
load from JSON in memory: DuckDB recomputes the outcomes and phase timing
sections from the same Parquet files (ANALYTICS.md definitions, written
here in SQL, not with the crate's code) and every value is compared.

    cbstats report --parquet DIR --section outcomes --section phase-timing \
        --format json > report.json
    python check_parquet_report.py DIR report.json

Needs `duckdb` (benches/peers/run.sh installs it into its own virtual
environment). Exits 1 and prints the first differences when any value
differs by more than 1e-9 (relative); prints what it compared otherwise.
"""
import json
import math
import os
import sys

import duckdb

STATUSES = ["SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED", "IN_PROGRESS"]
COMPLETED = ["SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED"]


def files(root, frame):
    single = os.path.join(root, f"{frame}.parquet")
    if os.path.exists(single):
        return f"'{single}'"
    return f"'{os.path.join(root, frame)}/**/*.parquet'"


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def compare(name, ours, theirs, keys, errors):
    """ours/theirs: lists of dicts; rows matched on `keys`."""
    index = {tuple(r[k] for k in keys): r for r in theirs}
    if len(ours) != len(theirs):
        errors.append(f"{name}: {len(ours)} rows, DuckDB {len(theirs)}")
    values = 0
    for row in ours:
        key = tuple(row[k] for k in keys)
        other = index.get(key)
        if other is None:
            errors.append(f"{name}: row {key} not in DuckDB's result")
            continue
        for col, v in other.items():
            values += 1
            if not close(row.get(col), v):
                errors.append(f"{name} {key} {col}: cbstats {row.get(col)!r}, DuckDB {v!r}")
    return values


def main(root, report_path):
    report = json.load(open(report_path))
    errors = []
    con = duckdb.connect()

    def rows(sql):
        result = con.execute(sql)
        names = [d[0] for d in result.description]
        return [dict(zip(names, r)) for r in result.fetchall()]

    # Builds: one row per build (the export has no duplicates); the month
    # partition column is not a build column.
    con.execute(
        f"""CREATE TEMP TABLE b AS SELECT id, projectName, buildStatus,
            durationSeconds, overheadSeconds
            FROM read_parquet({files(root, 'builds')}, hive_partitioning = false)"""
    )
    con.execute(
        f"""CREATE TEMP TABLE p AS SELECT buildId, phaseType, durationSeconds
            FROM read_parquet({files(root, 'phases')}, hive_partitioning = false)"""
    )
    counts = ", ".join(
        f"count(*) FILTER (buildStatus = '{s}') AS \"{s}\"" for s in STATUSES
    )
    completed = ", ".join(f"'{s}'" for s in COMPLETED)
    q = lambda col, p, cond="true": (
        f"quantile_cont({col}, {p}) FILTER (buildStatus IN ({completed}) AND {cond})"
    )
    outcomes = rows(
        f"""SELECT projectName, count(*) AS builds, {counts},
               count(*) FILTER (buildStatus IS NULL) AS "(none)",
               count(*) FILTER (buildStatus IN ({completed})) AS completed,
               "SUCCEEDED" / nullif(completed - "STOPPED", 0) AS successRate,
               {q('durationSeconds', 0.5)} AS durationP50,
               {q('durationSeconds', 0.95)} AS durationP95,
               {q('durationSeconds', 0.5, "buildStatus = 'SUCCEEDED'")} AS succeededDurationP50,
               {q('durationSeconds', 0.95, "buildStatus = 'SUCCEEDED'")} AS succeededDurationP95,
               quantile_cont(overheadSeconds, 0.5) AS overheadP50,
               quantile_cont(overheadSeconds, 0.95) AS overheadP95
           FROM b GROUP BY projectName"""
    )
    timing = rows(
        """SELECT b.projectName, p.phaseType,
               count(p.durationSeconds) AS count,
               avg(p.durationSeconds) AS mean,
               quantile_cont(p.durationSeconds, 0.5) AS p50,
               quantile_cont(p.durationSeconds, 0.9) AS p90,
               quantile_cont(p.durationSeconds, 0.95) AS p95,
               quantile_cont(p.durationSeconds, 0.99) AS p99,
               max(p.durationSeconds) AS max,
               coalesce(sum(p.durationSeconds), 0) AS totalSeconds
           FROM p JOIN b ON p.buildId = b.id
           GROUP BY ALL"""
    )
    n_builds, n_phases = con.execute(
        "SELECT (SELECT count(*) FROM b), (SELECT count(*) FROM p)"
    ).fetchone()

    # cbstats' outcomes has one more row, the overall one (`(all)`).
    ours = [r for r in report["outcomes"] if r["projectName"] != "(all)"]
    if len(ours) + 1 != len(report["outcomes"]):
        errors.append("outcomes: expected exactly one overall row")
    n1 = compare("outcomes", ours, outcomes, ["projectName"], errors)
    n2 = compare("phase timing", report["phase timing"], timing, ["projectName", "phaseType"], errors)
    if errors:
        print(f"{len(errors)} difference(s); the first ones:")
        for e in errors[:20]:
            print("  " + e)
        sys.exit(1)
    print(
        f"same: {n1} outcomes values ({len(ours)} projects) and {n2} phase timing values "
        f"({len(report['phase timing'])} project x phase rows) over {n_builds} builds "
        f"and {n_phases} phases"
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
