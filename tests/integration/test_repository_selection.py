# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Entries that name a namespace or a registry (issue 18) through ansible-playbook against the stand-in, in one run:
a 3-repository namespace on a distribution registry selected by regex with one excluded (check mode, import, unchanged,
check mode again), max_images stopping a run before any import, an ACR source whose catalog comes in pages of two,
the refusals for Docker Hub (before any call) and a registry whose catalog answers 401, and the role with its prefix; and
at scale, 21 images over 3 repositories: the module's exact counts per repository in check mode (no import), the role's
summary one line per repository, the module's counts on the next run."""

from __future__ import annotations

import pytest
from playbook_runner import storage_digest

pytestmark = pytest.mark.usefixtures("standin_clean")


def task(params, check=False):
    return {"acrops.registry.acr_import": dict(params, registry="standinacr"), "check_mode": check}


def targets(result):
    return {t["name"]: t["action"] for r in result["results"] for t in r["targets"]}


def test_namespaces_paged_catalogs_max_images_and_refusals(standin, ansible, repo):
    private = standin.env["sources"]["private"]
    host = private["host"]
    pushed = {}
    for name in ("api", "web", "legacy"):
        for tag in ("1", "2"):
            pushed["%s/%s:%s" % (repo, name, tag)] = standin.push("private", "%s/%s" % (repo, name), tag, platforms="linux/amd64", size=64)
    standin.push("private", "%s-other/api" % repo, "1", platforms="linux/amd64", size=64)  # beside the namespace, not below it
    acr_names = ["%s/acr/app%d" % (repo, n) for n in range(5)]
    acr_digests = {name: standin.push("devacr", name, "v1", platforms="linux/amd64", size=64) for name in acr_names}
    big = "%s-big" % repo  # 3 repositories x 7 tags: 21 images, above the 20 that the role's summary shows per image
    for r in range(3):
        for tag in range(1, 8):
            standin.push("private", "%s/r%d" % (big, r), str(tag), platforms="linux/amd64", size=64)
    # In the target already: r0:1 the same image (unchanged), r0:2 another one (drifted without force).
    standin.push("standinacr", "%s/%s/r0" % (host, big), "1", platforms="linux/amd64", size=64, seed="%s/r0:1" % big)
    standin.push("standinacr", "%s/%s/r0" % (host, big), "2", platforms="linux/amd64", size=64, seed="elsewhere")
    standin.control.settings(catalog_page_size=2)
    calls = standin.control.counters()["import_calls"]

    namespace = {"images": [{"source": "%s/%s" % (host, repo), "label": "ns", "repositories": {"regex": "api|web|legacy", "exclude": "legacy"},
                             "tags": "all"}],
                 "source_credentials": {host: {"username": private["username"], "password": private["password"]}}}
    # By resource ID (as from another subscription): the registry is read once per run, not once per repository.
    from_acr = {"images": [{"source": repo + "/acr", "source_registry": standin.env["registries"]["devacr"]["id"], "repositories": {"regex": "app[0-9]"},
                            "tags": ["v1"]}], "tag_list_budget": 1000}
    wide = {"images": [{"source": "%s/%s" % (host, big), "label": "wide", "repositories": {"regex": "r[0-9]"}, "tags": "all"}],
            "source_credentials": namespace["source_credentials"]}
    run = ansible.tasks([
        task(namespace, check=True),                                          # r0
        task(namespace),                                                      # r1
        task(namespace),                                                      # r2
        task(namespace, check=True),                                          # r3
        task(dict(from_acr, max_images=4)),                                   # r4
        task(from_acr),                                                       # r5
        task({"images": [{"source": "docker.io/library", "repositories": {"regex": "nginx"}, "tags": "all"}]}),      # r6
        task({"images": [{"source": "ghcr.io/org", "repositories": {"regex": ".*"}, "tags": "all"}]}),               # r7
        # r8: the role, with its prefix and credentials by host; r9: what it reported
        {"ansible.builtin.include_role": {"name": "acrops.registry.acr_mirror"},
         "vars": {"acr_mirror_registry": "standinacr", "acr_mirror_target_prefix": "role/", "acr_mirror_credentials": namespace["source_credentials"],
                  "acr_mirror_images": [{"source": "%s/%s" % (host, repo), "repositories": {"regex": "api"}, "tags": ["1"]}]}},
        {"ansible.builtin.debug": {"var": "acr_mirror_result"}},
        task(dict(wide, images=[dict(wide["images"][0], force=False)]), check=True),                      # r10: preview at scale
        # r11: the role mirrors the same entry (without force; a task's check_mode leaves the role's ansible_check_mode false,
        # and --check would be a playbook run of its own), r12: its report
        {"ansible.builtin.include_role": {"name": "acrops.registry.acr_mirror"},
         "vars": {"acr_mirror_registry": "standinacr", "acr_mirror_credentials": namespace["source_credentials"], "acr_mirror_force": False,
                  "acr_mirror_images": [{"source": "%s/%s" % (host, big), "repositories": {"regex": "r[0-9]"}, "tags": "all"}]}},
        {"ansible.builtin.debug": {"var": "acr_mirror_result"}},
        task(wide),                                                                                       # r13: and by the module
        # r14: untagged: all needs an ACR source: refused before any registry call (untagged_manifests.check_sources)
        task({"images": [{"source": "%s/%s" % (host, repo), "repositories": {"regex": ".*"}, "tags": "all", "untagged": "all"}]}),
    ])
    result = run.results
    wanted = ["%s/%s:%s" % (repo, name, tag) for name in ("api", "web") for tag in ("1", "2")]
    named = ["%s/%s" % (host, w) for w in wanted]  # the target keeps the source path, the host first (docs/naming.md)

    preview = result["r0"]
    assert not preview.get("failed") and preview["changed"] is True, run
    assert preview["repository_selections"][0]["selected"] == ["%s/api" % repo, "%s/web" % repo]
    assert preview["repository_selections"][0]["listed"] == 3
    assert targets(preview) == {n: "would_import" for n in named}
    assert any(line.startswith("Repository selection of ns selected 2 of 3 repositories") for line in preview["actions"])

    assert result["r1"]["changed"] is True and targets(result["r1"]) == {n: "imported" for n in named}, run
    for written, source in zip(named, wanted):
        assert storage_digest(standin.env["registries"]["standinacr"]["storage_url"], *written.rsplit(":", 1)) == pushed[source]
    assert storage_digest(standin.env["registries"]["standinacr"]["storage_url"], "%s/%s/legacy" % (host, repo), "1") is None
    assert result["r2"]["changed"] is False and targets(result["r2"]) == {n: "unchanged" for n in named}
    assert result["r3"]["changed"] is False and targets(result["r3"]) == {n: "unchanged" for n in named}

    stopped = result["r4"]
    assert stopped.get("failed") and "selects 5 images, more than max_images (4)" in stopped["msg"], run
    assert "raise max_images" in stopped["msg"]
    paged = result["r5"]
    assert not paged.get("failed") and paged["repository_selections"][0]["selected"] == acr_names, run
    assert targets(paged) == {"%s:v1" % n: "imported" for n in acr_names}, "max_images imported nothing: all five are new here"
    for name in acr_names:
        assert storage_digest(standin.env["registries"]["standinacr"]["storage_url"], name, "v1") == acr_digests[name]
    assert paged["tag_list_requests"] >= 3 + len(acr_names), "the catalog came in pages of two, every page counted"
    registry_reads = sum(n for key, n in standin.control.counters()["requests"].items() if key.endswith(" GET arm:registry"))
    assert registry_reads == 2, "r4 and r5 each read the source registry once"

    assert result["r6"].get("failed") and "Docker Hub serves no repository catalog" in result["r6"]["msg"]
    assert "name the repositories" in result["r6"]["msg"]
    refused = result["r7"]
    assert refused.get("failed") and refused["results"][0]["error_code"] == "NO_CATALOG", run
    assert "ghcr.io serves no repository catalog" in refused["results"][0]["msg"]
    assert result["r14"].get("failed") and "untagged: all needs an Azure Container Registry source" in result["r14"]["msg"], result["r14"]
    assert "%s is not one (this cloud's registries end in .azurecr.standin.test)" % host in result["r14"]["msg"]
    role = result["r9"]["acr_mirror_result"]
    assert role["repository_selections"][0]["selected"] == ["%s/api" % repo], run
    assert [(t["name"], t["action"]) for i in role["images"] for t in i["targets"]] == [("role/%s/%s/api:1" % (host, repo), "imported")]
    assert storage_digest(standin.env["registries"]["standinacr"]["storage_url"], "role/%s/%s/api" % (host, repo), "1") == pushed[
        "%s/api:1" % repo]

    preview = result["r10"]
    per_repository = {c["source_repository"]: (c["target_repository"], c["counts"]["images"], c["counts"]["would_import"], c["counts"]["unchanged"],
                                               c["counts"]["drifted"]) for c in preview["repository_counts"]}
    assert per_repository == {"%s/%s/r0" % (host, big): ("%s/%s/r0" % (host, big), 7, 5, 1, 1),
                              "%s/%s/r1" % (host, big): ("%s/%s/r1" % (host, big), 7, 7, 0, 0),
                              "%s/%s/r2" % (host, big): ("%s/%s/r2" % (host, big), 7, 7, 0, 0)}, run
    totals = preview["repository_selections"][0]["counts"]
    assert (totals["images"], totals["would_import"], totals["unchanged"], totals["drifted"], totals["failed"]) == (21, 19, 1, 1, 0)
    assert "Repository selection of wide: 21 images in 3 repositories: would import 19, unchanged 1, drifted 1" in preview["actions"]
    assert "  %s/%s/r0 -> %s/%s/r0: would import 5, unchanged 1, drifted 1" % (host, big, host, big) in preview["actions"]
    report = result["r12"]["acr_mirror_result"]
    assert len(report["images"]) == 21, "the JSON report keeps every image"
    assert [c["counts"]["imported"] for c in report["repository_counts"]] == [5, 7, 7], report["repository_counts"]
    # The role's summary (its assert's message in the output): one line per repository, none per image of this entry.
    summary = run.stdout.split("TASK [acrops.registry.acr_mirror : Summary")[-1].split("TASK [")[0]
    assert ("repositories acr_mirror_images[0]: 3 of 3 in %s/%s selected, 21 images: imported 19, unchanged 1, failed 0, drifted 1"
            % (host, big)) in summary, run
    assert "    %s/%s/r0 -> %s/%s/r0: imported 5, unchanged 1, failed 0, drifted 1" % (host, big, host, big) in summary
    assert "    %s/%s/r2 -> %s/%s/r2: imported 7, unchanged 0, failed 0" % (host, big, host, big) in summary
    assert "%s/%s/r1:3" % (host, big) not in summary and "policy " not in summary, "no line per image or per tag listing"
    again = result["r13"]
    assert [(c["counts"]["imported"], c["counts"]["unchanged"], c["counts"]["drifted"]) for c in again["repository_counts"]] == [
        (0, 6, 1), (0, 7, 0), (0, 7, 0)], run
    assert "Repository selection of wide: 21 images in 3 repositories: imported 0, unchanged 20, failed 0, drifted 1" in again["actions"]
    assert standin.control.counters()["import_calls"] == calls + len(named) + len(acr_names) + 1 + 19, "check mode and refusals import nothing"
