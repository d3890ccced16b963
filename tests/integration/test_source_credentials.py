# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Source credentials go to the registry they were given for, and nowhere else (issue 20, item 1), module and role.

The stand-in's request log records, per request, which host saw which credential (a sha256 fingerprint of the Basic
password or Bearer token, never the secret: docs/standin.md) and the importImage bodies Resource Manager received
(passwords masked, the rest as sent). One ansible-playbook run at -vvv holds every case.
"""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
from playbook_runner import module_play, run_playbook
from standin_reads import env_lookup

pytestmark = pytest.mark.usefixtures("standin_clean")

SMALL = dict(platforms="linux/amd64", size=256)
DOCKER_HUB_HOSTS = {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}


def fingerprint(secret):
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:12]  # as tests/standin/controls_state.secret_fingerprint


def import_bodies(log):
    return [entry["body"] for entry in log if entry["route"] == "arm:import" and isinstance(entry.get("body"), dict)]


def test_batch_credentials_reach_only_their_registry(standin, ansible, repo, tmp_path):
    dockerhub = standin.env["sources"]["dockerhub"]
    namespace = dockerhub["private_namespace"]  # its repositories need the Docker Hub user: a secret that must be sent there
    standin.push("dockerhub", "%s/%s" % (namespace, repo), "1", **SMALL)
    standin.push("ghcr", "org/" + repo, "1", **SMALL)
    standin.push("quay", "org/" + repo, "1", **SMALL)
    three_hosts = [{"source": "docker.io/%s/%s:1" % (namespace, repo)}, {"source": "ghcr.io/org/%s:1" % repo},
                   {"source": "quay.io/org/%s:1" % repo}]
    planted = "Planted-Unused-%s" % uuid.uuid4().hex[:12]
    hub_login = {"username": dockerhub["username"], "password": env_lookup("HUB_PASSWORD")}
    tasks = [
        # r0: per-host credentials, keyed by a Docker Hub alias: only the docker.io entry gets them
        {"acrops.registry.acr_import": {"registry": "standinacr", "images": three_hosts,
                                        "source_credentials": {"index.docker.io": hub_login}}},
        # r1: module-level credentials beside images used to become every entry's: refused, naming what to write instead
        {"acrops.registry.acr_import": {"registry": "standinacr", "images": three_hosts, "source_username": dockerhub["username"],
                                        "source_password": env_lookup("HUB_PASSWORD")}},
        # r2: the role, by host, at -vvv; the credentials of a host with no image are never used nor shown
        {"ansible.builtin.include_role": {"name": "acrops.registry.acr_mirror", "apply": {"ignore_errors": True}},
         "vars": {"acr_mirror_registry": "standinacr", "acr_mirror_target_prefix": "role/", "acr_mirror_images": three_hosts,
                  "acr_mirror_credentials": {"docker.io": hub_login,
                                             "unused.example.test": {"username": "nobody", "password": env_lookup("PLANTED")}}}},
        # r3: what the role reported
        {"ansible.builtin.debug": {"var": "acr_mirror_result"}},
    ]
    env = dict(ansible.env, HUB_PASSWORD=dockerhub["password"], PLANTED=planted, ANSIBLE_LOG_PATH=str(tmp_path / "ansible.log"))
    run = run_playbook(module_play(tmp_path, tasks), env, tmp_path, ["-vvv"])
    assert run.results is not None, run
    by_key, refused, role = run.results["r0"], run.results["r1"], run.results["r3"]["acr_mirror_result"]

    log = standin.control.log()
    secret = fingerprint(dockerhub["password"])
    seen = {(e["client"], e["host"]) for e in log if (e.get("auth") or {}).get("secret_sha256") == secret}
    assert {client for client, host in seen} == {"controller", "acr-import"}, seen  # our reads and the import service's
    assert {host for client, host in seen} <= DOCKER_HUB_HOSTS, "the Docker Hub secret reached %s" % sorted(seen)
    other_hosts = [e for e in log if e["host"] in ("ghcr.io", "quay.io")]
    assert other_hosts and all(not (e.get("auth") or {}).get("user") for e in other_hosts), "Basic credentials sent to ghcr/quay"

    bodies = import_bodies(log)
    assert sorted(b["source"]["registryUri"] for b in bodies) == ["docker.io", "docker.io", "ghcr.io", "ghcr.io", "quay.io", "quay.io"]
    for body in bodies:
        if body["source"]["registryUri"] == "docker.io":
            assert body["source"]["credentials"] == {"username": dockerhub["username"], "password": "***"}, body
        else:
            assert "credentials" not in body["source"], body

    assert not by_key.get("failed"), by_key.get("msg")
    assert [t["action"] for r in by_key["results"] for t in r["targets"]] == ["imported"] * 3
    assert refused.get("failed") and "source_credentials" in refused["msg"], refused
    assert role["counts"].get("imported") == 3 and not role["counts"].get("failed"), role
    outputs = [run.stdout, run.stderr, json.dumps(run.results), (tmp_path / "ansible.log").read_text(), json.dumps(log)]
    assert "acrops.registry.acr_mirror : Summary" in run.stdout, run  # the role really ran at -vvv
    for text in outputs:
        assert planted not in text and dockerhub["password"] not in text
