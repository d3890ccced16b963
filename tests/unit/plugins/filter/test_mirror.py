# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role's data plumbing: merging inventory lists, naming targets, credentials, conflicts, summary."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.acrops.registry.plugins.filter import mirror


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
