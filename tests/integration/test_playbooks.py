# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The acr_mirror role and the shipped playbooks, run as users run them, against the stand-in."""

from __future__ import annotations

import json
import re
import shutil

import pytest
import yaml
from playbook_runner import REPO, storage_digest

pytestmark = pytest.mark.usefixtures("standin_clean")

SOURCE_NAMES = {"docker.io": "dockerhub", "mcr.microsoft.com": "mcr", "ghcr.io": "ghcr", "quay.io": "quay"}


def recap(run):
    """changed= and failed= of the play recap."""
    match = re.search(r"ok=\d+\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", run.stdout)
    assert match, run
    return int(match.group(1)), int(match.group(2))


def write_inventory(tmp_path, host_vars, group_vars=None, name="inv"):
    inventory = tmp_path / name
    (inventory / "group_vars" / "all").mkdir(parents=True)
    hosts = {"all": {"children": {"acr_registries": {"hosts": {"registry": dict(
        {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}, **host_vars)}}}}}
    (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))
    for file_name, data in (group_vars or {}).items():
        (inventory / "group_vars" / "all" / file_name).write_text(yaml.safe_dump(data))
    return inventory


def own_names(shipped, tmp_path, suffix):
    """A copy of a shipped inventory whose image repositories end in -<suffix>: the same lists, policies and layout, under
    names no other test pushes or moves (docker.io/library/redis:7 -> docker.io/library/redis-<suffix>:7)."""
    def rename(text):
        name, at, digest = text.partition("@")
        repository, colon, tag = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else (name, "", "")
        return "%s-%s%s%s%s%s" % (repository, suffix, colon, tag, at, digest)

    def walk(value, key=""):
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        return rename(value) if isinstance(value, str) and (key == "source" or key.startswith("acr_mirror_images__")) else value

    inventory = tmp_path / shipped.name
    shutil.copytree(shipped, inventory)
    for path in list(inventory.glob("group_vars/*/*.yml")) + list(inventory.glob("host_vars/*.yml")):
        path.write_text(yaml.safe_dump(walk(yaml.safe_load(path.read_text()))))
    return inventory


def test_example_mirror_inventory_runs_as_written_and_is_idempotent(standin, ansible, tmp_path, repo):
    suffix = repo.rsplit("-", 1)[-1]
    inventory = own_names(REPO / "playbooks" / "inventories" / "mirror", tmp_path, suffix)
    from ansible_collections.acrops.registry.plugins.module_utils import reference  # pylint: disable=import-outside-toplevel

    images = []
    for path in sorted((inventory / "group_vars" / "all").glob("*.yml")):
        for value in yaml.safe_load(path.read_text()).values():
            images.extend(reference.parse(v) for v in value)
    assert len(images) == 11 and all(ref.repository.endswith("-" + suffix) for ref in images), images
    digests = dict((str(ref), standin.push(SOURCE_NAMES[ref.registry], ref.repository, ref.tag, seed=str(ref))) for ref in images)
    report = tmp_path / "report.json"
    env = {"ACR_MIRROR_REPORT": str(report)}

    first = ansible.playbook(REPO / "playbooks" / "mirror.yml", inventory, env=env)
    assert first.rc == 0, first
    data = json.loads(report.read_text())
    assert {i["source"]: i["source_digest"] for i in data["images"]} == digests
    assert all(t["action"] in ("imported", "unchanged") for i in data["images"] for t in i["targets"])
    storage = standin.env["registries"]["standinacr"]["storage_url"]
    aspnet, grafana = "dotnet/aspnet-%s" % suffix, "grafana/grafana-%s" % suffix
    assert storage_digest(storage, aspnet, "8.0") == digests["mcr.microsoft.com/%s:8.0" % aspnet]
    assert storage_digest(storage, grafana, "10.2.0") == digests["docker.io/%s:10.2.0" % grafana]

    calls = standin.control.counters()["import_calls"]
    second = ansible.playbook(REPO / "playbooks" / "mirror.yml", inventory, env=env)
    assert second.rc == 0 and recap(second) == (0, 0), second
    assert standin.control.counters()["import_calls"] == calls
    assert "already current" in second.stdout

    redis = "redis-" + suffix
    moved = standin.push("dockerhub", "library/" + redis, "7", seed=4)
    preview = ansible.playbook(REPO / "playbooks" / "mirror.yml", inventory, args=["--check", "--diff"], env=env)
    assert preview.rc == 0, preview
    assert "would overwrite" in preview.stdout and redis + ":7" in preview.stdout
    assert standin.control.counters()["import_calls"] == calls
    real = ansible.playbook(REPO / "playbooks" / "mirror.yml", inventory, env=env)
    assert real.rc == 0 and recap(real)[0] == 1, real
    assert storage_digest(storage, redis, "7") == moved


def test_group_lists_manifest_credentials_prefix_and_failures(standin, ansible, tmp_path, repo):
    private = standin.env["sources"]["private"]
    a = standin.push("dockerhub", "library/%s-a" % repo, "1")
    b = standin.push("ghcr", "org/%s-b" % repo, "2")
    c = standin.push("private", "team/%s-c" % repo, "3")
    d = standin.push("dockerhub", "library/%s-d" % repo, "4")
    manifest = tmp_path / "images.txt"
    manifest.write_text("# bulk list\n\ndocker.io/library/%s-d:4  bulk/%s-d:4\n" % (repo, repo))
    report = tmp_path / "report.json"
    inventory = write_inventory(tmp_path, {
        "acr_mirror_registry": "standinacr",
        "acr_mirror_target_prefix": "mirror/",
        "acr_mirror_manifest": str(manifest),
        "acr_mirror_report": str(report),
        "acr_mirror_credentials": {private["host"]: {"username": private["username"], "password": private["password"]}},
        "acr_mirror_images__host": ["%s/team/%s-c:3" % (private["host"], repo)],
    }, {"base.yml": {"acr_mirror_images__base": ["%s-a:1" % repo, "%s-missing:1" % repo]},
        "ghcr.yml": {"acr_mirror_images__ghcr": [{"source": "ghcr.io/org/%s-b" % repo, "tags": ["2"]}]}})
    run = ansible.playbook(REPO / "playbooks" / "mirror.yml", inventory)
    assert run.rc != 0, run  # one image is missing: the play fails at the end
    storage = standin.env["registries"]["standinacr"]["storage_url"]
    assert storage_digest(storage, "mirror/%s-a" % repo, "1") == a
    assert storage_digest(storage, "mirror/ghcr.io/org/%s-b" % repo, "2") == b
    assert storage_digest(storage, "mirror/%s/team/%s-c" % (private["host"], repo), "3") == c
    assert storage_digest(storage, "bulk/%s-d" % repo, "4") == d
    data = json.loads(report.read_text())
    failed = [i for i in data["images"] if i["failed"]]
    assert [i["source"] for i in failed] == ["docker.io/library/%s-missing:1" % repo]
    assert "failed" in run.stdout and "%s-missing" % repo in run.stdout
    assert private["password"] not in run.stdout + report.read_text()


def test_module_and_role_land_the_same_entries_in_the_same_repositories(standin, ansible, tmp_path, repo):
    """One naming rule (module_utils/target_naming.py): the role mirrors into standinacr, the module the same entries into prodacr,
    in one run; every entry lands under the same name in both, for Docker Hub, MCR, GHCR, quay and an ACR source."""
    dev_login = standin.env["registries"]["devacr"]["login_server"]
    sources = [  # (entry, stand-in source, repository there, where it lands)
        ({"source": "%s-hub:1" % repo}, "dockerhub", "library/%s-hub" % repo, "%s-hub:1" % repo),
        ({"source": "docker.io/acme/%s:1" % repo}, "dockerhub", "acme/" + repo, "acme/%s:1" % repo),
        ({"source": "mcr.microsoft.com/dotnet/%s:1" % repo}, "mcr", "dotnet/" + repo, "dotnet/%s:1" % repo),
        ({"source": "ghcr.io/org/%s:1" % repo}, "ghcr", "org/" + repo, "ghcr.io/org/%s:1" % repo),
        ({"source": "quay.io/org/%s:1" % repo}, "quay", "org/" + repo, "quay.io/org/%s:1" % repo),
        ({"source": "team/%s:1" % repo, "source_registry": "devacr"}, "devacr", "team/" + repo, "team/%s:1" % repo),
        # The stand-in's ACR suffix is no public cloud's: its login server is named like any other host.
        ({"source": "%s/team/%s-h:1" % (dev_login, repo)}, "devacr", "team/%s-h" % repo, "%s/team/%s-h:1" % (dev_login, repo)),
    ]
    digests = [standin.push(name, path, "1", seed="%s-%s" % (name, path)) for dummy, name, path, dummy2 in sources]
    entries = [entry for entry, dummy, dummy2, dummy3 in sources]
    inventory = write_inventory(tmp_path, {"acr_mirror_registry": "standinacr", "acr_mirror_images": entries})
    results = tmp_path / "both.json"
    playbook = [{"name": "The role and the module mirror the same entries", "hosts": "acr_registries", "gather_facts": False,
                 "roles": ["acrops.registry.acr_mirror"], "post_tasks": [
                     {"name": "The module, into another registry", "acrops.registry.acr_import": {"registry": "prodacr", "images": entries},
                      "register": "by_module"},
                     {"name": "Both results", "acrops.registry.report_file": {
                         "content": "{{ {'role': acr_mirror_result.images, 'module': by_module.results} }}", "dest": str(results)}}]}]
    run = ansible.playbook(playbook, inventory)
    assert run.rc == 0, run
    data = json.loads(results.read_text())
    by_role = [[t["name"] for t in image["targets"]] for image in data["role"]]
    by_module = [[t["name"] for t in image["targets"]] for image in data["module"]]
    assert by_module == by_role == [[lands] for dummy, dummy2, dummy3, lands in sources]
    for (dummy, dummy2, dummy3, lands), digest in zip(sources, digests):
        for registry in ("standinacr", "prodacr"):
            assert storage_digest(standin.env["registries"][registry]["storage_url"], *lands.rsplit(":", 1)) == digest, (registry, lands)


def test_promote_playbook(standin, ansible, tmp_path):
    build = standin.push("devacr", "app", "1234", seed=7)
    inventory = REPO / "playbooks" / "inventories" / "promote"
    missing = ansible.playbook(REPO / "playbooks" / "promote.yml", inventory, args=["-e", "promote_build=9999"])
    assert missing.rc != 0 and "no tag 9999" in missing.stdout, missing
    run = ansible.playbook(REPO / "playbooks" / "promote.yml", inventory, args=["-e", "promote_build=1234"])
    assert run.rc == 0, run
    storage = standin.env["registries"]["prodacr"]["storage_url"]
    assert storage_digest(storage, "app", "1234") == build and storage_digest(storage, "app", "latest") == build
    # The build tag is write-once in prod; latest moves with the next promotion.
    assert standin.acr_tag_attributes("prodacr", "app", "1234")["writeEnabled"] is False
    assert standin.acr_tag_attributes("prodacr", "app", "1234")["deleteEnabled"] is False
    assert standin.acr_tag_attributes("prodacr", "app", "latest")["writeEnabled"] is True
    again = ansible.playbook(REPO / "playbooks" / "promote.yml", inventory, args=["-e", "promote_build=1234"])
    assert again.rc == 0 and recap(again) == (0, 0), again


def test_airgap_playbook_verifies_and_writes_the_mapping(standin, ansible, tmp_path, repo):
    suffix = repo.rsplit("-", 1)[-1]
    inventory = own_names(REPO / "playbooks" / "inventories" / "airgap", tmp_path, suffix)
    from ansible_collections.acrops.registry.plugins.module_utils import reference  # pylint: disable=import-outside-toplevel

    lists = yaml.safe_load((inventory / "group_vars" / "all" / "cluster-images.yml").read_text()).values()
    images = [reference.parse(text) for images in lists for text in images]
    for ref in images:
        standin.push(SOURCE_NAMES[ref.registry], ref.repository, ref.tag, seed=5)
    mapping = tmp_path / "mapping.json"
    run = ansible.playbook(REPO / "playbooks" / "airgap.yml", inventory, env={"AIRGAP_MAPPING": str(mapping)})
    assert run.rc == 0, run
    login = standin.env["registries"]["standinacr"]["login_server"]
    assert json.loads(mapping.read_text())["docker.io/library/nginx-%s:1.25" % suffix] == "%s/airgap/nginx-%s:1.25" % (login, suffix)
