"""Times `cbstats report` (table and JSON) of two builds of cbstats on one
archive, interleaved, and prints one Markdown table: median wall time, peak
RSS (ru_maxrss of the child from wait4), output lines and bytes, and the
ratio of the second build to the first.

Usage: report_timing.py REPS ARCHIVE BEFORE_BIN AFTER_BIN

Each run writes its output to a pipe that is read in full, as a terminal or
a redirect would; `-q` keeps the progress bar off."""
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
    reps, archive, before, after = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    results = {}
    for _ in range(reps):
        for mode, extra in MODES:
            for label, binary in (("before", before), ("after", after)):
                wall, rss, out = run([binary, "report", "-q", archive, *extra])
                r = results.setdefault((mode, label), {"wall": [], "rss": [], "out": out})
                r["wall"].append(wall)
                r["rss"].append(rss)
    print(f"archive: {archive}, {reps} runs each, interleaved\n")
    print("| mode | build | median wall | peak RSS | lines | bytes | wall after/before |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for mode, _ in MODES:
        base = statistics.median(results[(mode, "before")]["wall"])
        for label in ("before", "after"):
            r = results[(mode, label)]
            wall = statistics.median(r["wall"])
            ratio = f"{wall / base:.2f}" if label == "after" else ""
            lines = r["out"].count(b"\n")
            print(
                f"| {mode} | {label} | {wall:.2f} s | {max(r['rss']) / 1e6:,.0f} MB | "
                f"{lines:,} | {len(r['out']):,} | {ratio} |"
            )


if __name__ == "__main__":
    main()
