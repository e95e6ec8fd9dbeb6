"""Reference values for crates/codebuild-analytics/src/analysis/stats.rs.

Run once, output committed as reference.json (not part of CI):

    python3 -m venv /tmp/scipy-venv
    /tmp/scipy-venv/bin/pip install scipy statsmodels
    /tmp/scipy-venv/bin/python testdata/stats/reference.py > testdata/stats/reference.json
"""
import json
import sys

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

rng = np.random.default_rng(20261203)


def r(a):
    return [float(v) for v in a]


mw_cases = [
    ("small distinct", [1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0]),
    ("interleaved", [1.0, 3.0, 5.0, 7.0, 9.0, 11.0], [2.0, 4.0, 6.0, 8.0, 10.0]),
    ("heavy ties", [1, 1, 1, 2, 2, 3, 3, 3, 3, 4], [2, 2, 3, 3, 4, 4, 4, 5, 5, 5, 5]),
    ("whole seconds", r(np.round(rng.normal(300, 30, 40))), r(np.round(rng.normal(310, 30, 55)))),
    ("shifted lognormal", r(rng.lognormal(5, 0.4, 200)), r(rng.lognormal(5, 0.4, 180) * 1.3)),
    ("same distribution", r(rng.exponential(100, 120)), r(rng.exponential(100, 90))),
    ("unequal sizes", r(rng.normal(0, 1, 12)), r(rng.normal(0.8, 1, 300))),
]
out = {"versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                    "scipy": scipy.__version__, "statsmodels": statsmodels.__version__}}
out["mannwhitneyu"] = []
for name, x, y in mw_cases:
    res = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)
    out["mannwhitneyu"].append({"name": name, "x": r(x), "y": r(y),
                                "statistic": float(res.statistic), "pvalue": float(res.pvalue)})

out["proportions_ztest"] = []
for name, x1, n1, x2, n2 in [
    ("3% to 20%", 6, 200, 40, 200),
    ("no change", 30, 1000, 31, 1000),
    ("small samples", 1, 12, 4, 15),
    ("drop", 190, 200, 150, 210),
    ("one side zero", 0, 50, 5, 60),
]:
    z, p = proportions_ztest([x2, x1], [n2, n1])
    out["proportions_ztest"].append({"name": name, "x1": x1, "n1": n1, "x2": x2, "n2": n2,
                                     "zstat": float(z), "pvalue": float(p)})

out["wilson"] = []
for name, x, n, alpha in [("half", 5, 10, 0.05), ("zero", 0, 20, 0.05), ("all", 20, 20, 0.05),
                          ("3%", 6, 200, 0.05), ("99%", 30, 97, 0.01)]:
    lo, hi = proportion_confint(x, n, alpha=alpha, method="wilson")
    out["wilson"].append({"name": name, "x": x, "n": n, "alpha": alpha, "low": float(lo), "high": float(hi)})

out["bh"] = []
for name, p in [
    ("textbook", [0.01, 0.04, 0.03, 0.005, 0.5, 0.2]),
    ("ties", [0.02, 0.02, 0.02, 0.9]),
    ("random", r(rng.uniform(0, 1, 25))),
    ("one", [0.3]),
]:
    out["bh"].append({"name": name, "p": r(p), "adjusted": r(stats.false_discovery_control(p, method="bh"))})

out["quantile"] = []
for q in [0.0, 0.5, 0.95, 0.99, 1.0]:
    v = r(rng.normal(100, 20, 37))
    out["quantile"].append({"values": v, "q": q, "result": float(np.quantile(v, q))})
out["quantile"].append({"values": [5.0], "q": 0.95, "result": 5.0})

out["norm_sf"] = [{"z": z, "two_sided": float(2 * stats.norm.sf(abs(z)))} for z in [0.0, 0.5, -1.96, 2.5758, 4.0, 7.5]]

json.dump(out, sys.stdout, indent=1)
sys.stdout.write("\n")
