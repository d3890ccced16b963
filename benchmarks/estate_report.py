# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The estate scenario's section of results.md and its plot (estate.png). Used by report.py.

The estate runs on request (`run.py --scenarios estate`), apart from the default suite; `merge()` puts its results into
the suite's results.json so that one results.md shows both:

    python benchmarks/estate_report.py ESTATE_RUN/results.json benchmarks/results.json   # merge, re-render results.md + plots
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

ANALYSIS = Path(__file__).resolve().parent / "estate_analysis.md"   # hand-written: what the profiles showed, embedded when present


def _row(run):
    return "| %s | %d | %.1f | %.1f | %.2f | %.1f | %.0f | %.0f | %.3f | %d | %s | %s |" % (
        run["label"], run["n"], run["wall"], run["client_cpu"], run["client_cpu_ms_per_image"], run["standin_cpu"] or 0,
        run["peak_rss_mb"], run["peak_pss_mb"], run["requests_per_image"], run["import_calls"],
        " ".join("%.1f" % v for v in run["load_before"]), " ".join("%.1f" % v for v in run["load_after"]))


def section(data):
    meta, cfg, runs = data["meta"], data["meta"]["config"], data["runs"]
    fit = data["fit"]
    n_estate = runs["first_mirror"]["n"]
    lines = ["## 8. Estate: %d images over %d registries (on request: `run.py --scenarios estate`)" % (n_estate, len(cfg["registries"])), "",
             "Run on %s at commit %s, %s CPUs: the load averages (1, 5, 15 min) before and after every run are in the table "
             "(the stand-in, its registries and Ansible's workers share the CPUs; CPU times are less sensitive to load than "
             "wall times). %s" % (
                 meta["started"], meta["commit"], meta["cpus"],
                 "Seeding the pool took %.0f s (not measured)." % meta["seed_seconds"] if meta.get("seed_seconds", 0) >= 1 else
                 "The pool was seeded before, in the same work directory."), "",
             "One `ansible-playbook playbooks/mirror.yml --forks %d` run, one inventory host per registry (%s), %d single-platform "
             "(%s) images each, `acr_mirror_concurrency` %d per host. First mirror: every import held %.1f s by the stand-in "
             "(`import_behaviour(delay=L)`), into a fresh target prefix. No-op: the same inventory again. Curve: no-op runs of N "
             "images on one registry (%s). Client CPU = user + system of ansible-playbook and every process it started; peak "
             "memory = the largest sum of RSS over that process tree, sampled every 0.25 s from /proc (PSS beside it: RSS counts "
             "the pages a forked worker shares with its parent twice); requests = requests through the controller (stand-in "
             "counters) per image." % (len(cfg["registries"]), ", ".join(cfg["registries"]), n_estate // len(cfg["registries"]),
                                       meta["platform"], cfg["concurrency"], cfg["latency"], ", ".join(str(n) for n in cfg["curve"])), ""]
    lines += ["| target | measured | |", "|---|---|---|"]
    lines += ["| %s | %s | %s |" % (t["target"], t["measured"], "met" if t["met"] else "**missed**") for t in data["targets"]]
    lines += ["", "| run | N | wall s | client CPU s | client CPU ms/image | stand-in CPU s | peak RSS MB | peak PSS MB | requests/image "
              "| importImage calls | load before | load after |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    every = [runs["first_mirror"]] + runs["noop"] + [r for n in sorted(runs["curve"], key=int) for r in runs["curve"][n]]
    lines += [_row(r) for r in every]
    lines += ["", "No-op curve fit (one registry): wall = %.2f s + %.2f ms x N (R^2 %.4f); client CPU = %.2f s + %.3f ms x N (R^2 %.4f)." % (
        fit["wall"]["intercept"], fit["wall"]["slope"] * 1000, fit["wall"]["r2"], fit["client_cpu"]["intercept"],
        fit["client_cpu"]["slope"] * 1000, fit["client_cpu"]["r2"]), "", "![estate](estate.png)", ""]
    first = runs["first_mirror"]
    ideal = math.ceil(first["n"] / len(cfg["registries"]) / cfg["concurrency"]) * cfg["latency"]
    lines += ["First mirror: %.1f s for %d imports; the latency alone, in waves of %d imports in flight, is %.1f s. Setup (untimed): %s." % (
        first["wall"], first["import_calls"], cfg["concurrency"] * len(cfg["registries"]), ideal,
        "; ".join("%d images mirrored to the curve's registry in %.1f s (%d imports)" % (s["n"], s["wall"], s["imports"])
                  for s in data.get("setup", [])) or "none"), ""]
    if ANALYSIS.exists():
        lines += [ANALYSIS.read_text().strip(), ""]
    return lines


def plot(data, path):
    try:
        import matplotlib  # pylint: disable=import-outside-toplevel
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
    except ImportError:
        print("matplotlib not installed (pip install -r benchmarks/requirements.txt): no estate plot", file=sys.stderr)
        return False
    curve = data["runs"]["curve"]
    ns = sorted(int(n) for n in curve)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    for axis, key, label, fit in ((left, "wall", "wall s (whole ansible-playbook run)", data["fit"]["wall"]),
                                  (right, "client_cpu", "client CPU s (ansible-playbook + children)", data["fit"]["client_cpu"])):
        xs = [int(n) for n in curve for _r in curve[n]]
        ys = [r[key] for n in curve for r in curve[n]]
        axis.plot(xs, ys, "o", color="#1f77b4", label="no-op, one registry (each run)", zorder=3)
        axis.plot([0, max(ns)], [fit["intercept"], fit["intercept"] + fit["slope"] * max(ns)], "--", color="#1f77b4",
                  label="fit: %.2f s + %.2f ms/image (R^2 %.3f)" % (fit["intercept"], fit["slope"] * 1000, fit["r2"]))
        estate = data["runs"]["noop"]
        axis.plot([r["n"] for r in estate], [r[key] for r in estate], "s", color="#2ca02c", markersize=8,
                  label="no-op, %d registries, forks %d" % (len(data["meta"]["config"]["registries"]), len(data["meta"]["config"]["registries"])))
        if key == "wall" and estate[0]["n"] >= 10000:
            axis.plot([estate[0]["n"]], [60], "v", color="#d62728", markersize=9, label="target 60 s (estate no-op, 10,000)")
        if key == "client_cpu":
            axis.plot([0, max(ns)], [0, 0.0025 * max(ns)], ":", color="#d62728", label="target 2.5 ms/image")
        earlier = data.get("before_redactor_fix")
        if earlier:
            runs = [r for n in earlier["runs"]["curve"] for r in earlier["runs"]["curve"][n]]
            axis.plot([r["n"] for r in runs], [r[key] for r in runs], "x", color="#7f7f7f", markersize=8,
                      label="one registry, before the Redactor fix (run of %s)" % earlier["meta"]["started"][:16])
            axis.plot([r["n"] for r in earlier["runs"]["noop"]], [r[key] for r in earlier["runs"]["noop"]], "s", color="#7f7f7f",
                      markerfacecolor="none", markersize=8, label="4 registries, before the Redactor fix")
        axis.set_xlabel("current images")
        axis.set_ylabel(label)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8, loc="upper left")
    left.set_title("No-op mirror: wall vs N")
    right.set_title("No-op mirror: client CPU vs N")
    meta = data["meta"]
    fig.suptitle("acrops.registry estate benchmark against the local ACR stand-in (%s, commit %s, %s CPUs, shared, load %.1f at start)" % (
        meta["started"][:16], meta["commit"], meta["cpus"], meta["load_at_start"][0]), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def merge(extra_path, base_path):
    """Copy the estate scenario of one run's results.json into the suite's results.json (replacing an older one)."""
    extra = json.loads(Path(extra_path).read_text())
    base = json.loads(Path(base_path).read_text())
    if "estate" not in extra.get("scenarios", {}):
        raise SystemExit("%s has no estate scenario" % extra_path)
    base["scenarios"]["estate"] = extra["scenarios"]["estate"]
    Path(base_path).write_text(json.dumps(base, indent=1, sort_keys=False, default=str))
    return base


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import report  # noqa: E402  pylint: disable=wrong-import-position

    merged = merge(sys.argv[1], sys.argv[2])
    target = Path(sys.argv[2])
    report.write(merged, target.with_name("results.md"), target.with_name("scaling.png"))
