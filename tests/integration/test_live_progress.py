# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Live progress (issue 19): while acr_import runs in-process, its progress lines reach the console and log_path before the
task ends. Proved by order of events, never by durations: the stand-in holds every import (stuck) until the test has read
a progress line from the running ansible-playbook's console; only then are the imports released and the task can end.
The same playbook run then lists the tags of two tag policies, one of whose tag-list requests the stand-in holds until the
test has read the listing's progress line, and last runs a no_log task, which shows no progress at all (its per-image
lines at -v would be certain, not a matter of timing)."""

from __future__ import annotations

import json
import subprocess
import threading

import pytest
import yaml

import playbook_runner

pytestmark = pytest.mark.usefixtures("standin_clean")

SMALL = dict(platforms="linux/amd64", size=256)


def test_progress_lines_arrive_while_the_task_runs(standin, ansible, repo, tmp_path, wait_for):
    names = ["%s-%d" % (repo, index) for index in range(3)]
    for name in names:
        standin.push("dockerhub", "library/" + name, "1", **SMALL)
    policies = ["%s-policy-%d" % (repo, index) for index in range(2)]
    for name in policies:
        standin.push("dockerhub", "library/" + name, "1.0", **SMALL)
    hidden = ["%s-quiet-%d" % (repo, index) for index in range(2)]
    for name in hidden:
        standin.push("dockerhub", "library/" + name, "1", **SMALL)
    standin.control.import_behaviour(stuck=True)
    listing_held = {"host": "registry-1.docker.io", "method": "GET", "path_regex": "/library/%s/tags/list" % policies[1],
                    "action": "hold-request"}
    standin.control.faults([listing_held])
    plays = playbook_runner.module_play(tmp_path, [
        {"acrops.registry.acr_import": {
            "registry": "standinacr", "images": [{"source": name + ":1"} for name in names], "concurrency": 3, "progress_interval": 1}},
        {"acrops.registry.acr_import": {
            "registry": "standinacr", "images": [{"source": "docker.io/library/" + name, "tag_policy": {"latest": 1}} for name in policies],
            "progress_interval": 1}},
        {"acrops.registry.acr_import": {
            "registry": "standinacr", "images": [{"source": name + ":1"} for name in hidden], "progress_interval": 1}, "no_log": True},
    ])
    (tmp_path / "play.yml").write_text(yaml.safe_dump(plays, sort_keys=False))
    log_path = tmp_path / "ansible.log"
    env = dict(ansible.env, ANSIBLE_LOG_PATH=str(log_path))
    proc = subprocess.Popen([str(playbook_runner.BIN / "ansible-playbook"), "play.yml", "-i", "localhost,", "-c", "local", "-v"],
                            env=env, cwd=str(tmp_path), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    console = []
    reader = threading.Thread(target=lambda: console.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        # Every import is held by the stand-in, so the task cannot end: a progress line seen now arrived while it ran.
        wait_for(lambda: len([o for o in standin.control.operations() if o["status"] == "Accepted" and repo in o["source"]]) == 3, timeout=120)
        line = wait_for(lambda: next((entry for entry in list(console) if "acr_import: 0/3 done" in entry and "running 3" in entry), None),
                        timeout=120)
        assert proc.poll() is None
        assert not any(entry.startswith(("changed: [localhost]", "ok: [localhost]", "fatal: [localhost]")) for entry in list(console))
        assert line.startswith("[localhost] acr_import: 0/3 done (imported 0, unchanged 0, failed 0, running 3)"), line
        standin.control.import_behaviour(stuck=False)
        # The second task lists its policies' tags; one listing is held, so a listing line seen now arrived while it ran.
        wait_for(lambda: any(e["route"] == "source:/v2/{repo}/tags/list" and policies[0] in e["path"] for e in standin.control.log()),
                 timeout=120)
        listing = wait_for(lambda: next((entry for entry in list(console) if "acr_import: listing tags: 1/2 repositories" in entry), None),
                           timeout=120)
        assert proc.poll() is None and listing.startswith("[localhost] acr_import: listing tags: 1/2 repositories"), listing
        assert not any("acr_import [" in entry and "/2] imported docker.io/library/%s" % policies[0] in entry for entry in list(console))
    finally:
        standin.control.import_behaviour(stuck=False)
        standin.control.faults([])
        try:
            proc.wait(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
        reader.join(timeout=30)
    text = "".join(console)
    assert proc.returncode == 0, text[-4000:]
    results = json.loads((tmp_path / "results.json").read_text())
    result = results["r0"]
    assert result["counts"]["imported"] == 3 and not result.get("failed"), text[-4000:]
    assert results["r1"]["counts"]["imported"] == 2 and not results["r1"].get("failed"), text[-4000:]
    # no_log: the task ran (its two imports), and showed nothing of them, neither the periodic line nor one per image at -v.
    assert len([o for o in standin.control.operations() if any(name in o["source"] for name in hidden)]) == 2
    quiet = next(i for i, entry in enumerate(console) if entry.startswith("TASK [task 2]"))
    assert not any("acr_import: " in entry or "acr_import [" in entry for entry in console[quiet:]), text[-4000:]
    # Nor its result: ansible-core shows a `results` list item by item like a loop's, unless each item is marked no_log.
    assert not any(name in entry for entry in console[quiet:] for name in hidden), text[-4000:]
    assert results["r2"]["counts"]["imported"] == 2, results["r2"]  # what is registered stays whole, as for any no_log task
    # At -v, one line per finished image; all of them, and the progress lines, before the task's result.
    ended = next(i for i, entry in enumerate(console) if entry.startswith("changed: [localhost]"))
    listed_at = next(i for i, entry in enumerate(console) if "acr_import: listing tags: 1/2 repositories" in entry)
    assert ended < listed_at < next(i for i, entry in enumerate(console) if entry.startswith("TASK [task 2]")), text[-4000:]
    first_progress = next(i for i, entry in enumerate(console) if "acr_import: 0/3 done" in entry)
    finished = [i for i, entry in enumerate(console) if "acr_import [" in entry and "/3] imported docker.io/library/" in entry]
    assert len(finished) == 3 and first_progress < min(finished) and max(finished) < ended, text[-4000:]
    # The same lines reach log_path, with its timestamps, in the same order.
    logged = log_path.read_text().splitlines()
    at = next(i for i, entry in enumerate(logged) if "acr_import: 0/3 done" in entry)
    assert at < next(i for i, entry in enumerate(logged) if "changed: [localhost]" in entry), logged[-20:]
