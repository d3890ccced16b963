# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark suite of acrops.registry against the local ACR stand-in.

    python benchmarks/run.py                      # full suite (~45 min on 2 cores), writes benchmarks/results.{md,json}, scaling.png
    python benchmarks/run.py --quick              # N=5 smoke of every scenario (< 2 min): breakage only, no timing assertions
    python benchmarks/run.py --scenarios noop,peers --out /tmp/results.md

Starts one stand-in (tests/standin) for the whole run and stops it at the end, also on failure or Ctrl-C.
Never fails on a timing target: the exit status is non-zero only when a scenario broke (an exception, or an
incorrect result such as a wrong number of imports).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402  pylint: disable=wrong-import-position
import report  # noqa: E402  pylint: disable=wrong-import-position
import scenarios  # noqa: E402  pylint: disable=wrong-import-position
from standin.fixture import start  # noqa: E402  pylint: disable=wrong-import-position

ORDER = ["noop", "scaling", "mixed", "bytes", "peers", "latency", "registry"]
# --quick without --scenarios (CI's smoke) leaves these out: the registry-wide scenario seeds and mirrors a pool of its own.
NOT_QUICK = {"registry"}
# On request only (--scenarios estate): hours of seeding and importing on 2 cores; never in the default suite nor in --quick (CI).
ON_REQUEST = ["estate"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="N=5 smoke of every scenario, one repetition (< 2 minutes)")
    parser.add_argument("--scenarios", help="comma-separated subset of: %s (default: all; with --quick all but %s); on request only: %s" % (
        ", ".join(ORDER), ", ".join(sorted(NOT_QUICK)), ", ".join(ON_REQUEST)))
    parser.add_argument("--out", help="results table (markdown; default benchmarks/results.md, with --quick benchmarks/quick/results.md, "
                        "git-ignored); results.json and scaling.png go beside it unless --json/--png say otherwise")
    parser.add_argument("--json", help="raw data (default: results.json beside --out)")
    parser.add_argument("--png", help="scaling plot (default: scaling.png beside --out)")
    parser.add_argument("--reps", type=int, help="repetitions per measurement (default 3, quick 1)")
    parser.add_argument("--latency", type=float, help="import latency L in seconds for the first-mirror scenario (default 5, quick 1)")
    parser.add_argument("--latency-reps", type=int, help="repetitions of the first-mirror scenario (default: --reps)")
    parser.add_argument("--peer-reps", type=int, help="repetitions of the peers scenario (default: --reps)")
    parser.add_argument("--large-mb", type=int, help="layer size of the large image in MB (default 200, quick 4)")
    parser.add_argument("--estate-size", type=int, help="images of the estate scenario (default 10000; the no-op curve then "
                        "takes N/10, N/2, N)")
    parser.add_argument("--estate-latency", type=float, help="import latency of the estate's first mirror in seconds (default 1)")
    parser.add_argument("--workdir", help="where the stand-in state, inventories and per-run logs go (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (default: removed unless a scenario failed)")
    args = parser.parse_args(argv)
    if args.scenarios is None:
        args.scenarios = ",".join(s for s in ORDER if not (args.quick and s in NOT_QUICK))
    selected = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = sorted(set(selected) - set(ORDER + ON_REQUEST))
    if unknown:
        parser.error("unknown scenario(s): %s (choose from %s)" % (", ".join(unknown), ", ".join(ORDER + ON_REQUEST)))
    args.selected = [s for s in ORDER + ON_REQUEST if s in selected]
    out = Path(args.out) if args.out else harness.BENCH_DIR / ("quick" if args.quick else "") / "results.md"
    args.out = out
    args.json = Path(args.json) if args.json else out.with_name("results.json")
    args.png = Path(args.png) if args.png else out.with_name("scaling.png")
    return args


def tool_version(cmd):
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
        return (proc.stdout or proc.stderr).strip().splitlines()[0] if proc.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return None


def metadata(args, config):
    import ansible  # pylint: disable=import-outside-toplevel

    commit = tool_version(["git", "-C", str(harness.REPO), "rev-parse", "--short", "HEAD"])
    dirty = tool_version(["git", "-C", str(harness.REPO), "status", "--porcelain", "--", "plugins", "roles", "playbooks"])
    return {"started": time.strftime("%Y-%m-%d %H:%M:%S %z"), "commit": commit, "product_tree_dirty": bool(dirty),
            "host": platform.node(), "cpus": os.cpu_count(), "load_average_start": os.getloadavg(), "python": sys.version.split()[0],
            "ansible_core": ansible.__version__, "skopeo": tool_version(["skopeo", "--version"]), "quick": args.quick,
            "scenarios": args.selected, "config": config.describe()}


def main(argv=None):
    args = parse_args(argv)
    config = scenarios.Config(quick=args.quick, reps=args.reps, latency=args.latency, large_mb=args.large_mb,
                              latency_reps=args.latency_reps, peer_reps=args.peer_reps, estate_size=args.estate_size,
                              estate_latency=args.estate_latency)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="acrops-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    log = harness.Log()
    results = {"meta": metadata(args, config), "setup": {}, "scenarios": {}, "errors": {}}
    failed = False
    log("work directory %s; scenarios %s%s" % (workdir, ", ".join(args.selected), " (quick)" if args.quick else ""))
    started = time.monotonic()
    try:
        # Docker Hub's pull limit is switched off (0): skopeo GETs manifests, and this measures speed, not quota.
        with start(workdir / "standin", dockerhub_pull_limit=0) as standin:
            log("stand-in up (ARM %s)" % standin.env["arm_endpoint"])
            bench = harness.Bench(standin, workdir / "bench", log)
            suite = scenarios.Suite(bench, config)
            log("== setup: seed and mirror the image pools once")
            suite.prepare(args.selected)
            results["setup"] = suite.setup
            for name in args.selected:
                log("== scenario %s" % name)
                scenario_started = time.monotonic()
                try:
                    results["scenarios"][name] = scenarios.SCENARIOS[name](suite)
                    results["scenarios"][name]["seconds"] = round(time.monotonic() - scenario_started, 1)
                    if not report.scenario_correct(name, results["scenarios"][name]):
                        failed = True
                        results["errors"][name] = "incorrect result (see the scenario's 'correct' fields)"
                except Exception:  # pylint: disable=broad-exception-caught  # record, go on with the other scenarios
                    failed = True
                    results["errors"][name] = traceback.format_exc()
                    log("scenario %s FAILED:\n%s" % (name, results["errors"][name]))
                results["setup"] = suite.setup
                results["meta"]["seconds"] = round(time.monotonic() - started, 1)
                results["meta"]["load_average_end"] = os.getloadavg()
                harness.write_json(args.json, results)
    finally:
        results["meta"]["seconds"] = round(time.monotonic() - started, 1)
        harness.write_json(args.json, results)
    report.write(results, Path(args.out), args.png)
    log("wrote %s, %s, %s in %.0f s" % (args.out, args.json, args.png, time.monotonic() - started))
    if failed or args.keep or args.workdir:
        log("work directory kept: %s" % workdir)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
