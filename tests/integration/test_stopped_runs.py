# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A run stopped while Azure runs its imports (SIGTERM to ansible-playbook, the task keyword `timeout`) says what it left
running: the timed-out task in its result, the killed run through its journal, read by the next run."""

from __future__ import annotations

import json
import signal
import subprocess

import pytest
import yaml

import playbook_runner
from playbook_runner import storage_digest

pytestmark = pytest.mark.usefixtures("standin_clean")
SMALL = dict(platforms="linux/amd64", size=256)


def test_a_stopped_run_names_the_imports_it_left_running_and_the_next_run_explains_them(standin, ansible, repo, tmp_path, wait_for):
    journal = tmp_path / "journal"
    names = ["%s-%s" % (repo, which) for which in ("killed", "timed-out")]
    digests = [standin.push("dockerhub", "library/" + name, "1", **SMALL) for name in names]

    def task(*which, **keywords):
        return dict({"acrops.registry.acr_import": {"registry": "standinacr", "journal_dir": str(journal),
                                                    "images": [{"source": "%s:1" % names[i]} for i in which]}}, **keywords)

    # The first run names its journal through the task's environment (the option's fallback), the others by the option.
    by_environment = task(0, environment={"ACROPS_JOURNAL_DIR": str(journal)})
    del by_environment["acrops.registry.acr_import"]["journal_dir"]

    def operation(name):
        found = [op for op in standin.control.operations() if op["source"].startswith("library/%s@" % name)]
        return found[0] if found else None

    standin.control.import_behaviour(stuck=True)  # Azure holds every import until released

    # 1. ansible-playbook gets SIGTERM (a CI job's time limit) while its import runs: Ansible's worker dies at once.
    play = tmp_path / "killed.yml"
    play.write_text(yaml.safe_dump(playbook_runner.module_play(tmp_path, [by_environment]), sort_keys=False))
    killed = subprocess.Popen([str(playbook_runner.BIN / "ansible-playbook"), str(play), "-i", "localhost,", "-c", "local"],
                              env=ansible.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              cwd=str(tmp_path), text=True)
    try:
        first = wait_for(lambda: operation(names[0]), timeout=120)
        wait_for(lambda: list(journal.glob("run-*.json")))  # the journal names it while it runs
        killed.send_signal(signal.SIGTERM)
        output = killed.communicate(timeout=60)[0]
    finally:
        if killed.poll() is None:
            killed.kill()
    assert killed.returncode != 0 and not (tmp_path / "results.json").exists(), output
    assert operation(names[0])["status"] == "Accepted"

    # 2. The task keyword timeout stops the next run in-process: its result lists the import it leaves running, and the
    #    worker ends at once (it does not wait for the held import: a hang fails this run's own time limit).
    run = playbook_runner.run_playbook(playbook_runner.module_play(tmp_path, [task(1, timeout=5)]), ansible.env, tmp_path, timeout=150)
    timed_out = run.results["r0"]
    second = operation(names[1])
    assert timed_out["failed"] and timed_out["timedout"] == {"period": 5}, run
    assert [e["operation_url"].split("?")[0].rsplit("/", 1)[-1] for e in timed_out["running_imports"]] == [second["name"]], timed_out
    assert timed_out["running_imports"][0]["source"] == "docker.io/library/%s@%s" % (names[1], digests[1])
    assert "timed out after 5 s" in timed_out["msg"] and second["name"] in timed_out["msg"] and timed_out["changed"] is True
    # Both imports are still held: the stopped runs returned while Azure was still working.
    assert [operation(n)["status"] for n in names] == ["Accepted", "Accepted"]
    assert len(list(journal.glob("run-*.json"))) == 2, "each stopped run leaves its journal file"

    # 3. Azure finishes both; the next run into the registry finds them in place and says which stopped runs they came from.
    standin.control.import_behaviour(stuck=False)
    wait_for(lambda: all(operation(n)["status"] == "Succeeded" for n in names))
    check = playbook_runner.module_play(tmp_path, [task(0, 1, check_mode=True), task(0, 1)])
    run = playbook_runner.run_playbook(check, ansible.env, tmp_path)
    for key in ("r0", "r1"):  # check mode reports them too, and leaves them in the journal for the real run
        result = run.results[key]
        assert not result.get("failed") and result["changed"] is False, (key, run)
        assert [t["action"] for r in result["results"] for t in r["targets"]] == ["unchanged", "unchanged"]
        earlier = result["earlier_running_imports"]
        assert sorted(e["operation_url"].split("?")[0].rsplit("/", 1)[-1] for e in earlier) == sorted([first["name"], second["name"]])
        assert all(e["registry"].endswith("/registries/standinacr") for e in earlier), earlier
        assert any("an earlier run into this registry was stopped while 2 import(s) ran" in w for w in result["warnings"]), result
    assert [storage_digest(standin.env["registries"]["standinacr"]["storage_url"], n, "1") for n in names] == digests
    assert list(journal.glob("run-*.json")) == [], "the run that reported them let them go"
    assert standin.control.counters()["import_calls"] == 2
    json.dumps(run.results)  # plain data
