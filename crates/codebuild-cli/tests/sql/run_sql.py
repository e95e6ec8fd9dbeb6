"""Runs the SQL of `cbstats sql` in DuckDB and PySpark, and the Trino SQL
translated to DuckDB by sqlglot, and compares every result with
`cbstats report --format json --detail` on the same archive.

Usage: run_sql.py MANIFEST.json

The manifest (written by crates/codebuild-cli/tests/sql.rs):
  {
    "runs": [{"label": "sample duckdb", "dialect": "duckdb", "dir": "sql-duckdb",
              "cwd": "work", "report": "report.json",   # cbstats report --format json --detail
              "export": "export"}, ...],   # trino runs: the export its tables are views of
    "tolerance": 1e-9,                       # relative, for exact queries
    "messages": [[raw, normalized], ...],    # normalize_message's outputs
    "normalize": {"duckdb": "<expr of m>", "spark": "<expr of m>", "trino": "<expr of m>"}
  }
A trino run with "athena_ddl" (the file of `cbstats sql --athena-ddl`) reads
views made from that DDL instead: the files' columns by position under the
declared names, each declared type checked against the file's (what Athena
does with `parquet.column.index.access`).

The Trino dialect cannot run here (no Trino server on this machine's
registries), so its queries are translated by sqlglot (a Trino parser and
a DuckDB writer, pinned in .ci/requirements.txt) and run by DuckDB over
views named as the Trino tables. sqlglot keeps the replacement of
`regexp_replace` as written, and Trino's `$1` is DuckDB's `\1`: that one
thing is rewritten in the parsed tree (see `trino_to_duckdb`). This checks
the queries' logic as Trino would read it (CTEs, recursion, window
functions, lambdas, integer division, time zones); it does not check the
regexes under Joni, Trino's own engine.

Each query file is one statement (a header comment, then the query, then
`;`). Rows are compared in order, column by column: the SQL must give the
report's columns (outcomes: `otherStatuses` stands for the report's columns
of unknown statuses, summed), integers and text exactly, floats within the
tolerance, times as microseconds since the epoch. Prints one line per query
and exits 1 at the end if any differs.
"""

import datetime as dt
import decimal
import json
import math
import os
import re
import sys
import time

KNOWN = {"SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED", "IN_PROGRESS", "(none)"}
OUTCOME_OTHER = {
    "projectName", "builds", "completed", "successRate", "durationP50", "durationP95",
    "succeededDurationP50", "succeededDurationP95", "overheadP50", "overheadP95",
    "day", "week", "month",
}

failures = []


def fail(where, message):
    failures.append(f"{where}: {message}")
    print(f"FAIL {where}: {message}", flush=True)


def parse_time(text):
    """RFC 3339 text -> microseconds since the epoch."""
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return micros(t)


def micros(t):
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    delta = t - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def canon(v):
    """An engine's value in comparable form."""
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int,)):
        return int(v)
    if isinstance(v, decimal.Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if isinstance(v, dt.datetime):
        return ("time", micros(v))
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return [canon(x) for x in v]
    return v


def same(a, b, tol):
    """Whether the engine's value `a` equals the report's `b` (an RFC 3339
    text where the engine has a time)."""
    if isinstance(a, tuple) and a[0] == "time":
        return isinstance(b, str) and a[1] == parse_time(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or a == b and type(a) is type(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        return abs(a - b) <= tol * max(1.0, abs(a), abs(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, tol) for x, y in zip(a, b))
    return a == b


def expected_rows(name, rows):
    out = []
    for r in rows:
        r = dict(r)
        if name.startswith("outcomes"):
            other = [k for k in r if k not in KNOWN and k not in OUTCOME_OTHER]
            r["otherStatuses"] = sum(r.pop(k) or 0 for k in other)
        out.append(r)
    return out


def compare(where, got_cols, got_rows, want_rows, tol, approx_cols=()):
    """Compares the engine's rows with the report's; returns the worst relative difference."""
    worst = 0.0
    if len(got_rows) != len(want_rows):
        fail(where, f"{len(got_rows)} rows, the report has {len(want_rows)}")
        return worst
    want_cols = list(want_rows[0].keys()) if want_rows else []
    missing = [c for c in want_cols if c not in got_cols]
    if missing:
        fail(where, f"columns missing: {missing} (got {got_cols})")
        return worst
    for i, (g, w) in enumerate(zip(got_rows, want_rows)):
        for c in want_cols:
            gv, wv = g[c], w[c]
            t = tol
            if c in approx_cols:
                t = APPROX_TOLERANCE
            if not same(gv, wv, t):
                fail(where, f"row {i} column {c}: got {gv!r}, the report has {wv!r} (row {w})")
                return worst
            if isinstance(gv, float) and isinstance(wv, (int, float)) and not isinstance(wv, bool):
                worst = max(worst, abs(gv - wv) / max(1.0, abs(wv)))
    return worst


APPROX_TOLERANCE = 0.05


def statements(path):
    text = open(path, encoding="utf-8").read().strip()
    assert text.endswith(";"), f"{path} does not end with ;"
    return text[:-1]


def run_duckdb(sql):
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'America/Los_Angeles'")  # results must not depend on it
    rel = con.sql(sql)
    cols = rel.columns
    return cols, [dict(zip(cols, map(canon, row))) for row in rel.fetchall()]


def trino_to_duckdb(sql):
    """Trino SQL as DuckDB SQL, by sqlglot; the replacement strings of
    `regexp_replace` get DuckDB's group references (`\\1` for `$1`)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="trino")

    def groups(node):
        if isinstance(node, exp.RegexpReplace):
            r = node.args.get("replacement")
            if isinstance(r, exp.Literal) and r.is_string:
                node.set("replacement", exp.Literal.string(re.sub(r"\$(\d)", r"\\\1", r.this)))
        return node

    return tree.transform(groups).sql(dialect="duckdb")


def trino_views(con, export):
    """Views `builds`, `phases`, `phaseContexts` over an export (one file
    per frame, or folders of Hive partitions)."""
    for frame in ["builds", "phases", "phaseContexts"]:
        single = os.path.join(export, f"{frame}.parquet")
        if os.path.exists(single):
            src = f"read_parquet('{single}')"
        else:
            glob = os.path.join(export, frame, "**", "*.parquet")
            src = (
                f"read_parquet('{glob}', hive_partitioning = true, "
                "hive_types_autocast = false, union_by_name = true)"
            )
        con.execute(f'CREATE OR REPLACE VIEW "{frame}" AS SELECT * FROM {src}')


ARROW_OF_HIVE = {
    "string": "string",
    "bigint": "int64",
    "int": "int32",
    "double": "double",
    "boolean": "bool",
    "date": "date32[day]",
    "timestamp": "timestamp[us, tz=UTC]",
}


DUCKDB_OF_HIVE = {"string": "VARCHAR", "bigint": "BIGINT", "int": "INTEGER", "boolean": "BOOLEAN"}
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


def athena_tables(path):
    """The tables of `cbstats sql --athena-ddl`: {table: (database, columns,
    partitions, registered)}: columns and partitions lists of (name, type)
    in order; registered is "msck" or the list of (values, location) that
    its ALTER TABLE ... ADD PARTITION statements register. The text is
    parsed by sqlglot's Athena grammar first (a syntax check of the CREATE
    statements; MSCK and ALTER TABLE ... ADD PARTITION it keeps as
    commands), then read line by line."""
    import sqlglot
    from sqlglot import exp

    text = open(path, encoding="utf-8").read()
    statements = [
        s for s in sqlglot.parse(text, read="athena") if s is not None and not isinstance(s, exp.Semicolon)
    ]
    creates = [s for s in statements if isinstance(s, exp.Create)]
    tables, current, part = {}, None, False
    alters = 0
    for line in text.splitlines():
        m = re.match(r"CREATE EXTERNAL TABLE `([^`]+)`\.`([^`]+)` \($", line)
        if m:
            database, current, part = m.group(1), m.group(2), False
            tables[current] = (database, [], [], [])
            continue
        if line.startswith("PARTITIONED BY ("):
            part = True
        elif current and re.match(r"  `[^`]+` \w+,?$", line):
            name, ty = re.match(r"  `([^`]+)` (\w+)", line).groups()
            tables[current][2 if part else 1].append((name, ty))
        m = re.match(r"MSCK REPAIR TABLE `([^`]+)`\.`([^`]+)`;$", line)
        if m:
            assert m.group(2) == current, line
            tables[current] = tables[current][:3] + ("msck",)
        m = re.match(r"ALTER TABLE `([^`]+)`\.`([^`]+)` ADD IF NOT EXISTS$", line)
        if m:
            assert m.group(2) == current, line
            alters += 1
        m = re.match(r"  PARTITION \((.*)\) LOCATION '((?:[^']|'')*)'[;]?$", line)
        if m:
            values = [
                v.replace("''", "'")
                for v in re.findall(r"`[^`]+` = '((?:[^']|'')*)'", m.group(1))
            ]
            names = re.findall(r"`([^`]+)` = ", m.group(1))
            assert names == [n for n, _ in tables[current][2]], (line, tables[current][2])
            tables[current][3].append((values, m.group(2).replace("''", "'")))
    databases = [s for s in statements if isinstance(s, exp.Create) and s.kind == "DATABASE"]
    assert len(databases) == 1, f"{path}: {len(databases)} CREATE DATABASE statements"
    assert len(creates) == len(tables) + 1, f"{path}: {len(creates)} CREATE statements for {len(tables)} tables"
    for name, (_, _, partitions, registered) in tables.items():
        assert bool(partitions) == bool(registered), f"{path}: {name}: partitions {partitions}, registered {registered}"
    msck = sum(1 for t in tables.values() if t[3] == "msck")
    assert len(statements) == len(creates) + msck + alters, (
        f"{path}: {len(statements)} statements for {len(tables)} tables"
    )
    return tables


def athena_views(con, export, location, ddl):
    """Views named as the Athena tables, as Athena would read them: the
    files' columns by position (`parquet.column.index.access`), each
    declared type checked against the file's, from the partitions the DDL
    registers only: those of its ALTER TABLE ... ADD PARTITION statements
    (LOCATION mapped from `location` to the local export), or for MSCK
    REPAIR TABLE the folders whose keys are the (lower-case) partition
    columns, as Athena's MSCK finds them."""
    import urllib.parse

    import pyarrow.parquet as pq

    location = location.rstrip("/")
    tables = athena_tables(ddl)
    for frame in ["builds", "phases", "phaseContexts"]:
        if frame.lower() not in tables:
            # phaseContexts, written whole (no partition column), read by no query.
            assert frame == "phaseContexts" and os.path.exists(os.path.join(export, f"{frame}.parquet")), frame
            continue
        database, columns, partitions, registered = tables[frame.lower()]
        folder = os.path.join(export, frame)
        files = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs if f.endswith(".parquet"))
        schema = pq.read_schema(files[0])
        if len(schema) != len(columns):
            raise AssertionError(f"{frame}: {len(columns)} columns declared, the files have {len(schema)}")
        select = []
        for field, (name, ty) in zip(schema, columns):
            if str(field.type) != ARROW_OF_HIVE[ty]:
                raise AssertionError(f"{frame}.{name}: declared {ty}, the file's column {field.name} is {field.type}")
            select.append(f'"{field.name}" AS "{name}"')
        folders = sorted({os.path.dirname(f) for f in files})
        if registered == "msck":
            parts = []
            for d in folders:
                pairs = [c.split("=", 1) for c in os.path.relpath(d, folder).split(os.sep)]
                if [k for k, _ in pairs] == [n for n, _ in partitions]:
                    parts.append(([urllib.parse.unquote(v) for _, v in pairs], d))
            assert parts, f"{frame}: MSCK REPAIR TABLE would find no partition in {folder}"
        else:
            parts = []
            prefix = f"{location}/{frame}/"
            for values, loc in registered:
                assert loc.startswith(prefix) and loc.endswith("/"), loc
                parts.append((values, os.path.join(folder, *loc[len(prefix):].rstrip("/").split("/"))))
            # Every folder of the export is registered, and only those.
            assert sorted(d for _, d in parts) == folders, (frame, len(parts), len(folders))
        # The registered values are the folders' (unescaped).
        for values, d in parts:
            pairs = [c.split("=", 1) for c in os.path.relpath(d, folder).split(os.sep)]
            assert values == [urllib.parse.unquote(v) for _, v in pairs], (values, d)
        selects = []
        for values, d in parts:
            lits = []
            for v, (name, ty) in zip(values, partitions):
                value = "NULL" if v == NULL_PARTITION else "'" + v.replace("'", "''") + "'"
                lits.append(f'CAST({value} AS {DUCKDB_OF_HIVE[ty]}) AS "{name}"')
            glob = os.path.join(d, "*.parquet").replace("'", "''")
            selects.append(
                f"SELECT {', '.join(select + lits)} FROM read_parquet('{glob}', hive_partitioning = false)"
            )
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{database}"')
        con.execute(f'CREATE OR REPLACE VIEW "{database}"."{frame.lower()}" AS ' + "\nUNION ALL\n".join(selects))


def run_trino(run, sql):
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'America/Los_Angeles'")
    if run is not None and run.get("athena_ddl"):
        athena_views(con, run["export"], run["athena_location"], run["athena_ddl"])
    elif run is not None:
        trino_views(con, run["export"])
    rel = con.sql(trino_to_duckdb(sql))
    cols = rel.columns
    return cols, [dict(zip(cols, map(canon, row))) for row in rel.fetchall()]


def run_one(dialect, spark, run, sql):
    if dialect == "duckdb":
        return run_duckdb(sql)
    if dialect == "spark":
        return run_spark(spark, sql)
    return run_trino(run, sql)


def spark_session():
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .appName("cbstats-sql")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # Not UTC on purpose: the queries must give UTC days and hours anyway.
        .config("spark.sql.session.timeZone", "America/Los_Angeles")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def run_spark(spark, sql):
    df = spark.sql(sql)
    cols = df.columns
    rows = []
    for row in df.collect():
        rows.append({c: canon(v) for c, v in zip(cols, row)})
    return cols, rows


def main():
    manifest = json.load(open(sys.argv[1], encoding="utf-8"))
    tol = manifest["tolerance"]
    spark = None
    normalized = set()  # the dialects whose normalisation was checked
    for run in manifest["runs"]:
        dialect, folder = run["dialect"], run["dir"]
        report = json.load(open(run["report"], encoding="utf-8"))
        os.chdir(run["cwd"])
        if dialect == "spark" and spark is None:
            t0 = time.monotonic()
            spark = spark_session()
            print(f"spark started in {time.monotonic() - t0:.1f}s", flush=True)
        # The normalisation on its own, on messages chosen to trip the engines' regexes.
        expr = manifest.get("normalize", {}).get(dialect)
        messages = manifest.get("messages", []) if expr and dialect not in normalized else []
        normalized.add(dialect)
        for raw, want in messages:
            lit = raw.replace("'", "''")
            if dialect == "spark":
                lit = raw.replace("\\", "\\\\").replace("'", "\\'")
            q = f"SELECT {expr} AS n FROM (SELECT '{lit}' AS m) t"
            got = run_one(dialect, spark, None, q)[1][0]["n"]
            if got != want:
                fail(f"{dialect} normalize {raw!r}", f"got {got!r}, normalize_message gives {want!r}")
        if messages:
            print(f"{dialect}: normalisation of {len(messages)} messages checked", flush=True)
        names = sorted(f for f in os.listdir(folder) if f.endswith(".sql"))
        for file in names:
            sql = statements(os.path.join(folder, file))
            name = file[: -len(".sql")].replace("-", " ")
            where = f"{run.get('label', dialect)} {file}"
            if name not in report:
                fail(where, f"no section `{name}` in the report")
                continue
            t0 = time.monotonic()
            try:
                cols, rows = run_one(dialect, spark, run, sql)
            except Exception as e:  # noqa: BLE001 - reported, then the next query
                fail(where, f"the query failed: {str(e)[:2000]}")
                continue
            want = expected_rows(name, report[name])
            n_fail = len(failures)
            worst = compare(where, cols, rows, want, tol)
            if len(failures) == n_fail:
                print(
                    f"ok {where}: {len(rows)} rows equal, worst relative difference {worst:.3g} ({time.monotonic() - t0:.1f}s)",
                    flush=True,
                )
    if spark is not None:
        spark.stop()
    if failures:
        print(f"{len(failures)} difference(s)", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
