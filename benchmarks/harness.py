# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark harness: one stand-in, seeded image pools, timed ansible-playbook runs with counter deltas.

Every measured run is a real `ansible-playbook` subprocess against the stand-in (env from `standin.client_env()`,
the collection from tests/collection_path.py), exactly as tests/integration/playbook_runner.py runs them.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
for _path in (REPO / "tests", REPO / "tests" / "integration"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from collection_path import COLLECTIONS_ROOT  # noqa: E402  pylint: disable=wrong-import-position
import playbook_runner  # noqa: E402  pylint: disable=wrong-import-position
import proctree  # noqa: E402  pylint: disable=wrong-import-position

BIN = Path(sys.executable).parent
MIRROR_PLAYBOOK = REPO / "playbooks" / "mirror.yml"
REGISTRY = "standinacr"
SOURCE_HOST = "docker.io"          # how users write Docker Hub sources
SOURCE_API_HOST = "registry-1.docker.io"


def stats(values):
    """median / min / max of a list of numbers (None when empty)."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values), "values": list(values)}


def delta(before, after):
    """after - before for nested dicts of numbers; zero entries dropped."""
    if isinstance(after, dict):
        out = {}
        for key, value in after.items():
            diff = delta((before or {}).get(key) if isinstance(before, dict) else None, value)
            if diff not in (None, 0, {}):
                out[key] = diff
        return out
    if isinstance(after, (int, float)) and not isinstance(after, bool):
        return after - (before if isinstance(before, (int, float)) else 0)
    return None


def controller_bytes(counter_delta):
    """Body bytes the controller sent and received, over every host (requests and responses)."""
    return sum(by_client.get("controller", 0) for by_client in counter_delta.get("bytes", {}).values())


def controller_requests(counter_delta):
    """{'host METHOD route': count} for the client under test only."""
    out = {}
    for key, count in counter_delta.get("client_requests", {}).items():
        client, rest = key.split(" ", 1)
        if client == "controller":
            out[rest] = count
    return out


class Log:
    def __init__(self, verbose=True):
        self.verbose = verbose
        self.started = time.monotonic()

    def __call__(self, text):
        if self.verbose:
            print("[%6.1fs] %s" % (time.monotonic() - self.started, text), flush=True)


class Bench:
    """A running stand-in plus everything the scenarios share: env, pools of seeded images, timed runs."""

    def __init__(self, standin, workdir, log):
        self.standin = standin
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log = log
        self.runs = 0
        self.env = playbook_runner.ansible_env(standin, COLLECTIONS_ROOT, {
            "ANSIBLE_CALLBACK_PLUGINS": str(BENCH_DIR / "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "bench_timer",
            "ANSIBLE_STDOUT_CALLBACK": "default",
        })
        self.login_server = standin.env["registries"][REGISTRY]["login_server"]
        self.pools = {}

    # ---- counters -----------------------------------------------------------------------------------------------
    def counters(self):
        return self.standin.control.counters()

    def standin_cpu(self):
        """CPU seconds (user + system) used so far by the stand-in's process group (front, proxy, storage registries)."""
        try:
            pgid = os.getpgid(int(self.standin.env["pid"]))
        except (OSError, KeyError, ValueError):
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        return sum((int(fields[11]) + int(fields[12])) / ticks for dummy, fields in proctree.processes() if int(fields[2]) == pgid)

    def snapshot(self):
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {"counters": self.counters(), "standin_cpu": self.standin_cpu(), "children_cpu": usage.ru_utime + usage.ru_stime,
                "time": time.perf_counter()}

    def measured(self, before, label, rc=0, **extra):
        """A run record from a snapshot taken before: wall, counter delta, CPU of the client (this process's children: the
        measured tool and everything it started) and of the stand-in (the emulated service, sharing the same CPUs)."""
        ended = time.perf_counter()        # first: the bookkeeping below is not the measured tool's time
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        after = {"counters": self.counters(), "standin_cpu": self.standin_cpu(), "children_cpu": usage.ru_utime + usage.ru_stime}
        run = {"label": label, "wall": ended - before["time"], "rc": rc, "counters": delta(before["counters"], after["counters"]),
               "cpu": {"client": round(after["children_cpu"] - before["children_cpu"], 3),
                       "standin": round(after["standin_cpu"] - before["standin_cpu"], 3) if before["standin_cpu"] is not None else None}}
        run.update(extra)
        return run

    # ---- images -------------------------------------------------------------------------------------------------
    def seed(self, name, repo_format, count, tag="1", platforms=None, size=1024, seed_suffix="", workers=4):
        """Push `count` images (repo_format % i) to the Docker-Hub-like source; returns [(source ref, digest)].

        Pools are cached by name and grow on demand: asking for fewer images than already seeded is free."""
        pool = self.pools.setdefault(name, [])
        if len(pool) >= count:
            return pool[:count]
        started = time.monotonic()
        todo = list(range(len(pool), count))

        def push(i):
            repo = repo_format % i
            digest = self.standin.push("dockerhub", repo, tag, platforms=platforms, size=size, seed="%s:%s%s" % (repo, tag, seed_suffix))
            return "%s/%s:%s" % (SOURCE_HOST, repo, tag), digest

        with ThreadPoolExecutor(max_workers=workers) as pool_exec:
            pool.extend(pool_exec.map(push, todo))
        self.log("seeded %d images for pool %s in %.1f s" % (len(todo), name, time.monotonic() - started))
        return pool[:count]

    def push(self, repo, tag="1", **kwargs):
        return self.standin.push("dockerhub", repo, tag, **kwargs)

    # ---- inventories and runs -----------------------------------------------------------------------------------
    def inventory(self, name, images, **host_vars):
        """An inventory with one host (the stand-in's registry) whose acr_mirror_images are `images`."""
        host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, "acr_mirror_registry": REGISTRY}
        host.update(host_vars)
        host["acr_mirror_images"] = list(images)
        doc = {"all": {"children": {"acr_registries": {"hosts": {"bench-registry": host}}}}}
        path = self.workdir / "inventories" / ("%s.yml" % name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return path

    def playbook(self, inventory, playbook=MIRROR_PLAYBOOK, extra_vars=None, args=(), label="", check=True, report=False, memory=False):
        """One timed ansible-playbook run. Returns a dict: wall, rc, counts (the import task's batch counts), report (the role's
        JSON report, only with report=True: writing it is a task of its own, in-process on the controller since
        acrops.registry.report_file, that users without acr_mirror_report skip), timings (bench_timer callback), counters
        (delta of the stand-in's counters over the run); with memory=True also the peak memory of ansible-playbook and every
        process it started (proctree.PeakMemory, sampled from /proc)."""
        self.runs += 1
        run_dir = self.workdir / "runs" / ("%04d-%s" % (self.runs, label or "run"))
        run_dir.mkdir(parents=True, exist_ok=True)
        report_path = run_dir / "report.json"
        timings_path = run_dir / "timings.json"
        extra = {"acr_mirror_report": str(report_path)} if report else {}
        extra.update(extra_vars or {})
        (run_dir / "extra-vars.json").write_text(json.dumps(extra))
        cmd = [str(BIN / "ansible-playbook"), str(playbook), "-i", str(inventory), "-e", "@%s" % (run_dir / "extra-vars.json")] + list(args)
        env = dict(self.env, BENCH_TIMINGS_FILE=str(timings_path))
        before = self.snapshot()
        launched = time.time()
        with subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=str(run_dir)) as proc:
            sampler = proctree.PeakMemory(proc.pid) if memory else None
            if sampler:
                sampler.start()
            stdout, stderr = proc.communicate(timeout=3600)
        run = self.measured(before, label, proc.returncode, run_dir=str(run_dir),
                            report=json.loads(report_path.read_text()) if report_path.exists() else None,
                            timings=summarize_timings(timings_path, launched))
        run["memory"] = sampler.stop() if sampler else None
        (run_dir / "stdout.txt").write_text(stdout + "\n--- stderr ---\n" + stderr)
        run["counts"] = (run["timings"] or {}).get("counts") or {}
        if check and proc.returncode != 0:
            raise RuntimeError("ansible-playbook failed (rc=%s, %s):\n%s\n%s" % (proc.returncode, run_dir, stdout[-4000:], stderr[-2000:]))
        return run

    def timed(self, cmd, env=None, label="", check=True, cwd=None):
        """Any other timed command (skopeo, az): wall and counter delta."""
        before = self.snapshot()
        proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=3600, check=False, cwd=cwd)
        if check and proc.returncode != 0:
            raise RuntimeError("%s failed (rc=%s):\n%s\n%s" % (label or cmd[0], proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))
        return self.measured(before, label, proc.returncode, stdout=proc.stdout[-2000:], stderr=proc.stderr[-2000:])


def summarize_timings(path, launched):
    """Ansible start-up (process launch -> first task), per-task seconds, and the import module's own elapsed."""
    if not Path(path).exists():
        return None
    doc = json.loads(Path(path).read_text())
    tasks = [{"name": t["name"], "action": t["action"], "seconds": round((t["end"] or t["start"]) - t["start"], 4), "items": t["items"],
              "module_elapsed": t["module_elapsed"]} for t in doc["tasks"]]
    first = doc["tasks"][0]["start"] if doc["tasks"] else doc["playbook_end"]
    module = [t for t in tasks if t["action"].endswith("acr_import")]
    counts = [c for t in doc["tasks"] for c in t.get("counts", [])]
    return {"counts": counts[-1] if counts else None, "startup": round(first - launched, 4),
            "playbook": round(doc["playbook_end"] - doc["playbook_start"], 4), "tasks": tasks,
            "import_task": round(sum(t["seconds"] for t in module), 4) if module else None,
            "module_elapsed": round(sum(sum(t["module_elapsed"]) for t in module), 4) if module else None}


def image_size(standin, name, repo, tag):
    """Bytes of an image as stored (manifests + config + layers), read from its storage (one level of index)."""
    import requests  # pylint: disable=import-outside-toplevel

    url, auth, verify = standin.storage(name)
    session = requests.Session()
    session.trust_env = False
    session.verify = verify
    if auth:
        session.auth = tuple(auth)
    accept = {"Accept": playbook_runner.MANIFEST_ACCEPT}

    def manifest(ref):
        response = session.get("%s/v2/%s/manifests/%s" % (url, repo, ref), headers=accept, timeout=30)
        response.raise_for_status()
        return response.content, response.json()

    raw, doc = manifest(tag)
    total = len(raw)
    children = [m["digest"] for m in doc.get("manifests", [])] if "manifests" in doc else []
    docs = [doc] if not children else []
    for digest in children:
        child_raw, child = manifest(digest)
        total += len(child_raw)
        docs.append(child)
    for child in docs:
        total += child["config"]["size"] + sum(layer["size"] for layer in child.get("layers", []))
    return total


def write_json(path, data):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(str(path) + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=False, default=str))
    os.replace(tmp, path)
