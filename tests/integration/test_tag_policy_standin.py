# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tag policies and single-platform imports against the stand-in: real sources with realistic tag sets, real ansible runs."""

from __future__ import annotations

import json
import os

import pytest
import yaml
from playbook_runner import REPO
from standin_reads import acr, import_calls

from standin import images

from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor
from ansible_collections.acrops.registry.plugins.module_utils.registry_client import RegistryClient
from ansible_collections.acrops.registry.plugins.module_utils.policy_expansion import RequestBudget

pytestmark = pytest.mark.usefixtures("standin_clean")

DOCKER_HUB = "registry-1.docker.io"
# Shaped like Docker Hub's nginx: patch releases, a minor alias, variants, a release candidate and words.
NGINX_TAGS = ["1.24.0", "1.25", "1.25.0", "1.25.3", "1.25.3-alpine", "1.26.0", "1.26.1", "1.26.1-alpine", "1.27.0-rc.1", "1.27.0",
              "latest", "stable"]
# Shaped like a GitHub project's releases: v-prefixed, pre-releases, a nightly date and a commit tag.
APP_TAGS = ["v1.9.0", "v2.0.0-rc.1", "v2.0.0", "v2.1.0", "20240105", "sha-3f2a9c1", "edge"]


def push_tags(standin, source, repo, tags):
    """Push one small single-platform image per tag (each its own digest); returns {tag: digest}."""
    return {tag: standin.push(source, repo, tag, platforms="linux/amd64", size=64) for tag in tags}


def requests_to(standin, route, host=DOCKER_HUB, method="GET"):
    return standin.control.counters()["requests"].get("%s %s %s" % (host, method, route), 0)


def manifest_gets(standin):
    """The Docker Hub manifest GETs this machine sent so far."""
    requests = standin.control.counters()["client_requests"]
    return sum(n for key, n in requests.items() if key.startswith("controller registry-1.docker.io GET source:/v2/{repo}/manifests/"))


def pulls(standin):
    """Docker Hub manifest GETs (the pull-limit counter) this machine spent so far (ACR's own pulls while importing are not ours)."""
    return sum(n for key, n in standin.control.counters()["dockerhub_pulls"].items() if key.endswith(" controller"))


def test_policies_check_mode_then_import_then_nothing_to_do(standin, ansible, repo):
    nginx = push_tags(standin, "dockerhub", "library/" + repo, NGINX_TAGS)
    app = push_tags(standin, "ghcr", "org/%s-app" % repo, APP_TAGS)
    images_param = [
        {"source": "docker.io/library/%s" % repo, "label": "nginx-policy", "tag_policy": {"semver": ">=1.25 <1.27", "latest": 3}},
        {"source": "ghcr.io/org/%s-app" % repo, "targets": ["mirror/%s-app" % repo, "other/%s-app" % repo], "label": "app-policy",
         "tag_policy": {"regex": "v[0-9.]+(-rc\\.[0-9]+)?", "exclude": "v1\\..*"}},
        # Also listed by hand: mirrored once, by this entry.
        {"source": "docker.io/library/%s:1.26.1" % repo, "label": "by-hand"},
    ]
    wanted_nginx = ["1.26.1", "1.26.0", "1.25.3"]
    wanted_app = ["v2.1.0", "v2.0.0", "v2.0.0-rc.1"]
    calls = import_calls(standin)

    preview, run = ansible.module("acr_import", check=True, diff=True, registry="standinacr", images=images_param)
    assert preview["changed"] is True and not preview.get("failed"), run
    by_label = {p["label"]: p for p in preview["policies"]}
    assert by_label["nginx-policy"]["selected"] == wanted_nginx and by_label["nginx-policy"]["listed"] == len(NGINX_TAGS)
    assert by_label["app-policy"]["selected"] == wanted_app and by_label["app-policy"]["policy"]["exclude"] == ["v1\\..*"]
    assert preview["tag_list_requests"] >= 2
    planned = {t["name"]: t["action"] for r in preview["results"] for t in r["targets"]}
    assert planned == dict([("%s:%s" % (repo, t), "would_import") for t in wanted_nginx]
                           + [("%s/%s-app:%s" % (p, repo, t), "would_import") for p in ("mirror", "other") for t in wanted_app])
    assert [r["label"] for r in preview["results"]].count("by-hand") == 1, "nginx 1.26.1 is planned once, by its own entry"
    assert {r["source"]: r.get("selected_by") for r in preview["results"] if r.get("selected_by")} == dict(
        [("docker.io/library/%s:%s" % (repo, t), "nginx-policy") for t in wanted_nginx if t != "1.26.1"]
        + [("ghcr.io/org/%s-app:%s" % (repo, t), "app-policy") for t in wanted_app])
    added = preview["diff"]["after"]["targets"]
    assert added["%s:1.25.3" % repo] == nginx["1.25.3"] and preview["diff"]["before"]["targets"]["%s:1.25.3" % repo] is None
    assert any(line.startswith("Tag policy of nginx-policy selected 3 of %d tags" % len(NGINX_TAGS)) for line in preview["actions"])
    assert any(line.startswith("Would import docker.io/library/%s:1.25.3" % repo) for line in preview["actions"])
    assert import_calls(standin) == calls and acr(standin, repo, "1.25.3") is None, "check mode imports nothing"

    real, run = ansible.module("acr_import", registry="standinacr", images=images_param)
    assert real["changed"] is True and not real.get("failed"), run
    for tag in wanted_nginx:
        assert acr(standin, repo, tag) == nginx[tag]
    for tag in wanted_app:
        assert acr(standin, "mirror/%s-app" % repo, tag) == app[tag] and acr(standin, "other/%s-app" % repo, tag) == app[tag]
    for tag in ("1.25", "1.24.0", "1.25.3-alpine", "1.27.0", "1.27.0-rc.1", "latest"):
        assert acr(standin, repo, tag) is None, "%s was not selected" % tag
    assert acr(standin, "mirror/%s-app" % repo, "v1.9.0") is None and acr(standin, "mirror/%s-app" % repo, "edge") is None
    assert real["counts"]["imported"] == 3 + 2 * 3 and real["counts"]["failed"] == 0
    assert pulls(standin) == 0, "listing tags and reading digests spend no Docker Hub pull of ours"
    calls = import_calls(standin)

    again, run = ansible.module("acr_import", registry="standinacr", images=images_param)
    assert again["changed"] is False and again["counts"]["unchanged"] == 9, run
    assert import_calls(standin) == calls


def test_max_tags_guard_empty_selection_warning_and_budget(standin, ansible, repo):
    push_tags(standin, "dockerhub", "library/" + repo, NGINX_TAGS)
    fixed = standin.push("dockerhub", "library/%s-fixed" % repo, "1", platforms="linux/amd64", size=64)
    calls = import_calls(standin)
    result, run = ansible.module("acr_import", registry="standinacr", max_tags=4, concurrency=1, images=[
        {"source": "docker.io/library/%s" % repo, "label": "too-many", "tag_policy": {"regex": "1\\..*"}},
        {"source": "docker.io/library/%s" % repo, "targets": ["empty/%s" % repo], "label": "nothing",
         "tag_policy": {"regex": ".*-alpine", "semver": ">=1.25 <1.27"}},
        {"source": "docker.io/library/%s-fixed:1" % repo},
    ])
    assert result.get("failed"), run
    too_many = [r for r in result["results"] if r.get("label") == "too-many"]
    assert len(too_many) == 1 and too_many[0]["error_code"] == "TOO_MANY_TAGS"
    assert "selects 10 tags, more than max_tags (4)" in too_many[0]["msg"] and "too-many" in result["msg"]
    nothing = [p for p in result["policies"] if p["label"] == "nothing"][0]
    assert nothing["selected"] == [] and not nothing["failed"]
    assert "selected no tag" in nothing["warnings"][0] and "pre-release" in nothing["warnings"][0]
    assert "selected no tag" in run.stdout + run.stderr, "the empty selection reaches the user as a warning"
    assert import_calls(standin) == calls + 1, "only the listed image is imported: the failed policy imports nothing"
    assert acr(standin, "%s-fixed" % repo, "1") == fixed and acr(standin, repo, "1.25.3") is None
    assert result["counts"]["failed"] == 1 and result["counts"]["imported"] == 1

    # A budget of one request: the first listing spends it, the second repository is not listed.
    push_tags(standin, "quay", "org/%s-b" % repo, ["1.0.0"])
    spent, run = ansible.module("acr_import", registry="standinacr", tag_list_budget=1, concurrency=1, images=[
        {"source": "docker.io/library/%s" % repo, "label": "first", "tag_policy": {"latest": 1}},
        {"source": "quay.io/org/%s-b" % repo, "label": "second", "tag_policy": {"latest": 1}},
    ])
    assert spent.get("failed"), run
    assert [p["label"] for p in spent["policies"] if p["failed"]] == ["second"]
    assert [r["error_code"] for r in spent["results"] if r.get("failed")] == ["BUDGET_EXHAUSTED"]
    assert "tag_list_budget" in spent["results"][0]["msg"] or "tag_list_budget" in run.stdout
    assert [r["source"] for r in spent["results"] if not r.get("failed")] == ["docker.io/library/%s:1.27.0" % repo]


def test_listing_pages_counts_retries_and_is_cached(standin_client, unique_repo):
    standin = standin_client
    repo = "library/" + unique_repo.replace("/", "-")
    tags = ["1.0.%d" % i for i in range(7)] + ["latest"]
    push_tags(standin, "dockerhub", repo, tags)
    client = RegistryClient(Redactor([]), verify=standin.env["ca_bundle"])

    budget = RequestBudget(20)
    listed = client.list_tags(DOCKER_HUB, repo, page_size=3, budget=budget)
    assert sorted(listed) == sorted(tags)
    # 3 pages of at most 3, and the first page's 401 (the host's challenge, learned once): 4 requests, all counted.
    assert requests_to(standin, "source:/v2/{repo}/tags/list") == 4 and budget.used == 4
    assert client.list_tags(DOCKER_HUB, repo, page_size=3, budget=budget) == listed
    assert requests_to(standin, "source:/v2/{repo}/tags/list") == 4 and budget.used == 4, "a second listing comes from the cache"

    # Docker Hub rate-limits the listing twice: the session backs off (Retry-After honoured) and every retry is counted.
    other = RegistryClient(Redactor([]), verify=standin.env["ca_bundle"])
    other.manifest_digest(DOCKER_HUB, repo, "latest")  # the challenge and the token are known: only pages are left to count
    standin.control.faults([{"host": DOCKER_HUB, "path_regex": "/tags/list$", "status": 429, "headers": {"Retry-After": "0"},
                             "body": {"errors": [{"code": "TOOMANYREQUESTS", "message": "slow down"}]}, "times": 2}])
    retried = RequestBudget(20)
    assert sorted(other.list_tags(DOCKER_HUB, repo, page_size=3, budget=retried)) == sorted(tags)
    assert retried.used == 3 + 2
    assert [r["hits"] for r in standin.control.get("faults")["rules"]] == [2]

    # A budget too small for the listing stops it, and a failed listing is not cached.
    small = RegistryClient(Redactor([]), verify=standin.env["ca_bundle"])
    with pytest.raises(AcrOpsError) as caught:
        small.list_tags(DOCKER_HUB, repo, page_size=3, budget=RequestBudget(2))
    assert caught.value.code == "BUDGET_EXHAUSTED" and "budget of 2" in str(caught.value)
    assert sorted(small.list_tags(DOCKER_HUB, repo, page_size=3, budget=RequestBudget(20))) == sorted(tags)

    with pytest.raises(AcrOpsError) as missing:
        client.list_tags(DOCKER_HUB, "library/%s-missing" % unique_repo.replace("/", "-"))
    assert missing.value.code == "UNAUTHORIZED" and "does not exist" in str(missing.value)


def child_digest(repo, tag, platform, attestation=True):
    """The digest of one platform's manifest inside the deterministic index push_image builds."""
    built = images.build_image(seed="%s:%s" % (repo, tag), attestation=attestation)
    index = json.loads(built.top[2])
    for entry in index["manifests"]:
        if "%s/%s" % (entry["platform"]["os"], entry["platform"]["architecture"]) == platform:
            return entry["digest"], built.top[0]
    raise AssertionError("no %s in the test index" % platform)


def test_platform_imports_the_child_manifest_and_compares_against_it(standin, ansible, repo):
    index = standin.push("dockerhub", "library/" + repo, "1", attestation=True)
    child, expected_index = child_digest("library/" + repo, "1", "linux/arm64")
    assert index == expected_index and child != index
    single = standin.push("dockerhub", "library/%s-single" % repo, "1", platforms="linux/amd64")
    calls, spent, gets = import_calls(standin), pulls(standin), manifest_gets(standin)

    result, run = ansible.module("acr_import", registry="standinacr", platform="linux/arm64", images=[
        {"source": "%s:1" % repo}, {"source": "%s-single:1" % repo, "platform": "linux/amd64"}])
    assert not result.get("failed"), run
    first, second = result["results"]
    assert (first["source_digest"], first["source_index_digest"], first["platform"]) == (child, index, "linux/arm64")
    assert first["targets"] == [{"name": "%s:1" % repo, "before": None, "after": child, "action": "imported"}]
    assert acr(standin, repo, "1") == child, "the target tag holds the arm64 manifest, not the index"
    assert (second["source_digest"], second["source_index_digest"]) == (single, None)
    assert "single manifest" in " ".join(second["warnings"])
    assert manifest_gets(standin) == gets + 1, "one GET for the index; the single manifest costs only its HEAD"
    assert pulls(standin) == spent, "a GET of the index alone pulls no architecture (Docker Hub's rule, standin/sources.py)"
    assert import_calls(standin) == calls + 2

    again, run = ansible.module("acr_import", registry="standinacr", source="%s:1" % repo, platform="linux/arm64")
    assert again["changed"] is False and again["targets"][0]["action"] == "unchanged", run
    assert again["source_digest"] == child and import_calls(standin) == calls + 2
    assert "moved" not in run.stdout

    missing, run = ansible.module("acr_import", registry="standinacr", source="%s:1" % repo, platform="linux/s390x",
                                  targets=["%s:s390x" % repo])
    assert missing.get("failed") and "has no linux/s390x image (it has linux/amd64, linux/arm64)" in missing["msg"], run
    assert acr(standin, repo, "s390x") is None


def test_role_passes_policies_and_platform_and_reports_them(standin, ansible, tmp_path, repo):
    nginx = push_tags(standin, "dockerhub", "library/" + repo, NGINX_TAGS)
    index = standin.push("ghcr", "org/%s-multi" % repo, "v2.0.0")
    child, dummy = child_digest("org/%s-multi" % repo, "v2.0.0", "linux/amd64", attestation=False)
    standin.push("ghcr", "org/%s-multi" % repo, "v1.0.0")
    report = tmp_path / "report.json"
    inventory = tmp_path / "inv"
    (inventory / "group_vars" / "all").mkdir(parents=True)
    hosts = {"all": {"children": {"acr_registries": {"hosts": {"registry": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}", "acr_mirror_registry": "standinacr",
        "acr_mirror_report": str(report), "acr_mirror_target_prefix": "mirror/", "acr_mirror_max_tags": 5}}}}}}
    (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))
    (inventory / "group_vars" / "all" / "policies.yml").write_text(yaml.safe_dump({"acr_mirror_images__policies": [
        {"source": "docker.io/library/%s" % repo, "tags": {"semver": "~1.25", "exclude": "1\\.25"}},
        {"source": "ghcr.io/org/%s-multi" % repo, "tags": {"latest": 1}, "platform": "linux/amd64"},
        {"source": "docker.io/library/%s" % repo, "targets": ["none/%s" % repo], "tags": {"regex": "nothing-.*"}},
    ]}))
    run = ansible.playbook(REPO / "playbooks" / "mirror.yml", inventory)
    assert run.rc == 0, run
    data = json.loads(report.read_text())
    assert [p["selected"] for p in data["policies"]] == [["1.25.3", "1.25.0"], ["v2.0.0"], []]
    assert data["policies"][2]["warnings"] and data["tag_list_requests"] >= 2
    assert acr(standin, "mirror/%s" % repo, "1.25.3") == nginx["1.25.3"] and acr(standin, "mirror/%s" % repo, "1.25") is None
    assert acr(standin, "mirror/ghcr.io/org/%s-multi" % repo, "v2.0.0") == child != index
    multi = [i for i in data["images"] if i.get("platform")]
    assert [(i["platform"], i["source_index_digest"]) for i in multi] == [("linux/amd64", index)]
    assert "2 of %d tags of docker.io/library/%s selected: 1.25.3, 1.25.0" % (len(NGINX_TAGS), repo) in run.stdout
    assert "selected nothing" in run.stdout

    again = ansible.playbook(REPO / "playbooks" / "mirror.yml", inventory)
    assert again.rc == 0 and "changed=0" in again.stdout, again


def test_example_inventory_policy_entry_is_valid():
    """The shipped example's policy entry goes through the role's filter as written."""
    from ansible_collections.acrops.registry.plugins.filter.mirror import mirror_requests  # pylint: disable=import-outside-toplevel

    data = yaml.safe_load((REPO / "playbooks" / "inventories" / "mirror" / "host_vars" / "mirror-registry.yml").read_text())
    requests = mirror_requests(data["acr_mirror_images__policy"])
    assert requests == [{"source": "docker.io/library/nginx", "targets": ["nginx"], "tag_policy": {"semver": ">=1.25 <1.27", "latest": 3},
                         "force": True, "label": "image 1 (docker.io/library/nginx)", "prune": True}]
    assert os.path.exists(REPO / "playbooks" / "mirror.yml")
