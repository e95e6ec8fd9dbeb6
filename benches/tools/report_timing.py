"""Times `cbstats report` (table and JSON) of two or more builds of cbstats
on one archive, interleaved, and prints one Markdown table: median wall
time, peak RSS (ru_maxrss of the child from wait4), output lines and bytes,
and the ratio of each build to the first (the baseline).

Usage: report_timing.py REPS ARCHIVE BASELINE_BIN OTHER_BIN [OTHER_BIN...]

Builds are named by their file names. Each run writes its output to a pipe
that is read in full, as a terminal or a redirect would; `-q` keeps the
progress bar off. Whether two builds printed the same bytes is reported
too (a change meant to be only faster must print the same)."""
import os
import statistics
import subprocess
import sys
import time

MODES = [
    ("table", ["--format", "table"]),
    ("json", ["--format", "json"]),
]


def run(cmd):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        sys.exit(f"{cmd} failed ({status}): {err.decode()[-2000:]}")
    return wall, ru.ru_maxrss * 1024, out


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    reps, archive, binaries = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    labels = [os.path.basename(b) for b in binaries]
    if len(set(labels)) != len(labels):
        sys.exit("the builds need distinct file names (they label the rows)")
    results = {}
    for _ in range(reps):
        for mode, extra in MODES:
            for label, binary in zip(labels, binaries):
                wall, rss, out = run([binary, "report", "-q", archive, *extra])
                r = results.setdefault((mode, label), {"wall": [], "rss": [], "out": out})
                r["wall"].append(wall)
                r["rss"].append(rss)
                r["same"] = r.get("same", True) and r["out"] == out
    print(f"archive: {archive}, {reps} runs each, interleaved\n")
    print(f"| mode | build | median wall | peak RSS | lines | bytes | wall / {labels[0]} | same output as |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for mode, _ in MODES:
        base = statistics.median(results[(mode, labels[0])]["wall"])
        for i, label in enumerate(labels):
            r = results[(mode, label)]
            wall = statistics.median(r["wall"])
            ratio = f"{wall / base:.2f}" if i > 0 else ""
            lines = r["out"].count(b"\n")
            same = ", ".join(
                other for other in labels[:i] if results[(mode, other)]["out"] == r["out"]
            )
            if not r["same"]:
                same = "(its runs differ)"
            print(
                f"| {mode} | {label} | {wall:.2f} s | {max(r['rss']) / 1e6:,.0f} MB | "
                f"{lines:,} | {len(r['out']):,} | {ratio} | {same} |"
            )


if __name__ == "__main__":
    main()
