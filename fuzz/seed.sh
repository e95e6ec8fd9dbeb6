#!/bin/sh
# Seeds fuzz/corpus/<target>/ from testdata/ (small files only). Run from anywhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
td="$here/../testdata"
small() { find "$@" -type f -size -64k; }
for t in model_build model_response loader; do mkdir -p "$here/corpus/$t"; done
mkdir -p "$here/corpus/timestamp"
# Responses and builds: the fixture responses, lenient and bad cases.
for f in $(small "$td/responses" "$td/lenient" "$td/bad" -name '*.json'); do
    cp "$f" "$here/corpus/model_response/"
    cp "$f" "$here/corpus/model_build/"
done
# Single builds cut out of the responses.
if command -v python3 >/dev/null; then
    python3 - "$td/responses" "$here/corpus/model_build" <<'PY'
import json, os, sys
src, dst = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(src)):
    if not name.endswith(".json"): continue
    try: doc = json.load(open(os.path.join(src, name)))
    except Exception: continue
    for i, b in enumerate(doc.get("builds", []) if isinstance(doc, dict) else []):
        open(os.path.join(dst, f"{name}-{i}.json"), "w").write(json.dumps(b))
PY
fi
# Loader: first byte picks plain/gzip, keep_going, file/folder.
for f in $(small "$td/responses" "$td/lenient" "$td/bad" "$td/sample-archive" -name '*.json'); do
    for mode in 0 2 4 6; do
        b=$(basename "$f")
        { printf "\\$(printf %03o $mode)"; cat "$f"; } > "$here/corpus/loader/$mode-$b"
    done
done
# Timestamps: every string form in the docs and fixtures.
n=0
for ts in $(grep -rhoE '"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]?[0-9:.]*([Zz]|[+-][0-9]{2}:[0-9]{2})?"' "$td/responses" "$td/bad" | tr ' ' '_' | sort -u); do
    n=$((n + 1))
    printf '%s' "$ts" | tr -d '"' | tr '_' ' ' > "$here/corpus/timestamp/s$n"
done
for ts in '2024-05-01T12:34:56Z' '2024-05-01 18:22:29+05:30' '2024-05-01t12:34:56.123456789z' \
          '9999-12-31T23:59:59.999999Z' '0001-01-01T00:00:00Z' '1479832474.764' '1479832474' '-1.5'; do
    n=$((n + 1))
    printf '%s' "$ts" > "$here/corpus/timestamp/s$n"
done
echo "seeded: $(for t in model_build model_response timestamp loader; do printf '%s=%s ' $t "$(ls "$here/corpus/$t" | wc -l)"; done)"
