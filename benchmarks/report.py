# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""results.json -> results.md (tables, targets met or missed) and scaling.png.

    python benchmarks/report.py benchmarks/results.json        # re-render results.md and scaling.png from raw data
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import estate_report  # noqa: E402  pylint: disable=wrong-import-position
import registry_wide  # noqa: E402  pylint: disable=wrong-import-position

SCOPE_BATCH = 20  # scopes per token request (plugins/module_utils/registry_auth.py)

BENCH_DIR = Path(__file__).resolve().parent
ANALYSIS = BENCH_DIR / "analysis.md"   # hand-written profile analysis of the last full run, embedded when present
KB = 1024.0


def fmt_s(st, digits=2):
    """'median (min-max)' of a stats dict, in seconds."""
    if not st:
        return "n/a"
    if st["n"] == 1:
        return "%.*f" % (digits, st["median"])
    return "%.*f (%.*f-%.*f)" % (digits, st["median"], digits, st["min"], digits, st["max"])


def fmt_bytes(value):
    if value is None:
        return "n/a"
    if value >= 1024 * 1024:
        return "%.1f MB" % (value / 1024 / 1024)
    if value >= 1024:
        return "%.1f KB" % (value / KB)
    return "%d B" % value


def fmt_bytes_st(st):
    if not st:
        return "n/a"
    if st["n"] == 1 or st["min"] == st["max"]:
        return fmt_bytes(st["median"])
    return "%s (%s-%s)" % (fmt_bytes(st["median"]), fmt_bytes(st["min"]), fmt_bytes(st["max"]))


def mark(ok):
    return "met" if ok else "**missed**"


def scenario_correct(name, data):
    """Whether a scenario's results are correct (the only thing --quick/CI cares about)."""
    if name in ("noop",):
        return all(v["correct"] for v in data["by_n"].values())
    if name == "scaling":
        return all(v["correct"] for v in data["by_n"].values())
    if name == "mixed":
        return data["correct"]
    if name == "latency":
        return all(v["correct"] for v in data["by_concurrency"].values())
    if name == "bytes":
        return all(v["ours_correct"] for v in data["images"].values())
    if name == "estate":
        return data["correct"]
    if name == "peers":
        ours = data["tools"].get("acrops.registry (mirror.yml)", {})
        loops = [data["tools"].get(name, {}) for name in ("per-item acr_import loop", "per-item acr_import loop, in-process")]
        return all((run.get("import_calls", {}) or {}).get("max", 1) == 0 for run in [ours] + loops)
    if name == "registry":
        return registry_wide.correct(data)
    return True


# ---- targets --------------------------------------------------------------------------------------------------------
def targets(results):
    """[(target, measured, met or None)] for every target whose scenario ran."""
    rows = []
    sc = results["scenarios"]
    noop = sc.get("noop", {}).get("by_n", {})
    scaling = sc.get("scaling", {})
    for n, limit in (("100", 5.0), ("500", 12.0)):
        st = (noop.get(n) or {}).get("wall") or ((scaling.get("by_n") or {}).get(n) or {}).get("wall")
        if st:
            rows.append(("no-op mirror of %s images <= %.0f s wall (whole ansible-playbook run)" % (n, limit), fmt_s(st) + " s",
                         st["median"] <= limit))
    if scaling.get("fit"):
        rows.append(("marginal cost <= 20 ms/image (slope of the no-op fit, N=%s)" % ",".join(str(s) for s in scaling["sizes"]),
                     "%.1f ms/image (R^2 %.3f)" % (scaling["marginal_ms_per_image"], scaling["fit"]["r2"]), scaling["marginal_ms_per_image"] <= 20))
    lat = sc.get("latency")
    if lat:
        for c, v in lat["by_concurrency"].items():
            rows.append(("first mirror N=%d, L=%.0f s, C=%s <= 1.25 x %d x L + start-up = %.1f s" % (lat["n"], lat["latency"], c, v["waves"], v["target"]),
                         fmt_s(v["wall"], 1) + " s", v["met"]))
    by = sc.get("bytes")
    if by:
        for name, v in by["images"].items():
            st = v["ours_controller_bytes"]
            rows.append(("bytes through the controller <= 16 KB per imported image (%s image, %s)" % (name, fmt_bytes(v["image_bytes"]["median"])),
                         fmt_bytes_st(st), st["median"] <= 16 * KB))
    if lat:
        worst = max((v["controller_bytes_per_image"]["median"], c) for c, v in lat["by_concurrency"].items())
        rows.append(("bytes through the controller <= 16 KB per imported image (batch first mirror of %d, incl. fixed costs)" % lat["n"],
                     fmt_bytes(worst[0]) + " (worst C=%s)" % worst[1], worst[0] <= 16 * KB))
    peers = sc.get("peers")
    if peers:
        tools = peers["tools"]
        for name, factor in (("az acr import --force loop", 10), ("per-item acr_import loop", 5)):
            if name in tools:
                rows.append((">= %dx faster than the %s (%d-image no-op mirror)" % (factor, name, peers["n"]),
                             "%.1fx" % tools[name]["speedup_of_ours"], tools[name]["speedup_of_ours"] >= factor))
            else:
                rows.append((">= %dx faster than the %s" % (factor, name), "not measured (%s)" % (peers.get("az", {}).get("reason") or "skipped"), None))
        in_process = tools.get("per-item acr_import loop, in-process")
        if in_process:  # no target: the peer is the loop of module runs; this one gets acr_import's in-process action too
            rows.append(("(no target) faster than the per-item loop run in Ansible's worker", "%.1fx" % in_process["speedup_of_ours"], None))
    req = (noop.get("100") or noop.get(str(max(int(k) for k in noop))) if noop else None)
    if req:
        per, n = req["requests"]["per_image"], req["requests"]["n"]
        totals = req["requests"]["totals"]
        # One HEAD per source registry and run answers 401: it is how a client learns the registry's token service
        # (its challenge); every later request carries a cached token.
        source_hosts = len({key.split(" ", 1)[0] for key in req["requests"]["raw"] if " HEAD source:" in key}) or 1
        challenges = totals["source_head"] - n
        ok = challenges <= source_hosts and totals["dest_tag_read"] <= n and per["source_get"] == 0
        rows.append(("<= 1 source HEAD and <= 1 destination tag read per current image (+ one challenge per registry), N=%d" % n,
                     "%.2f HEAD (%d = %d images + %d challenge), %.2f tag read" % (
                         per["source_head"], totals["source_head"], n, challenges, per["dest_tag_read"]), ok))
        batches = math.ceil(n / SCOPE_BATCH)
        cached = totals["source_token"] <= batches and totals["acr_token"] <= batches and totals["acr_exchange"] <= 1
        rows.append(("token requests cached per registry and scope, no 401-then-retry per call (<= 1 per %d repositories per registry, "
                     "1 ACR exchange per run)" % SCOPE_BATCH,
                     "%d source + %d ACR token requests, %d exchange, %d Entra for %d images (%.2f per image)" % (
                         totals["source_token"], totals["acr_token"], totals["acr_exchange"], totals["entra"], n,
                         per["source_token"] + per["acr_token"] + per["acr_exchange"]), cached))
    mixed = sc.get("mixed")
    if mixed:
        rows.append(("mixed N=%d, %d tags moved, force on: exactly %d imports, digests land" % (mixed["n"], mixed["moved"], mixed["moved"]),
                     "imports per run %s, %s" % (mixed["import_calls"], "correct" if mixed["correct"] else "NOT correct"), mixed["correct"]))
    return rows


# ---- markdown -----------------------------------------------------------------------------------------------------
def section_noop(data):
    lines = ["## 1. No-op mirror (all images current)", "",
             "`ansible-playbook playbooks/mirror.yml` on a generated inventory of N current images (mirrored once before). "
             "Wall = the whole ansible-playbook process; module = the acr_import module's own `elapsed`; "
             "start-up = process launch to the first task.", "",
             "CPU: seconds used by ansible-playbook and its module processes (client) and by the stand-in (front + storage "
             "registries), which share the same CPUs.", "",
             "| N | wall s | module s | import task s | ansible start-up s | client CPU s | stand-in CPU s | requests / image | correct |",
             "|---|---|---|---|---|---|---|---|---|"]
    for n, v in data["by_n"].items():
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %.2f | %s |" % (
            n, fmt_s(v["wall"]), fmt_s(v["module_elapsed"]), fmt_s(v["import_task"]), fmt_s(v["ansible_startup"]),
            fmt_s(v.get("client_cpu")), fmt_s(v.get("standin_cpu")), v["requests"]["per_image_total"], v["correct"]))
    lines.append("")
    if data.get("empty_list_playbook"):
        lines += ["Same playbook with an empty image list (the floor of ansible-playbook + the role): %s s." % fmt_s(data["empty_list_playbook"]),
                  "With `acr_mirror_report` set (the role writes its JSON report: one more task), N=%d: %s s." % (
                      data["with_json_report"]["n"], fmt_s(data["with_json_report"]["wall"])), ""]
    big = data["by_n"].get("100") or list(data["by_n"].values())[-1]
    req = big["requests"]
    lines += ["Requests through the controller per current image (N=%d, one run):" % req["n"], "",
              "| kind | total | per image |", "|---|---|---|"]
    for kind, total in req["totals"].items():
        lines.append("| %s | %d | %.3f |" % (kind.replace("_", " "), total, req["per_image"][kind]))
    lines += ["", "<details><summary>raw request counts</summary>", "", "| host method route | count |", "|---|---|"]
    lines += ["| `%s` | %d |" % (k, v) for k, v in sorted(req["raw"].items())]
    lines += ["", "</details>", ""]
    return lines


def section_scaling(data):
    lines = ["## 6. Scaling of the no-op mirror", "",
             "Least-squares fit over every run: wall = %.2f s + %.1f ms x N (R^2 %.3f); the module's own time: %s." % (
                 data["fit"]["intercept"], data["marginal_ms_per_image"], data["fit"]["r2"],
                 "%.2f s + %.1f ms x N" % (data["module_fit"]["intercept"], data["module_marginal_ms_per_image"]) if data["module_fit"] else "n/a"),
             "", "![scaling](scaling.png)", "",
             "| N | wall s | module s | other tasks s | ansible start-up s | client CPU s | stand-in CPU s | wall ms / image | requests / image |",
             "|---|---|---|---|---|---|---|---|---|"]
    for n, v in data["by_n"].items():
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %.1f | %.2f |" % (
            n, fmt_s(v["wall"]), fmt_s(v["module_elapsed"]), fmt_s(v["other_tasks"]), fmt_s(v["ansible_startup"]), fmt_s(v.get("client_cpu")),
            fmt_s(v.get("standin_cpu")), v["wall"]["median"] / int(n) * 1000, v["requests_per_image"]))
    return lines + [""]


def section_mixed(data):
    return ["## 2. Mixed: %d images, %d source tags moved, force on (role default)" % (data["n"], data["moved"]), "",
            "| wall s | module s | importImage calls per run | controller bytes | correct (imports, counts, landed digests) |", "|---|---|---|---|---|",
            "| %s | %s | %s | %s | %s |" % (fmt_s(data["wall"]), fmt_s(data["module_elapsed"]), data["import_calls"], fmt_bytes_st(data["controller_bytes"]),
                                            data["correct"]), ""]


def section_latency(data):
    lines = ["## 3. First mirror under import latency", "",
             "N=%d images never mirrored before, every import takes L=%.1f s in the stand-in (`import_behaviour(delay=L)`), role variable "
             "`acr_mirror_concurrency` = C. Start-up = %s: %s s. Target = 1.25 x ceil(N/C) x L + start-up; ideal = ceil(N/C) x L + start-up." % (
                 data["n"], data["latency"], data["startup_definition"], fmt_s(data["startup"])), "",
             "| C | wall s | ideal s | target s | met | module s | controller bytes / image | correct |", "|---|---|---|---|---|---|---|---|"]
    for c, v in data["by_concurrency"].items():
        cells = (c, fmt_s(v["wall"], 1), v["ideal"], v["target"], mark(v["met"]), fmt_s(v["module_elapsed"], 1),
                 fmt_bytes_st(v["controller_bytes_per_image"]), v["correct"])
        lines.append("| %s | %s | %.1f | %.1f | %s | %s | %s | %s |" % cells)
    return lines + [""]


def section_bytes(data):
    lines = ["## 4. Bytes through the controller per imported image", "", data["note"] + ".", "",
             "| image | image size | ours: controller bytes | ours: server-side bytes | skopeo copy --all: controller bytes | ours wall s | skopeo wall s |",
             "|---|---|---|---|---|---|---|"]
    for name, v in data["images"].items():
        lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (name, fmt_bytes_st(v["image_bytes"]), fmt_bytes_st(v["ours_controller_bytes"]),
                                                               fmt_bytes_st(v["ours_server_side_bytes"]), fmt_bytes_st(v["skopeo_controller_bytes"]),
                                                               fmt_s(v["ours_wall"]), fmt_s(v["skopeo_wall"])))
    lines += ["", "Ours is one `ansible-playbook playbooks/mirror.yml` run with one image (every fixed cost included: metadata, Entra "
              "token, registry lookup, token exchange, reads, importImage, polls, verification).", ""]
    big = data["images"].get("large") or list(data["images"].values())[-1]
    lines += ["Controller body bytes by host (last run, %s image): %s" % (
        "large" if "large" in data["images"] else "small",
        ", ".join("%s %s" % (h, fmt_bytes(c.get("controller", 0))) for h, c in sorted(big["ours_bytes_by_host"].items()))), ""]
    return lines


def section_peers(data):
    lines = ["## 5. Peers on the same work: %d-image no-op mirror, same run, interleaved" % data["n"], "",
             "Image shape: %s. All tools see the same %d current images (mirrored once before)." % (data["image_shape"], data["n"]), ""]
    lines += ["- %s" % note for note in data["notes"]]
    if data.get("az", {}).get("available"):
        lines.append("- azure-cli %s from ~/.cache/acrops-registry/az-venv, `az acr import --force -n standinacr -g rg-mirror` per image "
                     "(the resource group given, so az does not list registries)." % data["az"]["version"])
    lines += ["", "| tool | wall s | ms / image | x slower than ours | importImage calls | controller bytes | controller requests | "
              "Docker Hub manifest GETs (pull quota) | client CPU s | stand-in CPU s |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, v in data["tools"].items():
        by_route = v.get("requests_by_route")
        gets = by_route.get("registry-1.docker.io GET source:/v2/{repo}/manifests/{ref}", 0) if by_route is not None else None
        lines.append("| %s | %s | %.0f | %.1f | %s | %s | %s | %s | %s | %s |" % (
            name, fmt_s(v["wall"]), v["per_image_ms"], v["speedup_of_ours"], fmt_num_st(v["import_calls"]), fmt_bytes_st(v["controller_bytes"]),
            fmt_num_st(v["controller_requests"]), "n/a" if gets is None else gets, fmt_s(v.get("client_cpu"), 1), fmt_s(v.get("standin_cpu"), 1)))
    return lines + [""]


def fmt_num_st(st):
    if not st:
        return "n/a"
    if st["min"] == st["max"]:
        return "%d" % st["median"]
    return "%d (%d-%d)" % (st["median"], st["min"], st["max"])


def render(results):
    meta = results["meta"]
    cfg = meta["config"]
    lines = ["# acrops.registry benchmarks", "",
             "Generated by `python benchmarks/run.py%s` on %s (commit %s%s). Machine: %s CPUs, shared with other jobs (load average "
             "%.2f at start, %.2f at end); Python %s, ansible-core %s, %s. Every number is median (min-max) of %d repetitions unless "
             "noted; compared things were measured side by side in this run. Total %.0f min." % (
                 " --quick" if meta["quick"] else "", meta["started"], meta["commit"], ", product tree modified" if meta.get("product_tree_dirty") else "",
                 meta["cpus"], meta["load_average_start"][0], (meta.get("load_average_end") or meta["load_average_start"])[0], meta["python"],
                 meta["ansible_core"], meta["skopeo"] or "no skopeo", cfg["reps"], (meta.get("seconds") or 0) / 60), "",
             "All runs are real `ansible-playbook` processes against the local ACR stand-in (tests/standin) over HTTPS through its proxy. "
             "The stand-in answers in microseconds where Azure takes tens of milliseconds, so these numbers measure the "
             "collection's own cost (Python, Ansible, requests) rather than network latency.", ""]
    if meta["quick"]:
        lines += ["**Quick smoke run (N=5, one repetition): checks that every scenario works; the numbers mean nothing.**", ""]
    rows = targets(results)
    if rows:
        lines += ["## Targets", "", "| target | measured | |", "|---|---|---|"]
        lines += ["| %s | %s | %s |" % (t, m, "n/a" if ok is None else mark(ok)) for t, m, ok in rows]
        lines.append("")
    if results.get("errors"):
        lines += ["## Errors", ""]
        for name, text in results["errors"].items():
            lines += ["- **%s**:" % name, "", "```", text.strip()[-3000:], "```", ""]
    sc = results["scenarios"]
    order = [("peers", section_peers), ("noop", section_noop), ("scaling", section_scaling), ("latency", section_latency),
             ("mixed", section_mixed), ("bytes", section_bytes), ("registry", registry_wide.section), ("estate", estate_report.section)]
    for name, renderer in order:
        if name in sc:
            lines += renderer(sc[name])
    setup = results.get("setup", {}).get("first_mirror_runs")
    if setup:
        lines += ["## Setup (informative)", "", "| first mirror of the pool | wall s | imports | C |", "|---|---|---|---|"]
        lines += ["| %d images | %.1f | %d | %d |" % (r["n"], r["wall"], r["import_calls"], cfg["first_mirror_concurrency"]) for r in setup]
        lines.append("")
    if ANALYSIS.exists() and not meta["quick"]:
        lines += [ANALYSIS.read_text().strip(), ""]
    return "\n".join(lines) + "\n"


# ---- plot ---------------------------------------------------------------------------------------------------------
def plot(results, path):
    scaling = results["scenarios"].get("scaling")
    if not scaling:
        return False
    try:
        import matplotlib  # pylint: disable=import-outside-toplevel
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
    except ImportError:
        print("matplotlib not installed (pip install -r benchmarks/requirements.txt): no plot", file=sys.stderr)
        return False
    by_n = scaling["by_n"]
    ns = [int(n) for n in by_n]
    med = [by_n[str(n)]["wall"]["median"] for n in ns]
    lo = [m - by_n[str(n)]["wall"]["min"] for n, m in zip(ns, med)]
    hi = [by_n[str(n)]["wall"]["max"] - m for n, m in zip(ns, med)]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    left.scatter([p[0] for p in scaling["points"]], [p[1] for p in scaling["points"]], s=12, color="#999999", label="each run", zorder=2)
    left.errorbar(ns, med, yerr=[lo, hi], fmt="o-", color="#1f77b4", capsize=3, label="wall, median (min-max)", zorder=3)
    fit = scaling["fit"]
    xs = [0, max(ns)]
    left.plot(xs, [fit["intercept"] + fit["slope"] * x for x in xs], "--", color="#1f77b4",
              label="fit: %.2f s + %.1f ms/image" % (fit["intercept"], fit["slope"] * 1000))
    module = [by_n[str(n)]["module_elapsed"]["median"] if by_n[str(n)]["module_elapsed"] else None for n in ns]
    if all(m is not None for m in module):
        left.plot(ns, module, "s-", color="#2ca02c", label="acr_import module's own time (median)")
    left.plot(xs, [fit["intercept"] + 0.020 * x for x in xs], ":", color="#d62728", label="target slope 20 ms/image")
    for n, limit in ((100, 5), (500, 12)):
        if n <= max(ns):
            left.plot([n], [limit], "v", color="#d62728", markersize=9)
            left.annotate("target %d s" % limit, (n, limit), textcoords="offset points", xytext=(6, 4), color="#d62728", fontsize=8)
    left.set_xlabel("images in the inventory (all current)")
    left.set_ylabel("seconds, whole ansible-playbook run")
    left.set_title("No-op mirror: wall time vs N")
    left.grid(alpha=0.3)
    left.legend(fontsize=8, loc="upper left")
    per_image = [m / n * 1000 for m, n in zip(med, ns)]
    right.plot(ns, per_image, "o-", color="#1f77b4", label="wall / N")
    if all(m is not None for m in module):
        right.plot(ns, [m / n * 1000 for m, n in zip(module, ns)], "s-", color="#2ca02c", label="module time / N")
    right.axhline(20, color="#d62728", linestyle=":", label="20 ms/image")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("images in the inventory (log)")
    right.set_ylabel("ms per image (log)")
    right.set_title("Average cost per current image")
    right.grid(alpha=0.3, which="both")
    right.legend(fontsize=8)
    meta = results["meta"]
    fig.suptitle("acrops.registry no-op mirror against the local ACR stand-in (%s, commit %s, %s CPUs, shared)" % (
        meta["started"][:16], meta["commit"], meta["cpus"]), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write(results, out, png):
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    plot(results, png)
    estate_png = Path(png).with_name("estate.png")
    if "estate" in results["scenarios"]:
        estate_report.plot(results["scenarios"]["estate"], estate_png)
    text = render(results)
    if Path(png).parent != out.parent or Path(png).name != "scaling.png":
        text = text.replace("![scaling](scaling.png)", "![scaling](%s)" % Path(png).resolve())
        text = text.replace("![estate](estate.png)", "![estate](%s)" % estate_png.resolve())
    out.write_text(text)


if __name__ == "__main__":
    source = Path(sys.argv[1] if len(sys.argv) > 1 else BENCH_DIR / "results.json")
    data = json.loads(source.read_text())
    write(data, source.with_name("results.md") if source.name == "results.json" else source.with_suffix(".md"),
          source.with_name("scaling.png"))
