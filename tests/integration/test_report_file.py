# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acrops.registry.report_file through real ansible-playbook runs: what it writes, when it says changed, and that it
writes on the controller without reaching the task's host (no module runs)."""

from __future__ import annotations

import json
import os
import stat

import pytest
import yaml

from collection_path import COLLECTIONS_ROOT

import playbook_runner

REPORT = {"registry": "standinacr", "counts": {"unchanged": 2}, "images": [{"source": "docker.io/library/nginx:1.27", "ünïcode": "é"}]}


class NoStandin:
    """ansible_env wants a stand-in for its client variables; this action talks to nothing."""

    @staticmethod
    def client_env():
        return {}


@pytest.fixture
def write(tmp_path):
    env = playbook_runner.ansible_env(NoStandin, COLLECTIONS_ROOT)

    def run(args, check=False, inventory_host=None):
        task = {"name": "write", "acrops.registry.report_file": args, "register": "written"}
        dump = {"ansible.builtin.copy": {"content": "{{ written | to_json }}", "dest": str(tmp_path / "results.json")},
                "check_mode": False, "delegate_to": "localhost"}
        play = {"hosts": "all", "gather_facts": False, "tasks": [task, dump]}
        inventory = None
        if inventory_host:
            inventory = tmp_path / "hosts.yml"
            inventory.write_text(yaml.safe_dump({"all": {"hosts": {"far": inventory_host}}}))
        result = playbook_runner.run_playbook([play], env, tmp_path, ["--check"] if check else [], inventory=inventory, timeout=120)
        return result
    return run


def test_writes_pretty_sorted_json_and_is_idempotent(write, tmp_path):
    dest = tmp_path / "report.json"
    first = write({"content": REPORT, "dest": str(dest), "mode": "0640"})
    assert first.rc == 0, first
    assert first.results["changed"] is True and first.results["dest"] == str(dest)
    text = dest.read_text(encoding="utf-8")
    assert json.loads(text) == REPORT
    assert text == json.dumps(REPORT, indent=4, sort_keys=True, separators=(",", ": ")) + "\n"   # as to_nice_json + newline
    assert first.results["size"] == len(text.encode("utf-8"))
    assert stat.S_IMODE(dest.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report.json.")] == []   # no temporary file left

    again = write({"content": REPORT, "dest": str(dest), "mode": "0640"})
    assert again.rc == 0 and again.results["changed"] is False, again

    os.chmod(dest, 0o600)
    mode_only = write({"content": REPORT, "dest": str(dest), "mode": "0640"})
    assert mode_only.results["changed"] is True and stat.S_IMODE(dest.stat().st_mode) == 0o640


def test_check_mode_predicts_without_writing(write, tmp_path):
    dest = tmp_path / "report.json"
    dest.write_text("old\n")
    run = write({"content": REPORT, "dest": str(dest)}, check=True)
    assert run.rc == 0 and run.results["changed"] is True, run
    assert dest.read_text() == "old\n"


def test_writes_on_the_controller_without_contacting_the_host(write, tmp_path):
    """A host that cannot be reached (TEST-NET-1, ssh): a module-based write (copy) would have to connect to it first."""
    dest = tmp_path / "report.json"
    run = write({"content": REPORT, "dest": str(dest)}, inventory_host={
        "ansible_connection": "ssh", "ansible_host": "192.0.2.1", "ansible_ssh_timeout": 3})
    assert run.rc == 0, run
    assert json.loads(dest.read_text()) == REPORT


@pytest.mark.parametrize("args, message", [
    ({"dest": "{tmp}/missing/report.json"}, "the directory of dest does not exist: {tmp}/missing"),
    ({"dest": "{tmp}/report.json", "mode": "rw-r--r--"}, "mode must be an octal string such as '0644'"),
    ({"dest": "{tmp}/report.json", "mode": "99999"}, "mode must be an octal string such as '0644'"),
])
def test_bad_arguments_fail_clearly_and_write_nothing(write, tmp_path, args, message):
    args = {key: value.format(tmp=tmp_path) for key, value in args.items()}
    run = write(dict(args, content=REPORT))
    assert run.rc != 0
    assert message.format(tmp=tmp_path) in run.stdout, run
    assert not (tmp_path / "report.json").exists()
