"""pandas peer: json.load per file, json_normalize of builds and of phases
(with meta), phase duration quantiles p50/p90/p95 per project x phase, and
the success rate per project (ANALYTICS.md definitions). Prints one JSON line."""
import glob
import json
import os
import sys
import time

import pandas as pd

COMPLETED = ["SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED"]


def main(root):
    t0 = time.perf_counter()
    files = sorted(glob.glob(os.path.join(root, "**", "*.json"), recursive=True))
    # Records: one per build id, a complete record wins over a running one,
    # else the first in sorted path order.
    kept = {}
    for path in files:
        with open(path, "rb") as f:
            for b in json.load(f).get("builds", []):
                old = kept.get(b["id"])
                if old is None or (b.get("buildComplete") and not old.get("buildComplete")):
                    kept[b["id"]] = b
    builds_list = list(kept.values())
    for b in builds_list:
        b.setdefault("phases", [])
    t_read = time.perf_counter()
    builds = pd.json_normalize(builds_list)
    phases = pd.json_normalize(builds_list, record_path="phases", meta=["id", "projectName"])
    t_norm = time.perf_counter()

    # Phase duration: endTime - startTime when both, else durationInSeconds.
    dur = phases["endTime"] - phases["startTime"]
    phases["duration"] = dur.fillna(phases["durationInSeconds"])
    q = (
        phases.groupby(["projectName", "phaseType"])["duration"]
        .quantile([0.5, 0.9, 0.95])
        .unstack()
    )
    st = builds["buildStatus"]
    per = pd.DataFrame(
        {
            "projectName": builds["projectName"],
            "succeeded": st == "SUCCEEDED",
            "completed": st.isin(COMPLETED),
            "stopped": st == "STOPPED",
        }
    ).groupby("projectName")[["succeeded", "completed", "stopped"]].sum()
    denom = per["completed"] - per["stopped"]
    per["successRate"] = (per["succeeded"] / denom).where(denom > 0)
    t_end = time.perf_counter()
    total_s = per[["succeeded", "completed", "stopped"]].sum()
    print(
        json.dumps(
            {
                "tool": "pandas",
                "seconds": t_end - t0,
                "read_seconds": t_read - t0,
                "normalize_seconds": t_norm - t_read,
                "analysis_seconds": t_end - t_norm,
                "builds": len(builds),
                "phases": len(phases),
                "timing_groups": len(q),
                "projects": len(per),
                "overall_success_rate": float(total_s["succeeded"] / (total_s["completed"] - total_s["stopped"])),
                "build_p50_sum": float(q[0.5].sum()),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
