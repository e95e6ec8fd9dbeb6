#!/usr/bin/env python3
"""Independent check of an archive written by the codebuild-bench generator.

Parses every file (gzip detected from the bytes, not the name; JSON, JSON
Lines and concatenated documents), checks the structural invariants of each
build, applies the definitions of shared/ANALYTICS.md (dedupe, retry chains,
flaky commits, manual rebuilds) and prints the feature counts.

Usage: python3 benches/tools/verify_archive.py DIR [--max-bytes N]
Exit status 1 when an invariant fails or (with --max-bytes) the archive is
too big.
"""

import argparse
import collections
import datetime as dt
import gzip
import json
import os
import re
import sys

PHASES = ["SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL",
          "PRE_BUILD", "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING",
          "COMPLETED"]
STATUSES = ["SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "IN_PROGRESS", "STOPPED"]
FAILURES = {"FAILED", "FAULT", "TIMED_OUT"}
COMPLETED = {"SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED"}
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
STR_TS = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d{6})?[+-]\d\d:\d\d$")

errors = []


def err(msg):
    if len(errors) < 50:
        print("ERROR:", msg, file=sys.stderr)
    errors.append(msg)


def ts(v, where):
    """Epoch milliseconds of a timestamp in any saved form."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return round(v * 1000)
    if isinstance(v, str):
        if not STR_TS.match(v):
            err(f"{where}: odd timestamp {v!r}")
        if v.endswith("Z"):
            err(f"{where}: 'Z' suffix {v!r}")
        if ".000000" in v:
            err(f"{where}: Python never prints .000000: {v!r}")
        d = dt.datetime.fromisoformat(v)
        return round(d.timestamp() * 1000)
    err(f"{where}: bad timestamp {v!r}")
    return None


def documents(raw):
    text = raw.decode("utf-8")
    dec = json.JSONDecoder()
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            return
        doc, i = dec.raw_decode(text, i)
        yield doc


def check_build(b, where):
    for k in ("id", "arn", "buildNumber", "startTime", "buildStatus", "projectName",
              "phases", "buildComplete", "currentPhase"):
        if k not in b:
            err(f"{where}: missing {k}")
            return None
    if not ID_RE.match(b["id"]):
        err(f"{where}: id {b['id']}")
    if not b["id"].startswith(b["projectName"] + ":"):
        err(f"{where}: id/project mismatch")
    if not re.match(r"^arn:aws:codebuild:[a-z0-9-]+:123456789012:build/" + re.escape(b["id"]) + "$", b["arn"]):
        err(f"{where}: arn {b['arn']}")
    if b["buildStatus"] not in STATUSES:
        err(f"{where}: status {b['buildStatus']}")
    start = ts(b["startTime"], where)
    end = ts(b["endTime"], where) if "endTime" in b else None
    phases = b["phases"]
    kinds = [p["phaseType"] for p in phases]
    order = [PHASES.index(k) for k in kinds]
    if order != sorted(order) or len(set(order)) != len(order):
        err(f"{where}: phase order {kinds}")
    if kinds[0] != "SUBMITTED":
        err(f"{where}: first phase {kinds[0]}")
    if ts(phases[0]["startTime"], where) != start:
        err(f"{where}: startTime != SUBMITTED start")
    if "contexts" in phases[0]:
        err(f"{where}: SUBMITTED has contexts")
    prev_end = None
    for i, p in enumerate(phases):
        ps = ts(p["startTime"], where)
        if prev_end is not None and ps != prev_end:
            err(f"{where}: phase {p['phaseType']} not consecutive")
        if "endTime" in p:
            pe = ts(p["endTime"], where)
            if p.get("durationInSeconds") != (pe - ps) // 1000:
                err(f"{where}: durationInSeconds {p.get('durationInSeconds')} vs {(pe - ps) / 1000}")
            if "phaseStatus" not in p:
                err(f"{where}: ended phase without status")
            prev_end = pe
        else:
            if i != len(phases) - 1:
                err(f"{where}: open phase not last")
            if set(p) - {"phaseType", "startTime"}:
                err(f"{where}: open/COMPLETED phase has {sorted(p)}")
    complete = b["buildStatus"] != "IN_PROGRESS"
    if b["buildComplete"] != complete:
        err(f"{where}: buildComplete {b['buildComplete']} vs {b['buildStatus']}")
    if complete:
        if kinds[-1] != "COMPLETED" or b["currentPhase"] != "COMPLETED":
            err(f"{where}: completed build without COMPLETED")
        if end is None or ts(phases[-1]["startTime"], where) != end:
            err(f"{where}: endTime != COMPLETED start")
        if "FINALIZING" in kinds and phases[kinds.index("FINALIZING")].get("phaseStatus") != "SUCCEEDED":
            err(f"{where}: FINALIZING not SUCCEEDED")
        failed = [p for p in phases if p.get("phaseStatus") not in (None, "SUCCEEDED")]
        if b["buildStatus"] == "SUCCEEDED" and failed:
            err(f"{where}: SUCCEEDED with failed phase")
        if b["buildStatus"] != "SUCCEEDED" and (not failed or failed[0]["phaseStatus"] != b["buildStatus"]):
            err(f"{where}: {b['buildStatus']} without matching phase")
    else:
        if end is not None or "phaseStatus" in phases[-1] or "endTime" in phases[-1]:
            err(f"{where}: IN_PROGRESS build looks finished")
        if b["currentPhase"] != kinds[-1]:
            err(f"{where}: currentPhase {b['currentPhase']} vs {kinds[-1]}")
    rsv = b.get("resolvedSourceVersion")
    if rsv is not None and not re.match(r"^[0-9a-f]{40}$", rsv):
        err(f"{where}: resolvedSourceVersion {rsv}")
    return {
        "id": b["id"], "arn": b["arn"], "project": b["projectName"], "number": b["buildNumber"],
        "status": b["buildStatus"], "complete": complete, "start": start, "end": end,
        "phases": len(phases), "sv": b.get("sourceVersion"), "rsv": rsv,
        "initiator": b.get("initiator"), "retry": b.get("autoRetryConfig"),
        "failed_phase": next((p["phaseType"] for p in phases
                              if p.get("phaseStatus") not in (None, "SUCCEEDED")), None),
        "reason": next(((c.get("statusCode"), c.get("message")) for p in phases
                        if p.get("phaseStatus") not in (None, "SUCCEEDED")
                        for c in p.get("contexts", []) if c.get("statusCode") or c.get("message")), None),
    }


def sv_kind(sv):
    if not sv:
        return "<none>"
    if sv.startswith("pr/"):
        return "pr/N"
    if sv.startswith("refs/heads/feature/"):
        return "refs/heads/feature/*"
    if sv.startswith("refs/heads/release/"):
        return "refs/heads/release/*"
    if sv.startswith("refs/"):
        return sv
    return "<s3 object version>"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--max-bytes", type=int)
    args = ap.parse_args()

    files = sorted(
        os.path.join(r, f) for r, _, fs in os.walk(args.dir) for f in fs if f.startswith("batch-"))
    records = []
    stats = collections.Counter()
    forms = collections.Counter()
    size = 0
    for path in files:
        raw = open(path, "rb").read()
        size += os.path.getsize(path)
        rel = os.path.relpath(path, args.dir)
        if raw[:2] == b"\x1f\x8b":
            stats["gzip files"] += 1
            if not path.endswith(".gz"):
                stats["gzip files without .gz"] += 1
            raw = gzip.decompress(raw)
        elif path.endswith(".gz"):
            err(f"{rel}: .gz but not gzip")
        text_head = raw[:200]
        docs = list(documents(raw))
        if len(docs) > 1:
            forms["several documents (jsonl / concatenated)"] += 1
        for doc in docs:
            if isinstance(doc, list):
                forms["array of builds"] += 1 if doc is docs[0] else 0
                builds = doc
            elif "builds" in doc:
                builds = doc["builds"]
                stats["buildsNotFound ids"] += len(doc.get("buildsNotFound", []))
                if "ResponseMetadata" in doc:
                    md = doc["ResponseMetadata"]
                    if md.get("HTTPStatusCode") != 200 or md.get("RetryAttempts") != 0:
                        err(f"{rel}: ResponseMetadata {md}")
                    stats["responses with ResponseMetadata"] += 1
                stats["responses"] += 1
            else:
                builds = [doc]
            for i, b in enumerate(builds):
                r = check_build(b, f"{rel}#{i}")
                if r:
                    r["file"] = rel
                    records.append(r)
        if b'": "' in text_head and b'", "' in text_head:
            forms["python separators"] += 1
        if b'\n    "' in text_head:
            forms["4-space pretty"] += 1
        if b'\n  "' in text_head and b'\n    "' not in text_head[:40]:
            forms["2-space pretty"] += 1

    # --- dedupe (ANALYTICS.md: complete first, then latest end, then most phases, then first file)
    by_id = collections.defaultdict(list)
    for r in records:
        by_id[r["id"]].append(r)
    builds = {}
    for bid, rs in by_id.items():
        best = sorted(enumerate(rs), key=lambda t: (not t[1]["complete"], -(t[1]["end"] or -1),
                                                    -t[1]["phases"], t[0]))[0][1]
        builds[bid] = best
    dups = {bid: rs for bid, rs in by_id.items() if len(rs) > 1}
    dup_kinds = collections.Counter(
        "IN_PROGRESS then complete, different files"
        if sorted(r["complete"] for r in rs) == [False, True] and len({r["file"] for r in rs}) == 2
        else "other" for rs in dups.values())

    # --- build numbers: 1..n per project
    per_project = collections.defaultdict(list)
    for b in builds.values():
        per_project[b["project"]].append(b)
    for p, bs in per_project.items():
        nums = sorted(b["number"] for b in bs)
        if nums != list(range(1, len(nums) + 1)):
            err(f"{p}: build numbers not 1..{len(nums)}")
        by_start = [b["number"] for b in sorted(bs, key=lambda b: (b["start"], b["number"]))]
        if by_start != sorted(by_start):
            err(f"{p}: build numbers do not follow start times")

    # --- retry chains
    by_arn = {b["arn"]: b for b in builds.values()}
    parent = {bid: bid for bid in builds}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    one_sided = incomplete = 0
    for b in builds.values():
        rc = b["retry"] or {}
        nxt = rc.get("nextAutoRetry")
        if nxt:
            if nxt in by_arn:
                parent[find(b["id"])] = find(by_arn[nxt]["id"])
                if (by_arn[nxt]["retry"] or {}).get("previousAutoRetry") != b["arn"]:
                    one_sided += 1
            else:
                incomplete += 1
        prv = rc.get("previousAutoRetry")
        if prv:
            if prv in by_arn:
                parent[find(b["id"])] = find(by_arn[prv]["id"])
                if (by_arn[prv]["retry"] or {}).get("nextAutoRetry") != b["arn"]:
                    one_sided += 1
            else:
                incomplete += 1
    chains = collections.defaultdict(list)
    for bid, b in builds.items():
        chains[find(bid)].append(b)
    retry_chains = recovered = exhausted = 0
    linked = set()
    for members in chains.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda b: (b["retry"]["autoRetryNumber"], b["start"]))
        retry_chains += 1
        for i, m in enumerate(members):
            if m["retry"]["autoRetryNumber"] != i:
                err(f"chain {members[0]['id']}: numbers {[x['retry']['autoRetryNumber'] for x in members]}")
            if i and m["start"] < (members[i - 1]["end"] or 0):
                err(f"chain {members[0]['id']}: retry starts before previous ends")
        root, last = members[0], members[-1]
        if root["status"] in FAILURES and last["status"] == "SUCCEEDED":
            recovered += 1
        if last["status"] in FAILURES and last["retry"]["autoRetryNumber"] == last["retry"]["autoRetryLimit"]:
            exhausted += 1
        ids = {m["id"] for m in members}
        for m in members:
            linked.add((m["id"], frozenset(ids)))
    chain_of = {}
    for members in chains.values():
        for m in members:
            chain_of[m["id"]] = id(members)
    plain_retry_cfg = sum(1 for b in builds.values() if b["retry"] and "nextAutoRetry" not in b["retry"]
                          and "previousAutoRetry" not in b["retry"])

    # --- flaky commits and manual rebuilds
    commits = collections.defaultdict(list)
    for b in builds.values():
        if b["rsv"]:
            commits[(b["project"], b["rsv"])].append(b)
    flaky = sum(1 for bs in commits.values()
                if any(b["status"] == "SUCCEEDED" for b in bs) and any(b["status"] in FAILURES for b in bs))
    rebuilds = 0
    rebuild_initiators = collections.Counter()
    for bs in commits.values():
        for b in bs:
            if any(o is not b and o["complete"] and o["end"] is not None and o["end"] < b["start"]
                   and chain_of[o["id"]] != chain_of[b["id"]] for o in bs):
                rebuilds += 1
                rebuild_initiators["person" if not (b["initiator"] or "").startswith(
                    ("codepipeline/", "GitHub-Hookshot/", "Bitbucket", "GitLab")) else "trigger"] += 1

    statuses = collections.Counter(b["status"] for b in builds.values())
    failed_phases = collections.Counter(b["failed_phase"] for b in builds.values()
                                        if b["complete"] and b["status"] in FAILURES)
    reasons = collections.Counter(b["reason"][0] for b in builds.values()
                                  if b["complete"] and b["status"] in FAILURES and b["reason"])
    months = sorted({os.path.dirname(os.path.relpath(f, args.dir)) for f in files})
    starts = [b["start"] for b in builds.values()]

    out = collections.OrderedDict()
    out["files"] = len(files)
    out["bytes on disk (sum of file sizes)"] = size
    out["month folders"] = months
    out.update(stats)
    out["layout hints"] = dict(forms)
    out["records"] = len(records)
    out["distinct builds"] = len(builds)
    out["projects"] = len(per_project)
    out["builds per project (max/min)"] = [max(map(len, per_project.values())), min(map(len, per_project.values()))]
    out["time span (UTC)"] = [dt.datetime.fromtimestamp(min(starts) / 1000, dt.timezone.utc).isoformat(),
                              dt.datetime.fromtimestamp(max(starts) / 1000, dt.timezone.utc).isoformat()]
    out["duplicates"] = len(dups)
    out["duplicate kinds"] = dict(dup_kinds)
    out["in-progress builds (after dedupe)"] = statuses.get("IN_PROGRESS", 0)
    out["statuses"] = {s: statuses.get(s, 0) for s in STATUSES}
    out["failures by failed phase"] = dict(failed_phases)
    out["failure status codes"] = dict(reasons)
    out["stopped builds by phase"] = dict(collections.Counter(
        b["failed_phase"] for b in builds.values() if b["status"] == "STOPPED"))
    out["auto-retry chains (len>1)"] = retry_chains
    out["  recovered"] = recovered
    out["  exhausted"] = exhausted
    out["  one-sided links"] = one_sided
    out["  links to ARNs not in archive"] = incomplete
    out["builds with autoRetryConfig but no links"] = plain_retry_cfg
    out["commits (project, resolvedSourceVersion)"] = len(commits)
    out["flaky commits"] = flaky
    out["manual rebuilds (ANALYTICS definition)"] = rebuilds
    out["  by initiator kind"] = dict(rebuild_initiators)
    out["builds without resolvedSourceVersion"] = sum(1 for b in builds.values() if not b["rsv"])
    out["source versions"] = dict(collections.Counter(sv_kind(b["sv"]) for b in builds.values()))
    out["errors"] = len(errors)
    print(json.dumps(out, indent=2))
    if args.max_bytes is not None and size > args.max_bytes:
        print(f"too big: {size} > {args.max_bytes}", file=sys.stderr)
        return 1
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
