#!/usr/bin/env bash
# Peers: this project vs DuckDB vs pandas on the same generated archive.
# Usage: benches/peers/run.sh            (BUILDS=100000 REPS=3 by default)
#        BUILDS=10000 REPS=1 benches/peers/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILDS=${BUILDS:-100000}
REPS=${REPS:-3}
SEED=${SEED:-42}
DIR=${DIR:-/tmp/cb-bench/$BUILDS-$SEED}
VENV=benches/peers/.venv

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c 'import pandas, duckdb, psutil' 2>/dev/null ||
    "$VENV/bin/pip" install -q pandas duckdb psutil
"$VENV/bin/python" -c 'import pandas, duckdb, sys; print(f"python {sys.version.split()[0]}, pandas {pandas.__version__}, duckdb {duckdb.__version__}")'

# Two invocations: built together, cargo would unify polars features across
# both packages and compile polars a third time.
cargo build --profile bench -p codebuild-bench --bins
cargo build --profile bench -p codebuild-cli

# The same archive loadbench caches (epoch form, 100 builds per file, plain JSON).
GEN_ARGS=(--builds "$BUILDS" --seed "$SEED" --out "$DIR" --format epoch --gzip never --tz utc
          --projects 300 --start 2024-01-01 --days 90 --builds-per-file 100)
if ! grep -qF -- "${GEN_ARGS[*]}" "$DIR/README.txt" 2>/dev/null; then
    rm -f "$DIR/README.txt"
    target/release/gen "${GEN_ARGS[@]}"
fi
echo "archive: $DIR: $(find "$DIR" -name '*.json' | wc -l) files, $(du -sh --apparent-size "$DIR" | cut -f1)"

"$VENV/bin/python" benches/peers/measure.py "$REPS" "$DIR"
