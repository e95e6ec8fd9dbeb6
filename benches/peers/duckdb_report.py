"""DuckDB peer: read_json over the files, unnest of builds and phases,
quantile_cont p50/p90/p95 per project x phase, success rate per project
(ANALYTICS.md definitions). Prints one JSON line."""
import json
import os
import sys
import time

import duckdb


def main(root, threads):
    t0 = time.perf_counter()
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads TO {int(threads)}")
    pattern = os.path.join(root, "*", "*.json")
    # One record per build id: a complete record wins, else the first file.
    con.execute(
        f"""
        CREATE TEMP TABLE builds AS
        SELECT b.* FROM (
            SELECT unnest(builds) AS b, filename
            FROM read_json('{pattern}', filename = true, sample_size = -1,
                           maximum_object_size = 268435456)
        )
        QUALIFY row_number() OVER (
            PARTITION BY b.id
            ORDER BY coalesce(b.buildComplete, false) DESC, filename) = 1
        """
    )
    t_read = time.perf_counter()
    timing = con.execute(
        """
        WITH p AS (
            SELECT projectName, unnest(phases) AS ph FROM builds
        )
        SELECT projectName, ph.phaseType AS phaseType,
               quantile_cont(d, [0.5, 0.9, 0.95]) AS q
        FROM (
            SELECT projectName, ph,
                   coalesce(ph.endTime - ph.startTime, ph.durationInSeconds) AS d
            FROM p
        )
        GROUP BY ALL
        """
    ).fetchall()
    outcomes = con.execute(
        """
        SELECT projectName,
               count(*) FILTER (buildStatus = 'SUCCEEDED') AS succeeded,
               count(*) FILTER (buildStatus IN ('SUCCEEDED','FAILED','FAULT','TIMED_OUT','STOPPED')) AS completed,
               count(*) FILTER (buildStatus = 'STOPPED') AS stopped,
               succeeded / nullif(completed - stopped, 0) AS successRate
        FROM builds GROUP BY projectName
        """
    ).fetchall()
    t_end = time.perf_counter()
    n_builds = con.execute("SELECT count(*) FROM builds").fetchone()[0]
    s = sum(r[1] for r in outcomes)
    c = sum(r[2] for r in outcomes)
    st = sum(r[3] for r in outcomes)
    print(
        json.dumps(
            {
                "tool": "duckdb",
                "seconds": t_end - t0,
                "read_seconds": t_read - t0,
                "analysis_seconds": t_end - t_read,
                "builds": n_builds,
                "timing_groups": len(timing),
                "projects": len(outcomes),
                "overall_success_rate": s / (c - st),
                "build_p50_sum": float(sum(r[2][0] for r in timing if r[2] and r[2][0] is not None)),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
