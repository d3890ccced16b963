# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run real ansible-playbook processes against the stand-in and collect what they registered."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def other_name_of_this_python():
    """This very interpreter under another path (a venv has python, python3 and python3.X side by side): the same packages,
    but not the controller's own path, so acrops.registry.acr_import runs as a module, not in Ansible's worker. None if the
    directory has no second name."""
    here = Path(sys.executable)
    for name in ("python3", "python", "python%d.%d" % sys.version_info[:2]):
        candidate = here.with_name(name)
        if candidate != here and candidate.exists():
            return str(candidate)
    return None


def ansible_env(standin, collections_root, extra=None):
    env = dict(os.environ)
    env.update(standin.client_env())
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(collections_root),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "PATH": "%s:%s" % (BIN, env.get("PATH", "")),
        # Each caller its own journal of running imports: a test that leaves an import running (a stuck one) must not have
        # the next test's run report it.
        "ACROPS_JOURNAL_DIR": tempfile.mkdtemp(prefix="acrops-journal-"),
    })
    env.update(extra or {})
    return env


class Run:
    def __init__(self, proc, results):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.results = results

    def __repr__(self):
        return "Run(rc=%s)\nSTDOUT:\n%s\nSTDERR:\n%s" % (self.rc, self.stdout[-6000:], self.stderr[-3000:])


def run_playbook(playbook, env, tmp_path, args=(), inventory=None, timeout=600):
    """Run a playbook (a path, or a list of plays to write); returns Run with registered `results` if the plays dumped them."""
    if not isinstance(playbook, (str, Path)):
        path = tmp_path / ("play-%d.yml" % len(list(tmp_path.glob("play-*.yml"))))
        path.write_text(yaml.safe_dump(playbook, sort_keys=False))
        playbook = path
    cmd = [str(BIN / "ansible-playbook"), str(playbook)]
    cmd += ["-i", str(inventory)] if inventory else ["-i", "localhost,", "-c", "local"]
    cmd += list(args)
    # stdin is /dev/null, never the test process's: ansible-core 2.21 workers die ("Could not detach from stdio: Bad file
    # descriptor") when ansible-playbook inherits an fd 0 that is closed by the time a worker forks.
    proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, cwd=str(tmp_path), check=False)
    dump = tmp_path / "results.json"
    results = json.loads(dump.read_text()) if dump.exists() else None
    if dump.exists():
        dump.unlink()
    return Run(proc, results)


def module_play(tmp_path, tasks):
    """A play on localhost whose tasks each register `rN`; all registered results are dumped to results.json."""
    named = []
    for index, task in enumerate(tasks):
        task = dict(task)
        task.setdefault("name", "task %d" % index)
        task["register"] = "r%d" % index
        task.setdefault("ignore_errors", True)
        named.append(task)
    dump = {"name": "dump results", "ansible.builtin.copy": {
        "content": "{{ {%s} | to_json }}" % ", ".join("'r%d': r%d" % (i, i) for i in range(len(named))),
        "dest": str(tmp_path / "results.json")}, "check_mode": False}
    return [{"name": "test", "hosts": "localhost", "gather_facts": False, "tasks": named + [dump]}]


MANIFEST_ACCEPT = ", ".join((
    "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json"))


def storage_digest(storage_url, repo, reference):
    """The digest a storage registry (plain HTTP on loopback) holds for a tag, or None."""
    import requests  # pylint: disable=import-outside-toplevel

    session = requests.Session()
    session.trust_env = False  # straight to loopback: no proxy, no CA bundle games
    response = session.head("%s/v2/%s/manifests/%s" % (storage_url, repo, reference), headers={"Accept": MANIFEST_ACCEPT}, timeout=10)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.headers["Docker-Content-Digest"]
