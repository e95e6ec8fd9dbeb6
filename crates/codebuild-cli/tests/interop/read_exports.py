"""Reads `cbstats export` output with pandas, pyarrow, polars, DuckDB and
PySpark, and checks every frame against what cbstats wrote.

Run by crates/codebuild-cli/tests/interop.rs (`cargo test --workspace`),
which makes the exports and a manifest:

    read_exports.py MANIFEST.json

The manifest names the README, the exports (folder, format, partition
columns, the NDJSON export of the same archive that serves as reference)
and the dtypes cbstats gives every frame's columns. The reader code is not
written here: it is the README's snippets (the fenced blocks after an
`<!-- interop: READER FORMAT -->` line), run as they are, with the path
`export/builds` replaced by the path of each frame of each export.

For every frame of every export and every reader it checks the row count,
the column names (and order), the dtypes of the typed columns (times,
integers, booleans, floats, text, lists) and every value (per column, as a
multiset), against the reference read with the standard library's json.
Partition columns are expected as the readers take them: from the folder
names (the shortened name of a long value; null for Hive's null folder).
Any failure is collected; the exit status is 1 if there was one.
"""

import datetime as dt
import json
import math
import os
import re
import sys
import textwrap
import time
import traceback
import uuid
from collections import Counter
from decimal import Decimal

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
US = dt.timedelta(microseconds=1)
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
MAX_FOLDER_NAME_BYTES = 255

failures = []
timings = {}
frames_checked = 0


def fail(where, message):
    failures.append(f"{where}: {message}")


# --- the README's snippets ---------------------------------------------------

SNIPPET = re.compile(
    r"<!-- interop: (?P<reader>[\w-]+) (?P<format>\w+) -->\s*```(?P<lang>\w+)\n(?P<code>.*?)```",
    re.S,
)


def snippets(readme):
    """{(reader, format): code} of the marked blocks of the README."""
    text = open(readme, encoding="utf-8").read()
    out = {}
    for m in SNIPPET.finditer(text):
        key = (m["reader"], m["format"])
        if key in out:
            fail("README", f"two snippets for {key}")
        # A snippet in a list item is indented.
        out[key] = (m["lang"], textwrap.dedent(m["code"]))
    return out


FRAME_PATH = re.compile(r"export/builds(?P<glob>/\*\*/\*\.(?:parquet|csv|ndjson))?(?P<ext>\.(?:parquet|csv|ndjson))?")


def with_path(code, frame_path, is_folder):
    """The snippet reading `frame_path` instead of the frame `export/builds`:
    a folder keeps the snippet's glob (`export/builds/**/*.parquet`), a file
    (`builds.parquet`) replaces glob or folder."""

    def sub(m):
        if is_folder:
            return frame_path + (m["glob"] or "")
        return frame_path

    return FRAME_PATH.sub(sub, code)


def run_snippet(code, frame_path, is_folder):
    scope = {}
    exec(compile(with_path(code, frame_path, is_folder), "README snippet", "exec"), scope)
    if "builds" not in scope:
        raise RuntimeError("the snippet defines no `builds`")
    return scope["builds"]


# --- the reference: cbstats' NDJSON export, read with json -------------------


def parse_time(text):
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        raise ValueError(f"time without offset: {text}")
    return (t - EPOCH) // US


def canon(value, dtype):
    """A value in one comparable form: None, bool, int, float, str, int
    microseconds since the epoch for times, tuples for lists."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    # pandas' missing values (NaT, NA); pd.Timestamp is a datetime.
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    if hasattr(value, "item") and not isinstance(value, (list, tuple, str, bytes)) and getattr(value, "ndim", 0) == 0:
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if dtype == "Datetime":
        if isinstance(value, str):
            return parse_time(value)
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                raise ValueError(f"naive datetime {value!r}")
            return (value - EPOCH) // US
        if isinstance(value, int):
            return value
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, uuid.UUID):  # DuckDB's read_json detects UUIDs
        return str(value)
    if dtype.startswith("List"):
        inner = dtype[5:-1]
        if isinstance(value, str):
            value = json.loads(value)
        return tuple(canon(v, inner) for v in list(value))
    if dtype == "Date":
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        return value
    if dtype in ("Int64", "UInt64"):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, Decimal) and value == value.to_integral_value():
            return int(value)
        return value
    if dtype == "Float64":
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    return value


def sort_key(v):
    if v is None:
        return (0, "")
    if isinstance(v, tuple):
        return (2, repr(v))
    if isinstance(v, str):
        return (3, v)
    return (1, v)


def multiset(values):
    return sorted(values, key=sort_key)


def read_reference(path, dtypes):
    """{column: [canonical values]} and the row count of an NDJSON file."""
    cols = {c: [] for c in dtypes}
    rows = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if list(row) != list(dtypes):
                raise ValueError(f"{path}:{rows + 1}: keys {list(row)} are not the frame's columns {list(dtypes)}")
            for c, t in dtypes.items():
                cols[c].append(canon(row[c], t))
            rows += 1
    return rows, cols


def escape(value):
    """dataset::escape_partition_value, written again from its documentation."""
    if value is None or value == "":
        return NULL_PARTITION
    out = "".join(
        ch if (not ch.isascii() or ch.isalnum() or ch in "._-") else "%%%02X" % ord(ch) for ch in value
    )
    if out in (".", ".."):
        out = out.replace(".", "%2E")
    if out == NULL_PARTITION:
        out = "%5F" + out[1:]
    return out


def fnv1a_64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def folder_value(key, value):
    """The value a reader takes from the folder name cbstats writes for
    `value`: None for Hive's null folder, the shortened name for a long one."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    name = f"{key}={escape(value)}"
    if len(name.encode()) <= MAX_FOLDER_NAME_BYTES:
        return value
    mark = "~%016x" % fnv1a_64(value.encode())
    budget = MAX_FOLDER_NAME_BYTES - len(key) - 1 - len(mark)
    prefix, kept = "", ""
    for ch in value:
        piece = "." if ch == "." else escape(ch)
        if len((prefix + piece).encode()) > budget:
            break
        prefix += piece
        kept += ch
    # The reader decodes the escapes of the prefix; the mark is literal.
    return kept + mark


# --- the readers' results, in one form --------------------------------------


def pandas_result(df):
    import pandas as pd

    cols = list(map(str, df.columns))
    dtypes = {str(c): df[c].dtype for c in df.columns}
    values = {}
    for c in df.columns:
        s = df[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        values[str(c)] = list(s)
    return cols, dtypes, values


def arrow_result(table):
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = list(table.column_names)
    dtypes = {c: table.schema.field(c).type for c in cols}
    values = {}
    for c in cols:
        col = table.column(c)
        if pa.types.is_timestamp(col.type):
            col = pc.cast(col, pa.int64())
        values[c] = col.to_pylist()
    return cols, dtypes, values


def polars_result(df):
    import polars as pl

    if isinstance(df, pl.LazyFrame):
        df = df.collect()
    cols = list(df.columns)
    dtypes = dict(df.schema.items())
    values = {}
    for c in cols:
        s = df[c]
        if isinstance(s.dtype, pl.Datetime):
            s = s.dt.epoch("us")
        values[c] = s.to_list()
    return cols, dtypes, values


def duckdb_result(rel):
    cols = list(rel.columns)
    types = [str(t) for t in rel.types]
    dtypes = dict(zip(cols, types))
    exprs = []
    for c, t in zip(cols, types):
        q = '"' + c.replace('"', '""') + '"'
        exprs.append(f"epoch_us({q}) AS {q}" if t.startswith("TIMESTAMP") else q)
    rows = rel.project(", ".join(exprs)).fetchall() if cols else []
    values = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    return cols, dtypes, values


def spark_result(df):
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampType

    cols = list(df.columns)
    dtypes = {f.name: f.dataType for f in df.schema.fields}
    exprs = []
    for f in df.schema.fields:
        c = F.col("`" + f.name.replace("`", "``") + "`")
        exprs.append((F.unix_micros(c) if isinstance(f.dataType, TimestampType) else c).alias(f.name))
    rows = df.select(*exprs).collect()
    values = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    return cols, dtypes, values


RESULTS = {
    "pandas": pandas_result,
    "pandas-nulls": pandas_result,
    "pyarrow": arrow_result,
    "pyarrow-dataset": arrow_result,
    "polars": polars_result,
    "duckdb": duckdb_result,
    "spark": spark_result,
}


# --- the dtype each reader should give ---------------------------------------


def dtype_ok(reader, fmt, got, want, has_null):
    """Whether `got` (the reader's dtype) is what `reader` should give a
    column cbstats holds as `want`; text formats carry no times or lists."""
    g = str(got)
    if reader.startswith("pandas"):
        import pandas as pd

        if fmt != "parquet" and want in ("Datetime", "String") or want.startswith("List"):
            return pd.api.types.is_object_dtype(got) or pd.api.types.is_string_dtype(got) or (has_null is None)
        return {
            "Datetime": g == "datetime64[us, UTC]",
            "Int64": g == ("float64" if has_null else "int64"),
            "Float64": g == "float64",
            "Boolean": g == ("object" if has_null else "bool"),
            "String": pd.api.types.is_string_dtype(got),
        }.get(want, True)
    if reader.startswith("pyarrow"):
        import pyarrow as pa

        return {
            "Datetime": got == pa.timestamp("us", tz="UTC"),
            "Int64": got == pa.int64(),
            "Float64": got == pa.float64(),
            "Boolean": got == pa.bool_(),
            "String": got == pa.string(),
            "List[String]": got in (pa.large_list(pa.string()), pa.list_(pa.string())),
        }.get(want, True)
    if reader == "polars":
        import polars as pl

        text = fmt != "parquet"
        return {
            "Datetime": got == (pl.String if text else pl.Datetime("us", "UTC")),
            "Int64": got == pl.Int64,
            "Float64": got == pl.Float64,
            "Boolean": got == pl.Boolean,
            "String": got == pl.String,
            "List[String]": got == (pl.String if fmt == "csv" else pl.List(pl.String)),
        }.get(want, True)
    if reader == "duckdb":
        return {
            "Datetime": g in ("TIMESTAMP WITH TIME ZONE",),
            "Int64": g == "BIGINT",
            "Float64": g == "DOUBLE",
            "Boolean": g == "BOOLEAN",
            # read_json takes text of UUIDs (`logs.streamName`) as UUID.
            "String": g == "VARCHAR" or (fmt == "ndjson" and g == "UUID"),
            "List[String]": g == ("VARCHAR" if fmt == "csv" else "VARCHAR[]"),
        }.get(want, True)
    if reader == "spark":
        return {
            "Datetime": g == "TimestampType()",
            "Int64": g == "LongType()",
            "Float64": g == "DoubleType()",
            "Boolean": g == "BooleanType()",
            "String": g == "StringType()",
            "List[String]": g == "ArrayType(StringType(), True)",
        }.get(want, True)
    raise ValueError(reader)


def partition_dtype_ok(reader, got):
    """Partition columns are text in every reader (dictionary-encoded in
    pandas and pyarrow.parquet.read_table)."""
    g = str(got)
    if reader.startswith("pandas"):
        import pandas as pd

        return isinstance(got, pd.CategoricalDtype) or pd.api.types.is_string_dtype(got)
    if reader == "pyarrow":
        import pyarrow as pa

        return got == pa.dictionary(pa.int32(), pa.string())
    if reader == "pyarrow-dataset":
        import pyarrow as pa

        return got == pa.string()
    if reader == "polars":
        import polars as pl

        return got == pl.String
    if reader == "duckdb":
        return g == "VARCHAR"
    if reader == "spark":
        return g == "StringType()"
    raise ValueError(reader)


# --- checking one frame ------------------------------------------------------


def check_frame(where, reader, export, frame, dtypes, ref_rows, ref_cols, result):
    """Compares a reader's frame with the reference. Text formats carry no
    types: there a column without values may read as any dtype (it must
    still read as nulls), and pandas reads CSV's `""` as null (polars
    reads it back; DuckDB with `allow_quoted_nulls = false`)."""
    cols, got_dtypes, values = result
    fmt = export["format"]
    keys = [k for k in export["partition_by"] if k in dtypes or k == "month"]
    partitioned = frame_is_folder(export, frame)
    # Parquet files hold no partition column: readers add them from the
    # folder names, last. CSV and NDJSON files keep them (DuckDB's column
    # from the folder replaces the file's, in place).
    if partitioned and fmt == "parquet":
        want_cols = [c for c in dtypes if c not in keys] + keys
    elif partitioned and "month" in keys:
        want_cols = list(dtypes) + ["month"]
    else:
        want_cols = list(dtypes)
    # polars' read_ndjson does not keep the order of the keys; DuckDB puts
    # the partition columns last in the order of their names, the others in
    # the order of the folders.
    n_keys = len(keys) if partitioned and fmt == "parquet" else 0
    if reader == "polars" and fmt == "ndjson":
        same = sorted(cols) == sorted(want_cols)
    elif n_keys:
        same = cols[:-n_keys] == want_cols[:-n_keys] and sorted(cols[-n_keys:]) == sorted(keys)
    else:
        same = cols == want_cols
    if not same:
        fail(where, f"columns {cols} != {want_cols}")
        return
    n = len(next(iter(values.values()))) if values else 0
    if n != ref_rows:
        fail(where, f"{n} rows, cbstats wrote {ref_rows}")
        return
    for c in cols:
        if partitioned and c in keys:
            if not partition_dtype_ok(reader, got_dtypes[c]):
                fail(where, f"partition column {c!r}: dtype {got_dtypes[c]}")
            if c == "month":
                want = multiset(
                    None if t is None else dt.datetime.fromtimestamp(t / 1e6, dt.timezone.utc).strftime("%Y-%m")
                    for t in ref_cols["startTime"]
                )
            elif fmt == "parquet" or reader == "duckdb":
                want = multiset(folder_value(c, v) for v in ref_cols[c])
            else:
                want = multiset(ref_cols[c])
            got = multiset(canon(v, "String") for v in values[c])
        else:
            t = dtypes[c]
            has_null = any(v is None for v in ref_cols[c]) if ref_rows else None
            untyped = fmt != "parquet" and all(v is None for v in ref_cols[c])
            if ref_rows and not untyped and not dtype_ok(reader, fmt, got_dtypes[c], t, has_null):
                fail(where, f"column {c!r}: dtype {got_dtypes[c]} for cbstats' {t}")
            if fmt == "csv" and reader == "pandas" and t == "String":
                want = multiset(None if v == "" else v for v in ref_cols[c])
            else:
                want = multiset(ref_cols[c])
            try:
                got = multiset(canon(v, t) for v in values[c])
            except Exception as e:  # a value that does not read as its type
                fail(where, f"column {c!r}: {e}")
                continue
        if got != want:
            fail(where, f"column {c!r}: values differ: {difference(got, want)}")


def difference(got, want):
    """The first values only one side has, for the failure message."""
    read, written = Counter(map(repr, got)), Counter(map(repr, want))
    extra = list((read - written).elements())[:3]
    missing = list((written - read).elements())[:3]
    return f"read but not written {extra}, written but not read {missing}"


def frame_is_folder(export, frame):
    return os.path.isdir(os.path.join(export["path"], frame))


def frame_path(export, frame):
    folder = os.path.join(export["path"], frame)
    if os.path.isdir(folder):
        return folder, True
    return f"{folder}.{export['format']}", False


def main():
    global frames_checked
    manifest = json.load(open(sys.argv[1], encoding="utf-8"))
    snips = snippets(manifest["readme"])
    # The README's examples name `export/...` relative to the folder they
    # run in; Spark resolves relative paths against the folder its JVM
    # started in, so that is the folder from the start. The snippets get
    # absolute paths.
    os.chdir(manifest["examples"]["cwd"])
    # One SparkSession for every check: local, one core, one shuffle
    # partition, no UI; times in UTC. The snippets' getOrCreate() takes it.
    t0 = time.monotonic()
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .appName("cbstats-interop")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    timings["spark startup"] = time.monotonic() - t0

    references = {}
    for export in manifest["exports"]:
        ref_dir = next(e for e in manifest["exports"] if e["name"] == export["reference"])["path"]
        dtypes_of = {f: dict(pairs) for f, pairs in manifest["dtypes"][export["archive"]].items()}
        frames = [f for f in manifest["frames"] if os.path.exists(frame_path(export, f)[0])]
        if not frames:
            fail(export["name"], "no frame found")
        for reader in export["readers"]:
            lang_code = snips.get((reader, export["format"]))
            if lang_code is None:
                fail("README", f"no snippet `<!-- interop: {reader} {export['format']} -->`")
                continue
            _, code = lang_code
            t0 = time.monotonic()
            for frame in frames:
                where = f"{export['name']} / {frame} / {reader}"
                dtypes = dtypes_of[frame]
                if (ref_dir, frame) not in references:
                    references[(ref_dir, frame)] = read_reference(os.path.join(ref_dir, f"{frame}.ndjson"), dtypes)
                ref_rows, ref_cols = references[(ref_dir, frame)]
                path, is_folder = frame_path(export, frame)
                if export["format"] == "ndjson" and ref_rows == 0:
                    # An empty NDJSON file has no keys, so no columns: pandas
                    # and DuckDB read no rows, polars raises (README).
                    if reader == "polars":
                        continue
                    got = RESULTS[reader](run_snippet(code, path, is_folder))
                    n = len(next(iter(got[2].values()))) if got[2] else 0
                    if n != 0:
                        fail(where, f"{n} rows from an empty file")
                    continue
                if reader == "spark" and export["partition_by"] and not is_folder:
                    # Spark reads the files partitioned exports share with
                    # the unpartitioned one there: its reads are the slow ones.
                    continue
                try:
                    result = RESULTS[reader](run_snippet(code, path, is_folder))
                except Exception as e:
                    fail(where, f"{type(e).__name__}: {e}".splitlines()[0][:400])
                    continue
                check_frame(where, reader, export, frame, dtypes, ref_rows, ref_cols, result)
                frames_checked += 1
            timings[f"{export['name']} {reader}"] = time.monotonic() - t0
    # The README's other examples (DuckDB SQL, PySpark) run on their export.
    for reader, fmt in manifest["examples"]["snippets"]:
        lang_code = snips.get((reader, fmt))
        where = f"README example {reader} {fmt}"
        if lang_code is None:
            fail("README", f"no snippet `<!-- interop: {reader} {fmt} -->`")
            continue
        lang, code = lang_code
        t0 = time.monotonic()
        try:
            if lang == "sql":
                import duckdb

                for stmt in [s for s in code.split(";") if s.strip()]:
                    rows = duckdb.sql(stmt).fetchall()
                    if not rows:
                        fail(where, f"no rows from {stmt.strip()[:80]}")
            else:
                exec(compile(code, where, "exec"), {})
        except Exception as e:
            fail(where, f"{type(e).__name__}: {e}".splitlines()[0][:400])
        timings[where] = time.monotonic() - t0
    spark.stop()
    for k, v in timings.items():
        print(f"time: {k}: {v:.1f} s")
    checked = sum(len(e["readers"]) for e in manifest["exports"])
    if failures:
        print(f"{len(failures)} failure(s):")
        for f in failures[:200]:
            print("  " + f)
        sys.exit(1)
    print(f"ok: {checked} export x reader combinations, {frames_checked} frames read and compared")


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except BaseException:
        traceback.print_exc()
        sys.exit(2)
