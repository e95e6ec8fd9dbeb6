"""Reference breakpoints for crates/codebuild-analytics/src/analysis/changes.rs.

ruptures' PELT with the L2 (mean-shift) cost on fixed inputs, and scipy's
normal-scaled MAD of the first differences (the noise estimate of the
penalty). Run once, output committed as reference.json (not part of CI):

    python3 -m venv /work/venvs/ruptures
    /work/venvs/ruptures/bin/pip install ruptures==1.1.10
    /work/venvs/ruptures/bin/python testdata/changepoints/make_reference.py \
        > testdata/changepoints/reference.json
"""
import json
import sys

import numpy as np
import ruptures as rpt
import scipy
from scipy import stats

rng = np.random.default_rng(20261204)


def r(a):
    return [float(v) for v in a]


def steps(levels, lengths, sd):
    return np.concatenate([rng.normal(m, sd, n) for m, n in zip(levels, lengths)])


cases = []


def case(name, x, pen, min_size, jump=1):
    x = np.asarray(x, dtype=float)
    try:
        bkps = rpt.Pelt(model="l2", min_size=min_size, jump=jump).fit(x).predict(pen=pen)
        bkps = [int(b) for b in bkps]
    except rpt.exceptions.BadSegmentationParameters:
        bkps = None
    cases.append({"name": name, "x": r(x), "pen": pen, "min_size": min_size,
                  "jump": jump, "breakpoints": bkps})


# Clear steps.
case("two steps", steps([0, 5, 2], [30, 30, 30], 1.0), 10.0, 5)
case("one step, log durations", np.log1p(np.concatenate([rng.lognormal(5, 0.3, 80),
                                                         rng.lognormal(5, 0.3, 60) * 2])), 0.6, 10)
case("small step", steps([1.0, 1.3], [200, 200], 0.3), 1.5, 20)
# No change: stationary noise, a penalty that keeps it whole, and a low one that splits.
case("noise, BIC-like", rng.normal(0, 1, 300), 2 * np.log(300), 10)
case("noise, low penalty", rng.normal(0, 1, 120), 1.0, 5)
case("constant", [3.0] * 40, 1.0, 5)
# Ties: whole seconds, repeated values.
case("ties", np.round(steps([100, 130], [50, 50], 8)), 800.0, 10)
case("0/1 successes", np.concatenate([(rng.uniform(0, 1, 150) > 0.03), (rng.uniform(0, 1, 150) > 0.25)]).astype(float), 0.5, 20)
# Short series and min_size edge cases.
case("n < min_size", [1.0, 2.0, 3.0], 1.0, 5)
case("n = min_size", [1.0, 9.0, 1.0, 9.0, 1.0], 0.1, 5)
case("n < 2 min_size", [0, 0, 0, 0, 9, 9, 9, 9, 9], 0.1, 5)
case("n = 2 min_size", [0, 0, 0, 0, 0, 9, 9, 9, 9, 9], 0.1, 5)
case("min_size 1", [0, 0, 5, 5, 0, 0, 7], 0.5, 1)
case("min_size 2, every pair", [0, 0, 4, 4, 1, 1, 6, 6, 2, 2], 0.01, 2)
case("empty-ish: one value", [4.2], 1.0, 1)
case("step at the min_size edge", np.concatenate([rng.normal(10, 0.1, 6), rng.normal(0, 0.1, 40)]), 1.0, 6)
case("zero penalty", [0.0, 1.0, 0.0, 1.0, 3.0, 3.5, 3.0, 3.5], 0.0, 2)
# Subsampled candidates (jump > 1), as used for long series.
case("jump 5", steps([0, 3, 1], [53, 71, 66], 1.0), 8.0, 10, 5)
case("jump 7, min_size below it", steps([2, -1], [45, 38], 0.5), 3.0, 3, 7)
case("jump 4, n not a multiple", steps([0, 2], [21, 22], 0.4), 2.0, 5, 4)
case("long noise with steps", steps([0, 1, 0.2, 1.5], [400, 300, 500, 300], 0.8), 3 * 0.64 * np.log(1500), 20, 1)

mad = []
for name, x in [
    ("normal", rng.normal(0, 2, 200)),
    ("step", steps([0, 10], [100, 100], 1)),
    ("ties", np.round(rng.normal(100, 5, 50))),
    ("short", [1.0, 4.0, 2.0, 8.0]),
]:
    x = np.asarray(x, dtype=float)
    d = np.diff(x)
    mad.append({"name": name, "x": r(x),
                "mad_normal_of_diffs": float(stats.median_abs_deviation(d, scale="normal"))})

out = {
    "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                 "scipy": scipy.__version__, "ruptures": rpt.__version__},
    "command": "rpt.Pelt(model='l2', min_size=min_size, jump=jump).fit(x).predict(pen=pen); "
               "null breakpoints: ruptures raised BadSegmentationParameters",
    "pelt": cases,
    "mad": mad,
}
json.dump(out, sys.stdout, indent=1)
sys.stdout.write("\n")
