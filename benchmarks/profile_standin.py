# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the stand-in's time goes during a first mirror of N images, for N = 1000, 2000 (whatever --n lists): one fresh
stand-in per N, the images seeded, one `ansible-playbook playbooks/mirror.yml` first mirror (C=16) while py-spy samples the
stand-in's Python process (--no-spy: without). Prints, per N: wall, CPU of the client, of the stand-in's Python process and
of its storage registries, CPU per image, and the stand-in's hottest functions. Nothing grows super-linearly when the
per-image figures stay flat as N doubles.

    python benchmarks/profile_standin.py --n 1000,2000 [--spy PATH] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402  pylint: disable=wrong-import-position
from profile_noop import FRAME, py_spy, short  # noqa: E402  pylint: disable=wrong-import-position
from standin.fixture import start  # noqa: E402  pylint: disable=wrong-import-position


def process_cpu(pid):
    """user + system seconds of one process (0 when gone)."""
    try:
        with open("/proc/%d/stat" % pid, encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def aggregate(raw_path):
    """py-spy raw output -> (samples, inclusive Counter, self Counter) over every thread."""
    inclusive, leaf, total = collections.Counter(), collections.Counter(), 0
    for line in Path(raw_path).read_text().splitlines():
        stack, _sep, count = line.rstrip().rpartition(" ")
        if not stack:
            continue
        count = int(count)
        frames = []
        for frame in stack.split(";"):
            if frame.startswith(("process ", "thread ")):
                continue
            match = FRAME.match(frame)
            frames.append("%s (%s)" % (match.group("func"), short(match.group("file"))) if match else frame)
        total += count
        for name in set(frames):
            inclusive[name] += count
        if frames:
            leaf[frames[-1]] += count
    return total, inclusive, leaf


def one(n, spy, rate, log):
    with tempfile.TemporaryDirectory(prefix="acrops-profile-standin-") as work, \
            start(Path(work) / "standin", dockerhub_pull_limit=0) as standin:
        bench = harness.Bench(standin, Path(work) / "bench", log)
        images = [ref for ref, _digest in bench.seed("main", "library/bench%05d", n)]
        inventory = bench.inventory("first-%d" % n, images)
        pid = int(standin.env["pid"])
        front_before = process_cpu(pid)
        group_before = bench.standin_cpu()
        raw = Path(work) / "py-spy.txt"
        spy_proc = None
        if spy:
            # pylint: disable-next=consider-using-with  # stopped with SIGINT below, after the run
            spy_proc = subprocess.Popen([spy, "record", "--pid", str(pid), "--rate", str(rate), "--nonblocking", "--format", "raw",
                                         "--output", str(raw)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.0)
        load = os.getloadavg()
        run = bench.playbook(inventory, extra_vars={"acr_mirror_concurrency": 16}, label="first-%d" % n)
        front = process_cpu(pid) - front_before
        group = bench.standin_cpu() - group_before
        if spy_proc is not None:
            spy_proc.send_signal(signal.SIGINT)
            spy_proc.wait(timeout=60)
        result = {"n": n, "wall": run["wall"], "client_cpu": run["cpu"]["client"], "front_cpu": front, "storage_cpu": group - front,
                  "imports": run["counters"].get("import_calls", 0), "load": load, "profile": None}
        if spy and raw.exists():
            result["profile"] = aggregate(raw)
        log("N=%d: wall %.1f s, client CPU %.1f s, stand-in Python CPU %.1f s, storage CPU %.1f s, imports %d (load %.2f %.2f %.2f)" % (
            n, result["wall"], result["client_cpu"], front, group - front, result["imports"], *load))
        return result


def render(results):
    lines = ["| N | wall s | wall ms/image | client CPU ms/image | stand-in Python CPU ms/image | storage CPU ms/image | imports | "
             "load (1/5/15 min) |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append("| %d | %.1f | %.1f | %.2f | %.2f | %.2f | %d | %.2f %.2f %.2f |" % (
            r["n"], r["wall"], 1000 * r["wall"] / r["n"], 1000 * r["client_cpu"] / r["n"], 1000 * r["front_cpu"] / r["n"],
            1000 * r["storage_cpu"] / r["n"], r["imports"], *r["load"]))
    for r in results:
        if not r["profile"]:
            continue
        total, inclusive, leaf = r["profile"]
        lines += ["", "N=%d, stand-in Python process, %d samples; inclusive:" % (r["n"], total), "", "| % | function |", "|---|---|"]
        lines += ["| %.1f | `%s` |" % (100.0 * c / total, name[:140]) for name, c in inclusive.most_common(30)]
        lines += ["", "self:", "", "| % | function |", "|---|---|"]
        lines += ["| %.1f | `%s` |" % (100.0 * c / total, name[:140]) for name, c in leaf.most_common(15)]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--n", default="1000,2000", help="comma-separated image counts")
    parser.add_argument("--spy", help="py-spy binary (default: on PATH or beside this Python)")
    parser.add_argument("--no-spy", action="store_true", help="measure without sampling")
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--out", help="also write the markdown here")
    args = parser.parse_args()
    spy = None if args.no_spy else (args.spy or py_spy())
    if not args.no_spy and not spy:
        sys.exit("py-spy not found: pip install -r benchmarks/requirements.txt, or --spy PATH, or --no-spy")
    log = harness.Log()
    results = [one(int(n), spy, args.rate, log) for n in args.n.split(",")]
    text = render(results)
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
