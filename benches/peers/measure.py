"""Runs each peer command REPS times, interleaved, and prints one table:
median wall time, peak RSS (ru_maxrss of the child from wait4, exact), CPU
time, and ratios to this project's median. Usage: measure.py REPS DIR."""
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PY = os.path.join(HERE, ".venv", "bin", "python")


def tools(d):
    rel = os.path.join(ROOT, "target", "release")
    return [
        ("cbstats report (phase-timing + outcomes, JSON)",
         [os.path.join(rel, "cbstats"), "report", "-q", "--format", "json",
          "--section", "phase-timing", "--section", "outcomes", d]),
        ("loadbench --mode report (same work, no rendering)",
         [os.path.join(rel, "loadbench"), "--mode", "report", "--path", d]),
        ("DuckDB (read_json + unnest + quantile_cont)",
         [PY, os.path.join(HERE, "duckdb_report.py"), d]),
        ("pandas (json.load + json_normalize + groupby)",
         [PY, os.path.join(HERE, "pandas_report.py"), d]),
    ]


def run(cmd):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        sys.exit(f"{cmd[0]} failed ({status}): {err.decode()[-2000:]}")
    return wall, ru.ru_maxrss * 1024, ru.ru_utime + ru.ru_stime, out


def main(reps, d):
    ts = tools(d)
    walls = {n: [] for n, _ in ts}
    rss = {n: 0 for n, _ in ts}
    cpu = {n: [] for n, _ in ts}
    last = {}
    for rep in range(reps):
        for name, cmd in ts:
            w, r, c, out = run(cmd)
            walls[name].append(w)
            rss[name] = max(rss[name], r)
            cpu[name].append(c)
            last[name] = out
        print(f"  rep {rep + 1}/{reps} done", file=sys.stderr)
    base = ts[0][0]
    bw = statistics.median(walls[base])
    br = rss[base]
    print(f"\n{reps} runs each, interleaved; archive {d}\n")
    print("| tool | min s | median s | max s | CPU s (median) | peak RSS MB | time / cbstats | RSS / cbstats |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, _ in ts:
        m = statistics.median(walls[name])
        print(f"| {name} | {min(walls[name]):.2f} | {m:.2f} | {max(walls[name]):.2f} | "
              f"{statistics.median(cpu[name]):.2f} | {rss[name] / 1e6:.0f} | "
              f"{m / bw:.1f}x | {rss[name] / br:.1f}x |")
    print("\nlast outputs (cross-check):")
    for name, _ in ts[1:]:
        print(f"  {name}: {last[name].decode().strip()[:400]}")
    rep = json.loads(last[base])
    print(f"  cbstats: sections {list(rep) if isinstance(rep, dict) else type(rep).__name__}")


if __name__ == "__main__":
    main(int(sys.argv[1]), os.path.abspath(sys.argv[2]))
