# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role's data plumbing: merging inventory lists, naming targets, credentials, conflicts, summary."""

from __future__ import annotations

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.acrops.registry.plugins.filter import mirror
from ansible_collections.acrops.registry.plugins.modules import acr_import


def requests(entries, **kw):
    return mirror.mirror_requests(mirror.merge_image_lists(entries, kw.pop("named", {}), kw.pop("manifest", None)), **kw)


@pytest.mark.parametrize("source, target", [
    ("docker.io/library/nginx:1.25", "nginx:1.25"),
    ("nginx:1.25", "nginx:1.25"),
    ("docker.io/grafana/grafana:10.2.0", "grafana/grafana:10.2.0"),
    ("mcr.microsoft.com/dotnet/aspnet:8.0", "dotnet/aspnet:8.0"),
    ("ghcr.io/org/app:v2", "ghcr.io/org/app:v2"),
])
def test_default_naming_rule(source, target):
    assert requests([source])[0]["targets"] == [target]
    assert requests([source], prefix="mirror/")[0]["targets"] == ["mirror/" + target]


def test_named_lists_merge_and_duplicates_collapse():
    result = requests(["nginx:1.25"], named={"acr_mirror_images__prod": ["redis:7", "docker.io/library/nginx:1.25"],
                                             "acr_mirror_images__dev": [{"source": "alpine", "tags": ["3.19", "3.20"]}]})
    assert [r["source"] for r in result] == ["docker.io/library/nginx:1.25", "docker.io/library/alpine:3.19",
                                             "docker.io/library/alpine:3.20", "docker.io/library/redis:7"]
    assert result[1]["label"] == "acr_mirror_images__dev[0]"


def test_conflicting_sources_for_one_target_name_both_entries():
    with pytest.raises(AnsibleFilterError) as info:
        requests([{"source": "nginx:1.25", "targets": ["web:1"]}], named={"acr_mirror_images__x": [{"source": "httpd:2", "targets": ["web:1"]}]})
    assert "acr_mirror_images[0]" in str(info.value) and "acr_mirror_images__x[0]" in str(info.value)


def test_manifest_lines():
    text = "# base images\n\nnginx:1.25  web/nginx:1.25\nredis:7   # cache\n"
    result = requests([], manifest=text)
    expected = [("docker.io/library/nginx:1.25", ["web/nginx:1.25"]), ("docker.io/library/redis:7", ["redis:7"])]
    assert [(r["source"], r["targets"]) for r in result] == expected
    assert result[0]["label"] == "manifest:3"
    with pytest.raises(AnsibleFilterError, match="line 1"):
        requests([], manifest="a b c\n")


def test_credentials_by_host_and_by_name():
    creds = {"docker.io": {"username": "u", "password": "p"}, "corp": {"username": "c", "password": "q"}}
    result = requests(["nginx:1.25", {"source": "ghcr.io/o/a:1", "credentials": "corp"}, "quay.io/x/y:1"], credentials=creds)
    assert (result[0]["source_username"], result[0]["source_password"]) == ("u", "p")
    assert result[1]["source_password"] == "q"
    assert "source_password" not in result[2]
    with pytest.raises(AnsibleFilterError, match="not defined"):
        requests([{"source": "ghcr.io/o/a:1", "credentials": "nope"}], credentials=creds)


def test_host_credentials_go_to_that_host_only():
    # Keys match the image's host whatever their case, and Docker Hub's aliases are one host (issue 20).
    creds = {"Registry-1.Docker.IO": {"username": "hub", "password": "hub-pw"}, "GHCR.io": {"password": "gh-token"}}
    result = requests(["nginx:1.25", "docker.io/team/app:1", "ghcr.io/o/a:1", "quay.io/x/y:1", "localhost:5000/z:1",
                       {"source": "docker.io/library/redis", "tags": {"latest": 1}}], credentials=creds)
    assert [(r.get("source_username"), r.get("source_password")) for r in result] == [
        ("hub", "hub-pw"), ("hub", "hub-pw"), (None, "gh-token"), (None, None), (None, None), ("hub", "hub-pw")]
    # An entry that names another host's credentials would send them there: refused, naming both hosts.
    with pytest.raises(AnsibleFilterError, match="registry host docker.io, and ghcr.io/o/a:1 is on ghcr.io"):
        requests([{"source": "ghcr.io/o/a:1", "credentials": "index.docker.io"}], credentials={"index.docker.io": {"password": "hub-pw"}})
    with pytest.raises(AnsibleFilterError, match="docker.io and index.docker.io for the one host docker.io"):
        requests(["nginx:1"], credentials={"docker.io": {"password": "a-pw"}, "index.docker.io": {"password": "b-pw"}})


@pytest.mark.parametrize("entry, fragment", [
    ({"source": "nginx", "tag": "1"}, "unknown keys"),
    ({"source": "nginx", "tags": []}, "non-empty"),
    ({"source": "nginx", "tags": ["1"], "targets": ["x:1"]}, "not both"),
    ({"targets": ["x:1"]}, "mapping with 'source'"),
    ("NGINX:1", "lowercase"),
])
def test_bad_entries(entry, fragment):
    with pytest.raises(AnsibleFilterError) as info:
        requests([entry])
    assert fragment in str(info.value)


def test_summary_names_changes_and_failures():
    imported = {"name": "nginx:1.25", "before": None, "after": "d", "action": "imported"}
    result = {"registry": {"name": "r", "login_server": "r.example"}, "counts": {"imported": 1, "unchanged": 2, "failed": 1},
              "results": [{"source": "docker.io/library/nginx:1.25", "targets": [imported]},
                          {"source": "docker.io/library/redis:7", "failed": True, "msg": "boom", "targets": []}]}
    report = mirror.mirror_report(result, "r")
    lines = mirror.mirror_summary(report)
    assert lines[0].startswith("r.example: imported 1")
    assert any("failed" in line and "boom" in line for line in lines)
    assert any("imported" in line and "nginx:1.25" in line for line in lines)
    assert report["images"][1]["error"] == "boom"


def test_summary_counts_targets_planned_without_reads_apart_and_says_why():
    kept = {"name": "nginx:1.25", "before": None, "after": None, "action": "exists_unverified", "reason": "the service says it exists"}
    unknown = {"name": "redis:7", "before": None, "after": None, "action": "unknown", "reason": "target_reads is never"}
    result = {"registry": {"name": "r", "login_server": "r.example"}, "counts": {"exists_unverified": 1, "unknown": 1, "unchanged": 0},
              "results": [{"source": "docker.io/library/nginx:1.25", "targets": [kept]}, {"source": "docker.io/library/redis:7", "targets": [unknown]}]}
    lines = mirror.mirror_summary(mirror.mirror_report(result, "r"))
    assert lines[0] == "r.example: exists unverified 1, unknown 1"
    assert any("redis:7" in line and "target_reads is never" in line for line in lines) and not any("already current" in line for line in lines)


# ---- tag policies ---------------------------------------------------------------------------------------------------
def test_a_tags_mapping_is_a_policy_passed_to_the_module():
    result = requests([{"source": "nginx", "tags": {"semver": ">=1.25 <1.27", "latest": 3}},
                       {"source": "ghcr.io/org/app", "targets": ["apps/app"], "tags": {"regex": "v.*", "exclude": None}, "platform": "linux/amd64"},
                       {"source": "team/app", "source_registry": "devregistry", "tags": {"latest": 1}}],
                      prefix="mirror/", credentials={"ghcr.io": {"username": "u", "password": "p"}})
    assert result[0] == {"source": "docker.io/library/nginx", "targets": ["mirror/nginx"], "tag_policy": {"semver": ">=1.25 <1.27", "latest": 3},
                         "force": True, "label": "acr_mirror_images[0]"}
    assert result[1]["targets"] == ["apps/app"] and result[1]["tag_policy"] == {"regex": "v.*"} and result[1]["platform"] == "linux/amd64"
    assert result[1]["source_username"] == "u" and result[1]["source_password"] == "p"
    assert result[2]["source"] == "team/app" and result[2]["targets"] == ["mirror/team/app"] and result[2]["source_registry"] == "devregistry"


def test_the_same_policy_from_two_groups_is_passed_once():
    entry = {"source": "nginx", "tags": {"latest": 2}}
    assert len(requests([entry], named={"acr_mirror_images__other": [dict(entry)]})) == 1
    assert len(requests([entry], named={"acr_mirror_images__other": [{"source": "nginx", "tags": {"latest": 3}}]})) == 2


def test_platform_passes_through_fixed_entries():
    assert requests([{"source": "nginx:1.25", "platform": "linux/arm64"}])[0]["platform"] == "linux/arm64"


def test_platforms_pass_through_and_another_platform_choice_into_one_target_is_refused():
    both = ["linux/amd64", "linux/arm64"]
    assert requests([{"source": "nginx:1.25", "platforms": both}])[0]["platforms"] == both
    assert requests([{"source": "nginx", "tags": {"latest": 2}, "platforms": both}])[0]["platforms"] == both
    with pytest.raises(AnsibleFilterError) as info:
        requests([{"source": "nginx:1.25", "platforms": both}, {"source": "nginx:1.25", "platform": "linux/amd64"}])
    assert "for linux/amd64, linux/arm64" in str(info.value)


def test_an_entrys_own_lock_switch_passes_through_and_unset_takes_the_roles_default():
    made = requests([{"source": "nginx:1.25", "lock": True}, {"source": "redis:7", "lock": False}, "alpine:3",
                     {"source": "docker.io/library/node", "tags": {"latest": 2}, "lock": True}])
    assert [m.get("lock") for m in made] == [True, False, None, True]


def test_prune_passes_through_policy_entries_and_listed_entries_cannot_prune():
    made = requests([{"source": "docker.io/library/node", "tags": {"latest": 2}, "prune": True},
                     {"source": "docker.io/library/redis", "tags": {"latest": 2}, "prune": "repository"}])
    assert [m.get("prune") for m in made] == [True, "repository"]
    with pytest.raises(AnsibleFilterError, match="prune and prune_untagged need a tag policy"):
        requests([{"source": "nginx:1.25", "prune": True}])


@pytest.mark.parametrize("entry, fragment", [
    ({"source": "nginx:1.25", "tags": {"latest": 2}}, "write the repository alone (docker.io/library/nginx)"),
    ({"source": "app:1", "source_registry": "dev", "tags": {"latest": 2}}, "write the repository alone"),
    ({"source": "nginx", "tags": {"tag_regex": "1.*"}}, "unknown tag policy keys tag_regex"),
    ({"source": "nginx", "tags": {"regex": None}}, "is empty"),
    ({"source": "nginx", "tags": {"latest": 1}, "untagged_repositories": ["x"]}, "do not go together"),
])
def test_bad_policy_entries(entry, fragment):
    with pytest.raises(AnsibleFilterError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        requests([entry])


def test_report_and_summary_show_what_policies_selected():
    result = {"registry": {"name": "r", "login_server": "r.azurecr.io"}, "counts": {"imported": 1}, "tag_list_requests": 2,
              "results": [{"source": "docker.io/library/nginx:1.26.1", "label": "p", "selected_by": "p", "platform": "linux/amd64",
                           "source_index_digest": "sha256:i", "source_digest": "sha256:c",
                           "targets": [{"name": "nginx:1.26.1", "action": "imported", "before": None, "after": "sha256:c"}]}],
              "policies": [{"label": "p", "source": "docker.io/library/nginx", "listed": 12, "selected": ["1.26.1"], "notes": [], "warnings": [],
                            "failed": False, "policy": {"latest": 1}},
                           {"label": "q", "source": "docker.io/library/redis", "listed": 3, "selected": [], "notes": [],
                            "warnings": ["the tag policy of q selected no tag"], "failed": False, "policy": {"regex": "x"},
                            "platforms": ["linux/amd64", "linux/arm64"]},
                           {"label": "z", "source": "docker.io/library/x", "listed": 80, "selected": [], "failed": True,
                            "msg": "selects 80 tags, more than max_tags (50)", "policy": {"regex": ".*"}}]}
    report = mirror.mirror_report(result, "r")
    assert report["images"][0]["selected_by"] == "p" and report["images"][0]["platform"] == "linux/amd64"
    assert [p["selected"] for p in report["policies"]] == [["1.26.1"], [], []] and report["tag_list_requests"] == 2
    assert [p["platforms"] for p in report["policies"]] == [None, ["linux/amd64", "linux/arm64"], None], report["policies"]
    lines = mirror.mirror_summary(report)
    assert "  policy p: 1 of 12 tags of docker.io/library/nginx selected: 1.26.1" in lines
    assert any(line.startswith("  policy q: selected nothing") and "selected no tag" in line for line in lines)
    assert any(line.startswith("  policy z: failed") and "max_tags" in line for line in lines)
    empty = mirror.mirror_report({"results": [], "policies": result["policies"][1:2], "counts": {}}, "r")
    assert empty["error"] is None, "a policy that selected nothing is a warning, not an error"


def test_report_and_summary_show_what_prune_deleted_and_kept():
    prune = {"mode": "filters", "untagged": False, "deleted": ["nginx:1.25.2"], "locked": ["nginx:1.24.0"], "skipped": []}
    result = {"registry": {"name": "r", "login_server": "r.azurecr.io"}, "counts": {}, "results": [], "deleted": ["nginx:1.25.2"],
              "policies": [{"label": "p", "source": "docker.io/library/nginx", "listed": 5, "selected": ["1.26.1"], "notes": [],
                            "warnings": [], "failed": False, "policy": {"latest": 1}, "prune": prune}]}
    report = mirror.mirror_report(result, "r")
    assert report["deleted"] == ["nginx:1.25.2"] and report["policies"][0]["prune"] == prune
    lines = mirror.mirror_summary(report)
    assert any(line.split() == ["deleted", "nginx:1.25.2", "pruned"] for line in lines), lines
    assert any(line.split()[:2] == ["locked", "nginx:1.24.0"] and "no longer selected by p" in line for line in lines), lines
    checked = mirror.mirror_report(dict(result, deleted=None, would_delete=["nginx:1.25.2"]), "r", check_mode=True)
    assert checked["deleted"] == ["nginx:1.25.2"] and any(line.split()[:3] == ["would", "delete", "nginx:1.25.2"]
                                                          for line in mirror.mirror_summary(checked))
    assert "deleted" not in mirror.mirror_report({"results": [], "counts": {}}, "r"), "no prune: no deleted key"


def test_entry_keys_are_the_module_image_keys_in_the_role_words():
    """The role passes its entries to acr_import's images: every key but its own `tags` and `credentials` must be one of the
    module's documented image keys (the module's `tag_policy` and source credentials are written `tags` and `credentials`).
    The module's own `tags` (all or a list) and `target_prefix` are what the role's `tags` and acr_mirror_target_prefix become."""
    documented = yaml.safe_load(acr_import.DOCUMENTATION)["options"]["images"]["suboptions"]
    module_only = {"tag_policy", "source_username", "source_password", "label", "tags", "target_prefix"}
    assert mirror.ENTRY_KEYS - {"tags", "credentials"} == set(documented) - module_only


def test_one_source_for_two_platforms_into_one_target_is_refused_naming_both():
    entries = [{"source": "nginx:1.25", "platform": "linux/amd64"}, {"source": "nginx:1.25", "platform": "linux/arm64"}]
    with pytest.raises(AnsibleFilterError) as info:
        requests(entries)
    message = str(info.value)
    assert "target nginx:1.25" in message and "for linux/amd64" in message and "for linux/arm64" in message
    apart = [dict(entries[0], targets=["nginx:1.25-amd64"]), dict(entries[1], targets=["nginx:1.25-arm64"])]
    assert [r["platform"] for r in requests(apart)] == ["linux/amd64", "linux/arm64"]
    assert len(requests([entries[0], dict(entries[0])])) == 1, "the same image and platform listed twice is mirrored once"


def test_summary_caps_change_lines_keeps_every_failure_and_the_report_stays_complete():
    """Issue 19: a summary of thousands of images shows the first 20 changes and all failures, then how many lines it left
    out and where they are; the report keeps every image."""
    results = [{"source": "docker.io/library/app%03d:1" % i, "targets": [{"name": "app%03d:1" % i, "before": None, "after": "d",
                                                                         "action": "imported"}]} for i in range(30)]
    results += [{"source": "docker.io/library/bad%d:1" % i, "failed": True, "msg": "boom %d" % i, "targets": []} for i in range(25)]
    result = {"registry": {"name": "r", "login_server": "r.example"}, "counts": {"imported": 30, "failed": 25, "unchanged": 7},
              "results": results}
    report = mirror.mirror_report(result, "r")
    assert len(report["images"]) == 55 and sum(len(i["targets"]) for i in report["images"]) == 30
    lines = mirror.mirror_summary(report, report_path="/tmp/mirror.json")
    imported = [line for line in lines if line.lstrip().startswith("imported")]
    failed = [line for line in lines if line.lstrip().startswith("failed")]
    assert [line.split()[1] for line in imported] == ["app%03d:1" % i for i in range(20)]
    assert len(failed) == 25 and all("boom %d" % i in "".join(failed) for i in range(25))
    assert lines[-2:] == ["  and 10 more: see the report (/tmp/mirror.json)", "  7 targets already current"]
    assert "  and 10 more: see the report" in mirror.mirror_summary(report)
    small = mirror.mirror_report(dict(result, results=results[:20] + results[30:]), "r")
    assert not any("more: see the report" in line for line in mirror.mirror_summary(small))


def test_deferred_images_are_counted_listed_and_dated_in_the_summary():
    result = {"registry": {"name": "r", "login_server": "r.example"}, "counts": {"imported": 1, "deferred": 2},
              "results": [{"source": "docker.io/library/a:1", "targets": [{"name": "a:1", "before": None, "after": "d", "action": "imported"}]}]
              + [{"source": "docker.io/library/%s:1" % n, "deferred": True, "deferred_until": until,
                  "targets": [{"name": n + ":1", "before": None, "after": None, "action": "deferred"}]}
                 for n, until in (("b", "2026-12-05T00:10:00Z"), ("c", "2026-12-05T00:20:00Z"))]}
    report = mirror.mirror_report(result, "r")
    assert [i.get("deferred_until") for i in report["images"]] == [None, "2026-12-05T00:10:00Z", "2026-12-05T00:20:00Z"]
    lines = mirror.mirror_summary(report)
    assert lines[0] == "r.example: imported 1, deferred 2"
    assert sum(1 for line in lines if line.lstrip().startswith("deferred")) == 2
    assert "  2 images deferred by the Docker Hub pull quota: run again after 2026-12-05T00:20:00Z" in lines
