# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The seven scenarios of the default suite (the seventh, `registry`, in registry_wide.py) and `estate`, on request only
(estate.py). Each takes the shared Suite and returns a JSON-able dict (raw runs + summaries).

Compared things are always measured in the same process run, interleaved repetition by repetition, so that the
load of a shared machine hits all of them alike; summaries are median / min / max over the repetitions.
"""

from __future__ import annotations

import math
import time

from harness import REGISTRY, SOURCE_API_HOST, controller_bytes, controller_requests, image_size, stats
import estate
import peers
import registry_wide

SOURCE_HEAD = "%s HEAD source:/v2/{repo}/manifests/{ref}" % SOURCE_API_HOST
SOURCE_GET = "%s GET source:/v2/{repo}/manifests/{ref}" % SOURCE_API_HOST
SOURCE_TOKEN = "%s GET source:token" % SOURCE_API_HOST


class Config:
    """What to run: sizes, repetitions, latency. --quick shrinks everything to a smoke run (N=5, one repetition)."""

    def __init__(self, quick=False, reps=None, latency=None, large_mb=None, latency_reps=None, peer_reps=None, estate_size=None,
                 estate_latency=None):
        self.quick = quick
        self.reps = reps or (1 if quick else 3)
        self.noop_sizes = [5] if quick else [10, 100, 500]
        self.scaling_sizes = [2, 5] if quick else [10, 50, 100, 250, 500, 1000]
        self.mixed_size = 5 if quick else 100
        self.mixed_moved_every = 10            # 10 % of the tags move (at least one)
        self.latency = latency if latency is not None else (0.5 if quick else 5.0)
        self.latency_size = 5 if quick else 50
        self.concurrencies = [1, 8] if quick else [1, 4, 8, 16]
        self.latency_reps = latency_reps or self.reps
        self.small_size = 1024
        self.large_mb = large_mb if large_mb is not None else (4 if quick else 200)
        self.peer_size = 5 if quick else 100
        self.peer_reps = peer_reps or self.reps
        self.first_mirror_concurrency = 16
        self.registry_repos = 2 if quick else 100      # scenario 7: repositories x tags of the registry-wide no-op
        self.registry_tags = 3 if quick else 10
        self.estate = estate.EstateConfig(quick=quick, size=estate_size, latency=estate_latency)

    def describe(self):
        return dict(self.__dict__, estate=self.estate.describe())


class Suite:
    """State shared by scenarios: the bench, the main image pool (mirrored once), the no-op run cache."""

    def __init__(self, bench, config):
        self.bench = bench
        self.config = config
        self.noop_runs = {}          # N -> [run, ...]
        self.mirrored = 0            # how many main-pool images are mirrored to their default targets
        self.setup = {}
        self.skopeo = peers.Skopeo(bench)
        self.peer_shape = None

    # ---- pools, seeded and mirrored once for every selected scenario --------------------------------------------
    def prepare(self, selected):
        """Seed every pool the selected scenarios need and mirror them all in ONE first-mirror run (setup, untimed).

        main:   library/benchNNNN:1, two-platform OCI indexes (the stand-in's default test image): no-op, scaling, latency
        mixed:  library/mixNNN:1 (scenario 2 moves 10 % of them)
        peers:  library/peerNNN:1, the shape skopeo can read through the stand-in (scenario 5)"""
        cfg, bench = self.config, self.bench
        main = max([0] + (cfg.noop_sizes if "noop" in selected else []) + (cfg.scaling_sizes if "scaling" in selected else [])
                   + ([cfg.latency_size] if "latency" in selected else []))
        images = self.pool(main) if main else []
        if "mixed" in selected:
            images += self.mixed_pool()
        if "peers" in selected:
            images += self.peer_pool()
        if images:
            inventory = bench.inventory("setup-%d" % len(images), images)
            run = bench.playbook(inventory, extra_vars={"acr_mirror_concurrency": cfg.first_mirror_concurrency}, label="setup-first-mirror")
            bench.log("setup: first mirror of %d images in %.1f s (%d imports)" % (len(images), run["wall"], run["counters"].get("import_calls", 0)))
            self.setup.setdefault("first_mirror_runs", []).append(summarize_run(run, len(images)))
            if run["counters"].get("import_calls", 0) != len(images):
                raise RuntimeError("setup first mirror imported %s of %d images" % (run["counters"].get("import_calls", 0), len(images)))
        self.mirrored = main

    def pool(self, count):
        return [ref for ref, _digest in self.bench.seed("main", "library/bench%04d", count)]

    def mixed_pool(self):
        return [ref for ref, _digest in self.bench.seed("mixed", "library/mix%03d", self.config.mixed_size)]

    def peer_pool(self):
        """skopeo 1.9 sends one Accept header line per media type; if the stand-in forwards only the first line, an OCI
        index is unreadable for skopeo ("OCI index found, but accept header does not support OCI indexes"): then the
        peer pool is single-platform OCI images, for every tool alike."""
        if self.peer_shape is None:
            self.peer_shape = {"platforms": None, "note": None, "skopeo_reads_oci_index": None}
            if self.skopeo.available:
                probe_ref = self.bench.seed("probe-index", "library/peer-probe%d", 1)[0][0]
                readable, error = self.skopeo.reads_oci_index(probe_ref)
                self.peer_shape["skopeo_reads_oci_index"] = readable
                if not readable:
                    self.peer_shape["platforms"] = "linux/amd64"
                    reason = "OCI index found, but accept header does not support OCI indexes" if "accept header" in error else error[-140:]
                    self.peer_shape["note"] = (
                        "skopeo cannot read an OCI index through the stand-in (distribution answers \"%s\"): the stand-in forwards "
                        "only the first Accept header line to storage, and skopeo sends one line per media type. The peer pool "
                        "uses single-platform OCI images instead, for every tool alike." % reason)
        return [ref for ref, _digest in self.bench.seed("peers", "library/peer%03d", self.config.peer_size, platforms=self.peer_shape["platforms"])]

    def mirror_pool(self, count):
        """The first `count` main-pool images, mirrored to their default targets (a late first mirror if prepare() did not)."""
        images = self.pool(count)
        if self.mirrored >= count:
            return images
        inventory = self.bench.inventory("pool-%d" % count, images)
        run = self.bench.playbook(inventory, extra_vars={"acr_mirror_concurrency": self.config.first_mirror_concurrency},
                                  label="setup-first-mirror-%d" % count)
        self.bench.log("setup: first mirror of %d pool images in %.1f s (%d imports)" % (count, run["wall"], run["counters"].get("import_calls", 0)))
        self.setup.setdefault("first_mirror_runs", []).append(summarize_run(run, count))
        self.mirrored = count
        return images

    # ---- no-op runs, cached by N so that scenarios 1 and 6 share them ---------------------------------------------
    def noop(self, sizes, reps):
        self.mirror_pool(max(sizes))
        for rep in range(reps):
            for n in sizes:
                runs = self.noop_runs.setdefault(n, [])
                if len(runs) > rep:
                    continue
                inventory = self.bench.inventory("noop-%d" % n, self.pool(n))
                run = self.bench.playbook(inventory, label="noop-%d-r%d" % (n, rep))
                counts = run["counts"]
                run["correct"] = run["counters"].get("import_calls", 0) == 0 and counts.get("unchanged") == n and counts.get("failed") == 0
                runs.append(run)
                self.bench.log("no-op N=%d rep %d: %.2f s wall, module %.2f s, imports %d%s" % (
                    n, rep, run["wall"], (run["timings"] or {}).get("module_elapsed") or 0, run["counters"].get("import_calls", 0),
                    "" if run["correct"] else "  (NOT CORRECT: %s)" % counts))
        return {n: self.noop_runs[n][:reps] for n in sizes}


def summarize_run(run, n=None):
    """The compact per-run record kept in results.json."""
    timings = run.get("timings") or {}
    out = {"label": run.get("label"), "wall": round(run["wall"], 4), "rc": run["rc"], "cpu": run.get("cpu"),
           "import_calls": run["counters"].get("import_calls", 0),
           "controller_bytes": controller_bytes(run["counters"]),
           "controller_requests": controller_requests(run["counters"]),
           "token_requests": run["counters"].get("token_requests", {}),
           "ansible_startup": timings.get("startup"), "import_task": timings.get("import_task"), "module_elapsed": timings.get("module_elapsed"),
           "tasks": [(t["name"], t["seconds"]) for t in timings.get("tasks", [])]}
    if run.get("counts"):
        out["counts"] = run["counts"]
    if "correct" in run:
        out["correct"] = run["correct"]
    if n:
        out["n"] = n
    return out


def per_image_requests(run, n):
    """Requests per current image in a no-op run, by kind (controller's requests only)."""
    requests = controller_requests(run["counters"])
    kinds = {"source_head": 0, "source_get": 0, "dest_tag_read": 0, "source_token": 0, "acr_token": 0, "acr_exchange": 0, "entra": 0,
             "arm_and_metadata": 0, "other": 0}
    for key, count in requests.items():
        if key == SOURCE_HEAD:
            kinds["source_head"] += count
        elif key == SOURCE_GET:
            kinds["source_get"] += count
        elif key == SOURCE_TOKEN:
            kinds["source_token"] += count
        elif key.endswith("GET acr:/acr/v1/{repo}/_tags/{tag}"):
            kinds["dest_tag_read"] += count
        elif key.endswith("acr:/oauth2/token"):
            kinds["acr_token"] += count
        elif key.endswith("acr:/oauth2/exchange"):
            kinds["acr_exchange"] += count
        elif " entra:" in key:
            kinds["entra"] += count
        elif " arm:" in key or key.endswith(" metadata"):
            kinds["arm_and_metadata"] += count
        else:
            kinds["other"] += count
    total = sum(kinds.values())
    return {"n": n, "totals": kinds, "total": total, "per_image": {k: round(v / n, 3) for k, v in kinds.items()},
            "per_image_total": round(total / n, 3), "raw": requests}


# ---- 1. no-op mirror ---------------------------------------------------------------------------------------------
def scenario_noop(suite):
    cfg = suite.config
    runs = suite.noop(cfg.noop_sizes, cfg.reps)
    out = {"sizes": cfg.noop_sizes, "by_n": {}}
    for n, items in runs.items():
        out["by_n"][str(n)] = {
            "wall": stats([r["wall"] for r in items]),
            "module_elapsed": stats([(r["timings"] or {}).get("module_elapsed") for r in items]),
            "import_task": stats([(r["timings"] or {}).get("import_task") for r in items]),
            "ansible_startup": stats([(r["timings"] or {}).get("startup") for r in items]),
            "client_cpu": stats([r["cpu"]["client"] for r in items]), "standin_cpu": stats([r["cpu"]["standin"] for r in items]),
            "correct": all(r["correct"] for r in items),
            "requests": per_image_requests(items[len(items) // 2], n),
            "runs": [summarize_run(r, n) for r in items],
        }
    # a floor for "how much of this is ansible-playbook itself": the same playbook with an empty image list; and what
    # writing the role's JSON report (acr_mirror_report, off by default) adds to the no-op run
    floor, with_report = [], []
    empty = suite.bench.inventory("noop-0", [])
    n_report = 100 if 100 in runs else max(runs)
    report_inventory = suite.bench.inventory("noop-%d" % n_report, suite.pool(n_report))
    for rep in range(0 if cfg.quick else cfg.reps):
        floor.append(suite.bench.playbook(empty, label="noop-0-r%d" % rep)["wall"])
        with_report.append(suite.bench.playbook(report_inventory, label="noop-%d-report-r%d" % (n_report, rep), report=True)["wall"])
    out["empty_list_playbook"] = stats(floor)
    out["with_json_report"] = {"n": n_report, "wall": stats(with_report)}
    return out


# ---- 2. mixed: 10 % of the source tags moved, force on -------------------------------------------------------------
def scenario_mixed(suite):
    cfg, bench = suite.config, suite.bench
    n = cfg.mixed_size
    images = suite.mixed_pool()       # mirrored by Suite.prepare()
    moved_idx = [i for i in range(n) if i % cfg.mixed_moved_every == 0] or [0]
    inventory = bench.inventory("mixed-%d" % n, images)
    runs = []
    for rep in range(cfg.reps):
        expected = {}
        for i in moved_idx:
            repo = "library/mix%03d" % i
            expected["mix%03d" % i] = bench.push(repo, "1", seed="%s:1#moved-r%d" % (repo, rep))
        run = bench.playbook(inventory, label="mixed-r%d" % rep)
        counts = run["counts"]
        landed = {name: bench.standin.storage_digest(REGISTRY, name, "1") for name in expected}
        wrong = sorted(name for name, digest in expected.items() if landed[name] != digest)
        run["correct"] = (run["counters"].get("import_calls", 0) == len(moved_idx) and counts.get("overwritten") == len(moved_idx)
                          and counts.get("unchanged") == n - len(moved_idx) and counts.get("failed") == 0 and not wrong)
        run["wrong_digests"] = wrong
        runs.append(run)
        bench.log("mixed N=%d rep %d: %.2f s, imports %d, counts %s%s" % (
            n, rep, run["wall"], run["counters"].get("import_calls", 0), counts, "" if run["correct"] else "  NOT CORRECT %s" % wrong))
    return {"n": n, "moved": len(moved_idx),
            "wall": stats([r["wall"] for r in runs]), "module_elapsed": stats([(r["timings"] or {}).get("module_elapsed") for r in runs]),
            "import_calls": [r["counters"].get("import_calls", 0) for r in runs], "correct": all(r["correct"] for r in runs),
            "controller_bytes": stats([controller_bytes(r["counters"]) for r in runs]),
            "runs": [dict(summarize_run(r, n), wrong_digests=r["wrong_digests"]) for r in runs]}


# ---- 3. first mirror under import latency ------------------------------------------------------------------------
def scenario_latency(suite):
    cfg, bench = suite.config, suite.bench
    n, latency = cfg.latency_size, cfg.latency
    images = suite.pool(n)
    startup_runs = suite.noop([n], cfg.latency_reps)[n]
    startup = stats([r["wall"] for r in startup_runs])
    inventory = bench.inventory("latency-%d" % n, images)
    by_c = {c: [] for c in cfg.concurrencies}
    try:
        for rep in range(cfg.latency_reps):
            for c in cfg.concurrencies:
                bench.standin.control.import_behaviour(delay=latency)
                run = bench.playbook(inventory, extra_vars={"acr_mirror_concurrency": c, "acr_mirror_target_prefix": "lat-r%d-c%d/" % (rep, c)},
                                     label="latency-c%d-r%d" % (c, rep))
                bench.standin.control.import_behaviour(delay=0)
                counts = run["counts"]
                run["correct"] = run["counters"].get("import_calls", 0) == n and counts.get("imported") == n and counts.get("failed") == 0
                by_c[c].append(run)
                bench.log("first mirror N=%d L=%.1fs C=%d rep %d: %.2f s (ideal %.1f s + start-up), imports %d" % (
                    n, latency, c, rep, run["wall"], math.ceil(n / c) * latency, run["counters"].get("import_calls", 0)))
    finally:
        bench.standin.control.import_behaviour(delay=0)
    out = {"n": n, "latency": latency, "startup_definition": "median wall of the no-op mirror of the same N images (same run)",
           "startup": startup, "by_concurrency": {}}
    for c, runs in by_c.items():
        waves = math.ceil(n / c)
        target = 1.25 * waves * latency + startup["median"]
        wall = stats([r["wall"] for r in runs])
        out["by_concurrency"][str(c)] = {
            "wall": wall, "waves": waves, "ideal": waves * latency + startup["median"], "target": target,
            "met": wall["median"] <= target, "correct": all(r["correct"] for r in runs),
            "controller_bytes_per_image": stats([controller_bytes(r["counters"]) / n for r in runs]),
            "module_elapsed": stats([(r["timings"] or {}).get("module_elapsed") for r in runs]),
            "runs": [summarize_run(r, n) for r in runs]}
    return out


# ---- 4. bytes through the controller -----------------------------------------------------------------------------
def scenario_bytes(suite):
    cfg, bench = suite.config, suite.bench
    sizes = {"small": cfg.small_size, "large": cfg.large_mb * 1024 * 1024}
    out = {"images": {}, "note": "single-platform OCI images (one layer of the given size); bytes are HTTP body bytes counted by the "
                                 "stand-in front (requests + responses), per client: 'controller' = this machine, 'acr-import' = "
                                 "the emulated service's own server-side copy"}
    skopeo_ok = suite.skopeo.available
    for name, size in sizes.items():
        runs, skopeo_runs, image_bytes = [], [], []
        repo = "library/bytes-%s" % name
        for rep in range(cfg.reps):
            tag = "r%d" % rep
            started = time.monotonic()
            bench.push(repo, tag, platforms="linux/amd64", size=size, seed="%s:%s:bytes" % (repo, tag))
            image_bytes.append(image_size(bench.standin, "dockerhub", repo, tag))
            bench.log("bytes: pushed %s:%s (%d bytes) in %.1f s" % (repo, tag, image_bytes[-1], time.monotonic() - started))
            inventory = bench.inventory("bytes-%s-%s" % (name, tag), ["docker.io/%s:%s" % (repo, tag)])
            run = bench.playbook(inventory, label="bytes-%s-%s" % (name, tag))
            run["correct"] = run["counters"].get("import_calls", 0) == 1
            runs.append(run)
            if skopeo_ok:
                # a fresh tag per repetition, so skopeo's blob-info cache cannot turn the copy into a cross-repo mount
                skopeo_runs.append(suite.skopeo.copy_loop(["docker.io/%s:%s" % (repo, tag)], label="skopeo-bytes-%s-%s" % (name, tag),
                                                          targets=["skopeo-bytes/%s:%s" % (name, tag)]))
            bench.log("bytes %s rep %d: ours %d B through the controller (%d B server-side), skopeo %s B" % (
                name, rep, controller_bytes(run["counters"]), sum(h.get("acr-import", 0) for h in run["counters"].get("bytes", {}).values()),
                controller_bytes(skopeo_runs[-1]["counters"]) if skopeo_runs else "n/a"))
        out["images"][name] = {
            "layer_size": size, "image_bytes": stats(image_bytes),
            "ours_controller_bytes": stats([controller_bytes(r["counters"]) for r in runs]),
            "ours_server_side_bytes": stats([sum(h.get("acr-import", 0) for h in r["counters"].get("bytes", {}).values()) for r in runs]),
            "ours_bytes_by_host": runs[-1]["counters"].get("bytes", {}),
            "ours_wall": stats([r["wall"] for r in runs]),
            "ours_correct": all(r["correct"] for r in runs),
            "skopeo_controller_bytes": stats([controller_bytes(r["counters"]) for r in skopeo_runs]) if skopeo_runs else None,
            "skopeo_wall": stats([r["wall"] for r in skopeo_runs]) if skopeo_runs else None,
            "runs": [summarize_run(r, 1) for r in runs],
        }
    return out


# ---- 5. peers on the 100-image no-op mirror ----------------------------------------------------------------------
def scenario_peers(suite):
    cfg, bench = suite.config, suite.bench
    n = cfg.peer_size
    out = {"n": n, "notes": []}
    images = suite.peer_pool()        # mirrored by Suite.prepare()
    shape = suite.peer_shape
    out["skopeo_reads_oci_index"] = shape["skopeo_reads_oci_index"]
    if shape["note"]:
        out["notes"].append(shape["note"])
    out["image_shape"] = "two-platform OCI index" if shape["platforms"] is None else "single-platform OCI manifest (%s)" % shape["platforms"]
    inventory = bench.inventory("peers-%d" % n, images)
    skopeo_ok = suite.skopeo.available
    az = peers.AzureCli(bench)
    az.setup()
    out["az"] = {"available": az.ready, "version": az.version, "reason": az.reason}
    if not az.ready:
        out["notes"].append("az loop skipped: %s" % az.reason)
    tools = [("acrops.registry (mirror.yml)", lambda rep: bench.playbook(inventory, label="peers-ours-r%d" % rep))]
    if skopeo_ok:
        tools.append(("skopeo copy --all loop", lambda rep: suite.skopeo.copy_loop(images, label="peers-skopeo-copy-r%d" % rep)))
        tools.append(("skopeo sync --all", lambda rep: suite.skopeo.sync(images, label="peers-skopeo-sync-r%d" % rep)))
    else:
        out["notes"].append("skopeo not installed: skipped")
    tools.append(("per-item acr_import loop", lambda rep: peers.per_item_loop(bench, inventory, label="peers-per-item-r%d" % rep)))
    tools.append(("per-item acr_import loop, in-process", lambda rep: peers.per_item_loop(
        bench, inventory, label="peers-per-item-in-process-r%d" % rep, as_modules=False)))
    if az.ready:
        tools.append(("az acr import --force loop", lambda rep: az.import_loop(images, label="peers-az-r%d" % rep)))
    results = {name: [] for name, _run in tools}
    for rep in range(cfg.peer_reps):
        for name, run_tool in tools:
            run = run_tool(rep)
            results[name].append(run)
            bench.log("peers N=%d rep %d: %-28s %.2f s, imports %d, controller bytes %d" % (
                n, rep, name, run["wall"], run["counters"].get("import_calls", 0), controller_bytes(run["counters"])))
    ours = stats([r["wall"] for r in results[tools[0][0]]])
    out["tools"] = {}
    for name, runs in results.items():
        wall = stats([r["wall"] for r in runs])
        out["tools"][name] = {"wall": wall, "per_image_ms": round(wall["median"] / n * 1000, 1),
                              "speedup_of_ours": round(wall["median"] / ours["median"], 2),
                              "import_calls": stats([r["counters"].get("import_calls", 0) for r in runs]),
                              "client_cpu": stats([r["cpu"]["client"] for r in runs]), "standin_cpu": stats([r["cpu"]["standin"] for r in runs]),
                              "controller_bytes": stats([controller_bytes(r["counters"]) for r in runs]),
                              "controller_requests": stats([sum(controller_requests(r["counters"]).values()) for r in runs]),
                              "requests_by_route": controller_requests(runs[-1]["counters"]),
                              "runs": [summarize_run(r, n) for r in runs]}
    return out


# ---- 6. scaling of the no-op mirror ------------------------------------------------------------------------------
def least_squares(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    intercept = my - slope * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys))
    return {"slope": slope, "intercept": intercept, "r2": 1 - ss_res / ss_tot if ss_tot else 1.0}


def scenario_scaling(suite):
    cfg = suite.config
    runs = suite.noop(cfg.scaling_sizes, cfg.reps)
    points = [(n, r["wall"]) for n, items in runs.items() for r in items]
    module_points = [(n, (r["timings"] or {}).get("module_elapsed")) for n, items in runs.items() for r in items]
    module_points = [(n, v) for n, v in module_points if v is not None]
    fit = least_squares([p[0] for p in points], [p[1] for p in points])
    module_fit = least_squares([p[0] for p in module_points], [p[1] for p in module_points]) if module_points else None
    by_n = {}
    for n, items in sorted(runs.items()):
        timings = [r["timings"] or {} for r in items]
        by_n[str(n)] = {"wall": stats([r["wall"] for r in items]), "module_elapsed": stats([t.get("module_elapsed") for t in timings]),
                        "import_task": stats([t.get("import_task") for t in timings]),
                        "other_tasks": stats([sum(s for name, s in summarize_run(r)["tasks"] if "Import what" not in name) for r in items]),
                        "ansible_startup": stats([t.get("startup") for t in timings]),
                        "client_cpu": stats([r["cpu"]["client"] for r in items]), "standin_cpu": stats([r["cpu"]["standin"] for r in items]),
                        "requests_per_image": per_image_requests(items[len(items) // 2], n)["per_image_total"],
                        "correct": all(r["correct"] for r in items)}
    return {"sizes": cfg.scaling_sizes, "points": points, "module_points": module_points, "fit": fit, "module_fit": module_fit,
            "marginal_ms_per_image": fit["slope"] * 1000, "module_marginal_ms_per_image": module_fit["slope"] * 1000 if module_fit else None,
            "by_n": by_n}


SCENARIOS = {
    "noop": scenario_noop,
    "mixed": scenario_mixed,
    "latency": scenario_latency,
    "bytes": scenario_bytes,
    "peers": scenario_peers,
    "scaling": scenario_scaling,
    "registry": registry_wide.scenario_registry,
    "estate": estate.scenario_estate,
}
