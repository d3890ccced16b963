# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scenario 7 (`registry`): the no-op mirror of a whole registry namespace, 1,000 images over 100 repositories (10 tags
each), written as ONE entry (`repositories: {regex}`, `tags: all`) beside the same 1,000 images written as 1,000 listed
entries. Same images, same targets, interleaved repetitions; wall time and the controller's requests per image by kind.

The source is another ACR of the stand-in (`devacr`, named by `source_registry`, read with the run's Entra identity as a
migration between registries reads it): its data plane goes through the stand-in's front, so every source request is
counted (the private distribution registry, which also serves a catalog, is reached by a tunnel the counters do not see).
The registry-wide entry lists the catalog once (`/acr/v1/_catalog`) and each repository's tags once (101 requests counted
against acr_mirror_tag_list_budget, raised here: its default 100 does not cover 100 repositories), then plans every
selected tag like a listed one.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

from harness import controller_requests, stats

SOURCE = "devacr"
NAMESPACE = "bench-registry"
REPO_FORMAT = NAMESPACE + "/repo%03d"


def request_kinds(run, n, target_host, source_host):
    """The controller's requests of a run, by kind, in total and per image."""
    kinds = {"catalog": 0, "tag_list": 0, "source_manifest": 0, "target_tag_read": 0, "tokens": 0, "arm_and_entra": 0, "other": 0}
    for key, count in controller_requests(run["counters"]).items():
        host = key.split(" ", 1)[0]
        if "token" in key or "exchange" in key:
            kinds["tokens"] += count
        elif "_catalog" in key:
            kinds["catalog"] += count
        elif host == source_host and ("/tags/list" in key or key.endswith("/_tags")):
            kinds["tag_list"] += count
        elif host == source_host and "/manifests/" in key:
            kinds["source_manifest"] += count
        elif host == target_host and key.endswith("GET acr:/acr/v1/{repo}/_tags/{tag}"):
            kinds["target_tag_read"] += count
        elif " arm:" in key or " entra:" in key or key.endswith(" metadata"):
            kinds["arm_and_entra"] += count
        else:
            kinds["other"] += count
    total = sum(kinds.values())
    return {"totals": kinds, "total": total, "per_image_total": round(total / n, 3),
            "per_image": {k: round(v / n, 3) for k, v in kinds.items()}, "raw": controller_requests(run["counters"])}


def seed(bench, repos, tags):
    """Push repos x tags images (two-platform OCI indexes, the stand-in's default) into the source ACR; [(path:tag, digest)]."""
    todo = [(REPO_FORMAT % r, str(t)) for r in range(repos) for t in range(1, tags + 1)]
    started = time.monotonic()

    def push(item):
        repo, tag = item
        return "%s:%s" % (repo, tag), bench.standin.push(SOURCE, repo, tag)

    with ThreadPoolExecutor(max_workers=4) as pool:
        pushed = list(pool.map(push, todo))
    bench.log("seeded %d images over %d repositories of %s in %.1f s" % (len(pushed), repos, SOURCE, time.monotonic() - started))
    return pushed


def scenario_registry(suite):
    cfg, bench = suite.config, suite.bench
    repos, tags = cfg.registry_repos, cfg.registry_tags
    n = repos * tags
    images = [{"source": path, "source_registry": SOURCE} for path, _digest in seed(bench, repos, tags)]
    host_vars = {"acr_mirror_tag_list_budget": repos + 100, "acr_mirror_max_images": max(1000, n)}
    wide = bench.inventory("registry-wide-%d" % n, [{"source": NAMESPACE, "source_registry": SOURCE, "repositories": {"regex": "repo[0-9]+"},
                                                     "tags": "all"}], **host_vars)
    listed = bench.inventory("registry-listed-%d" % n, images, **host_vars)
    hosts = bench.login_server, bench.standin.env["registries"][SOURCE]["login_server"]
    first = bench.playbook(wide, extra_vars={"acr_mirror_concurrency": cfg.first_mirror_concurrency}, label="registry-first-mirror")
    bench.log("setup: first registry-wide mirror of %d images in %.1f s (%d imports)" % (n, first["wall"], first["counters"].get("import_calls", 0)))
    if first["counters"].get("import_calls", 0) != n:
        raise RuntimeError("the first registry-wide mirror imported %s of %d images" % (first["counters"].get("import_calls", 0), n))
    variants = {"listed": (listed, "%d listed entries (one per image)" % n),
                "registry_wide": (wide, "one entry: repositories {regex: 'repo[0-9]+'}, tags: all")}
    runs = {name: [] for name in variants}
    for rep in range(cfg.reps):
        for name, (inventory, _what) in variants.items():
            load_before = os.getloadavg()[0]
            run = bench.playbook(inventory, label="registry-%s-r%d" % (name, rep))
            run["load_average"] = (load_before, os.getloadavg()[0])
            counts = run["counts"]
            run["correct"] = run["counters"].get("import_calls", 0) == 0 and counts.get("unchanged") == n and counts.get("failed") == 0
            runs[name].append(run)
            bench.log("registry no-op %s N=%d rep %d: %.2f s wall, module %.2f s, imports %d, load %.2f%s" % (
                name, n, rep, run["wall"], (run["timings"] or {}).get("module_elapsed") or 0, run["counters"].get("import_calls", 0),
                load_before, "" if run["correct"] else "  (NOT CORRECT: %s)" % counts))
    out = {"n": n, "repositories": repos, "tags_per_repository": tags, "first_mirror_wall": round(first["wall"], 2), "variants": {}}
    for name, items in runs.items():
        out["variants"][name] = {
            "what": variants[name][1], "wall": stats([r["wall"] for r in items]),
            "module_elapsed": stats([(r["timings"] or {}).get("module_elapsed") for r in items]),
            "client_cpu": stats([r["cpu"]["client"] for r in items]), "standin_cpu": stats([r["cpu"]["standin"] for r in items]),
            "load_average": [r["load_average"] for r in items], "correct": all(r["correct"] for r in items),
            "requests": request_kinds(items[len(items) // 2], n, *hosts), "import_calls": [r["counters"].get("import_calls", 0) for r in items]}
    return out


def correct(data):
    return all(v["correct"] for v in data["variants"].values())


def section(data):
    lines = ["## 7. Registry-wide no-op: %d images over %d repositories, one entry vs %d listed entries" % (
        data["n"], data["repositories"], data["n"]), "",
        "| entry | wall s | module s | requests per image | catalog | tag lists | source manifests | target tag reads | tokens | load avg (1 min) |",
        "|---|---|---|---|---|---|---|---|---|---|"]
    for name, v in data["variants"].items():
        req = v["requests"]["totals"]
        lines.append("| %s | %.2f (%.2f-%.2f) | %.2f | %.3f | %d | %d | %d | %d | %d | %s |" % (
            v["what"], v["wall"]["median"], v["wall"]["min"], v["wall"]["max"], (v["module_elapsed"] or {}).get("median") or 0,
            v["requests"]["per_image_total"], req["catalog"], req["tag_list"], req["source_manifest"], req["target_tag_read"], req["tokens"],
            ", ".join("%.2f" % before for before, _after in v["load_average"])))
    lines.append("")
    return lines
